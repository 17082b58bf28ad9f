"""`rexbench leaderboard build` for 100 submissions x 10,000 studies x 3 tracks, with CIs and tie groups.

    .venv/bin/python benchmarks/leaderboard.py [--submissions 100] [--studies 10000] [--keep DIR]

Generation (not timed): a custom split of `--studies` studies (findings + impression, short synthetic
texts), and `--submissions` submission folders whose results.json / per_study.jsonl are written by
rexbench's own writer (rexbench.results.write) from a real ScoreRun: real metric objects, signatures and
bootstrap CIs (1,000 resamples), with synthetic per-study values (systems of graded quality plus
per-study noise, so some are tied and some are not) for bleu2_rexrank, rouge_l, meteor, bertscore_minilm
(mean metrics) and bleu (corpus-level, synthetic n-gram statistics).

Timed: `rexbench leaderboard build --submissions DIR --out SITE` as a child process (wall time, peak RSS
of the process tree), i.e. reading every results.json and per_study.jsonl, ranking, tie groups, paired
tests, rank intervals, and rendering the site.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lexical import run_child  # noqa: E402

TRACKS = ("findings", "impression", "findings_impression")
MEAN_METRICS = {"bleu2_rexrank": (0.05, 0.35), "rouge_l": (0.15, 0.45), "meteor": (0.2, 0.5),
                "bertscore_minilm": (0.55, 0.8)}


def write_split(folder: Path, n: int) -> Path:
    path = folder / "split.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"s{i:06d}", "findings": f"Finding number {i}.",
                                 "impression": f"Impression {i % 97}."}) + "\n")
    return path


def write_predictions(folder: Path, n: int) -> Path:
    path = folder / "predictions.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"s{i:06d}", "findings": "No acute findings.", "impression": "Normal."}) + "\n")
    return path


def generate(root: Path, n_subs: int, n_studies: int) -> None:
    import numpy as np

    from rexbench import registry
    from rexbench.metric import MetricOutput
    from rexbench.predictions import read_predictions, validate
    from rexbench.results import write
    from rexbench.scoring import BootstrapConfig, MetricScore, ScoreRun, TrackResult, _ci
    from rexbench.signature import build
    from rexbench.splits import load_split
    from rexbench.stats import resample_counts

    data = root / "data"
    data.mkdir(parents=True)
    split = load_split(str(write_split(data, n_studies)))
    preds_path = write_predictions(data, n_studies)
    preds = read_predictions(preds_path)
    aligned = validate(preds, split, TRACKS)
    boot = BootstrapConfig()
    counts = resample_counts(n_studies, boot.n_resamples, boot.seed)
    metrics = {name: registry.load(name) for name in (*MEAN_METRICS, "bleu")}
    rng = np.random.default_rng(0)
    base = {t: {m: rng.uniform(lo, hi, n_studies) for m, (lo, hi) in MEAN_METRICS.items()} for t in TRACKS}
    for s in range(n_subs):
        quality = (s // 3) / n_subs          # groups of three equal systems: real ties
        tracks = {}
        for t in TRACKS:
            result = TrackResult(aligned[t])
            for name, metric in metrics.items():
                if name == "bleu":
                    total = rng.integers(30, 50, (n_studies, 1)).astype(np.float64)
                    totals = np.hstack([total - k for k in range(4)])
                    correct = np.floor(totals * np.clip(0.2 + quality * 0.3 + rng.normal(0, 0.1, (n_studies, 1)), 0, 1))
                    stats = np.hstack([total, total + rng.integers(-5, 5, (n_studies, 1)), correct, totals])
                    agg = float(metric.aggregate(stats.sum(0)))
                    out = MetricOutput(per_study=metric.aggregate(stats), score=agg, stats=stats)
                else:
                    lo, hi = MEAN_METRICS[name]
                    values = np.clip(base[t][name] + quality * (hi - lo) * 0.2 + rng.normal(0, 0.05, n_studies), 0, 1)
                    out = MetricOutput(per_study=values, score=float(values.mean()))
                sig = build(metric, n=n_studies, refs_sha256=split.sha256, extra=boot.signature_fields())
                result.metrics[name] = MetricScore(name, metric, out, sig, _ci(metric, out, counts, boot), False)
            tracks[t] = result
        sub = root / "submissions" / f"system-{s:03d}"
        sub.mkdir(parents=True)
        shutil.copy(preds_path, sub / "predictions.jsonl")
        (sub / "submission.yaml").write_text(
            f"id: system-{s:03d}\nmodel_name: System {s}\ninstitution: benchmark\ndate: 2026-12-03\n"
            f"license: CC0-1.0\nsplits:\n  - split: {data / 'split.jsonl'}\n    predictions: predictions.jsonl\n"
            f"    tracks: [{', '.join(TRACKS)}]\n", encoding="utf-8")
        write(ScoreRun(split, preds, tracks, boot), sub, submission_id=f"system-{s:03d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--submissions", type=int, default=100)
    ap.add_argument("--studies", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder instead of a temporary one")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="rexbench-lbbench-"))
    try:
        if not (root / "submissions").is_dir():
            generate(root, args.submissions, args.studies)
        rexbench = str(Path(sys.executable).with_name("rexbench"))
        cmd = [rexbench, "leaderboard", "build", "--submissions", str(root / "submissions"), "--out", str(root / "site")]
        load_before = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, peak, _ = run_child(cmd, dict(os.environ))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        size = sum(p.stat().st_size for p in (root / "submissions").rglob("*.json*")) / 2**20
        print(f"{args.submissions} submissions x {args.studies} studies x {len(TRACKS)} tracks, 5 metrics, "
              f"{size:.0f} MiB of results; machine {os.cpu_count()} CPUs, load {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after")
        print(f"rexbench leaderboard build: {wall:.1f} s wall, {cpu:.1f} s CPU (user + system, all threads), "
              f"peak RSS {peak / 2**20:.0f} MiB")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
