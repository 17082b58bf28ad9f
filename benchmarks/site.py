"""Benchmark the leaderboard site at scale: 100 submissions x 10,000 studies on two datasets.

Targets (issue 16): every dataset page < 400 KB with its script and stylesheet, and the site build
(`rexbench.site.build_site`: every page, picture, CSV and the per-study downloads) < 15 s. Also timed:
what the pictures add to the leaderboard build (`rexbench.track_analysis`: pairwise tests among the best
20 systems and metric agreement) for 100 systems x 10,000 studies x 1,000 resamples on one track.

The leaderboard dict comes from tests/fixtures/leaderboard_factory.py (5 metrics, 3 + 2 tracks), with n
set to 10,000 and a per-study file of 10,000 studies x 3 tracks per submission and split (ids and scores).
Usage: python benchmarks/site.py [--write]   (--write updates benchmarks/results/site.md)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from rexbench import per_study_table, registry, site, stats, track_analysis  # noqa: E402
from tests.fixtures import leaderboard_factory as factory  # noqa: E402

N_SUBMISSIONS, N_STUDIES, N_RESAMPLES = 100, 10_000, 1_000
MAX_PAGE_BYTES, MAX_BUILD_S = 400_000, 15.0


def leaderboard() -> dict:
    lb = factory.add_pictures_data(factory.make_leaderboard(N_SUBMISSIONS, n_splits=2, malicious=False))
    for sp in lb["splits"]:
        sp["n_studies"] = N_STUDIES
        for tr in sp["tracks"].values():
            tr["n"] = N_STUDIES
            for r in tr["rows"]:
                for sc in r["scores"].values():
                    sc["n"] = N_STUDIES
    return lb


def per_study_files(lb: dict, src: Path) -> int:
    """One realistic per-study file per submission and split (the leaderboard build's layout): every
    track's 10,000 rows with the five metrics' scores; the dict's download paths point at it."""
    rng = np.random.default_rng(0)
    written = 0
    for sid, s in lb["submissions"].items():
        for split_id, tracks in s["results"].items():
            rel = f"downloads/{sid}/{split_id}/per_study.jsonl"
            lines = []
            for tid in tracks:
                vals = rng.random((N_STUDIES, len(factory.METRICS))).round(6).tolist()
                fmt = '{"id": "s%05d", "track": "' + tid + '", ' + ", ".join(f'"{m}": %r' for m in factory.METRICS) + "}"
                lines += [fmt % (i, *v) for i, v in enumerate(vals)]
                tracks[tid]["downloads"] = {"per_study": rel}
            path = src / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            written += path.stat().st_size
    return written


def page_weights(out: Path) -> dict[str, int]:
    assets = sum((out / "static" / f).stat().st_size for f in ("site.css", "site.js"))
    return {p.name: p.stat().st_size + assets for p in sorted((out / "datasets").glob("*.html"))}


def analysis_timing() -> tuple[float, float]:
    """track_analysis.pairwise and .agreement on 100 systems x 10,000 studies (bleu2_rexrank, rouge_l)."""
    rng = np.random.default_rng(1)
    ids = [f"s{i:05d}" for i in range(N_STUDIES)]
    keys = ("bleu2_rexrank", "rouge_l")
    members = []
    for k in range(N_SUBMISSIONS):
        vals = {m: np.clip(rng.normal(0.2 + 0.001 * k, 0.1, N_STUDIES), 0, 1) for m in keys}
        columns = per_study_table.TrackColumns(np.array(ids, dtype=object), values=vals)
        result = {"bootstrap": {"n_resamples": N_RESAMPLES, "seed": stats.DEFAULT_SEED},
                  "tracks": {"findings": {"metrics": {m: {"score": float(vals[m].mean())} for m in keys}}}}
        entry = SimpleNamespace(submission=SimpleNamespace(id=f"sys{k:03d}", reference_baseline=False))
        members.append((entry, result, {"findings": columns}))
    metric = registry.load("bleu2_rexrank")

    def arrays_fn(chosen, track, key, study_ids):
        return metric, {e.submission.id: ps[track].column(key) for e, _, ps in chosen}

    order = [e.submission.id for e, _, _ in sorted(members, key=lambda m: -m[1]["tracks"]["findings"]["metrics"]
                                                   ["bleu2_rexrank"]["score"])]
    t = time.perf_counter()
    track_analysis.pairwise(order, members, "findings", "bleu2_rexrank", np.array(ids, dtype=object), arrays_fn)
    t_pair = time.perf_counter() - t
    t = time.perf_counter()
    track_analysis.agreement(members, "findings")
    return t_pair, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write benchmarks/results/site.md")
    args = ap.parse_args()
    lb = leaderboard()
    with tempfile.TemporaryDirectory(prefix="rexbench-site-bench-") as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "site"
        t = time.perf_counter()
        site.build_site(lb, Path(tmp) / "pages")              # pages, pictures, CSV/JSON: no per-study files
        build = time.perf_counter() - t
        shutil.rmtree(Path(tmp) / "pages", ignore_errors=True)
        per_study_bytes = per_study_files(lb, src)
        t = time.perf_counter()
        site.build_site(lb, out, source_root=src)
        build_all = time.perf_counter() - t
        t = time.perf_counter()
        site.build_site(lb, out, source_root=src)            # a rebuild also swaps the old build out
        rebuild = time.perf_counter() - t
        weights = page_weights(out)
        files = [p for p in out.rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        shutil.rmtree(out, ignore_errors=True)
    t_pair, t_agree = analysis_timing()

    ok = max(weights.values()) < MAX_PAGE_BYTES and build_all < MAX_BUILD_S
    lines = [
        f"site build: pages, pictures, CSV/JSON    {build:7.2f} s",
        f"  + per-study downloads exported         {build_all:7.2f} s   (the whole build; target < {MAX_BUILD_S:.0f} s; "
        f"{per_study_bytes / 1e6:.0f} MB read and checked, clean files published as they are)",
        f"  again, replacing that build            {rebuild:7.2f} s",
        *[f"datasets/{name:<32} {w:9,d} bytes with site.css + site.js (target < {MAX_PAGE_BYTES:,d})"
          for name, w in weights.items()],
        f"whole site                               {len(files):,d} files, {total / 1e6:.1f} MB "
        f"(per-study downloads {per_study_bytes / 1e6:.1f} MB)",
        f"pairwise tests, best 20 of 100 systems   {t_pair:7.2f} s   (studentised paired tests of all 4,950 pairs, "
        f"Holm; 10,000 studies)",
        f"metric agreement, 100 systems            {t_agree:7.2f} s",
    ]
    print("\n".join(lines))
    print("OK" if ok else "TARGET MISSED")
    if args.write:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        import jinja2

        md = [
            "# Leaderboard site benchmark", "",
            "Generated by `python benchmarks/site.py --write`; rerun to update, do not edit by hand.", "",
            f"- date: {dt.date.today().isoformat()}",
            f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (load average {load} "
            f"at the end of the run), {platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"jinja2 {jinja2.__version__}, numpy {np.__version__}",
            f"- workload: {N_SUBMISSIONS} submissions x {N_STUDIES:,d} studies on two datasets (3 + 2 tracks, "
            f"5 metrics; tests/fixtures/leaderboard_factory.py), every picture, CSV and per-study download",
            f"- result: {'every target met' if ok else 'TARGET MISSED'}", "",
            "```", *lines, "```", "",
            "The target is on the whole build: every page, picture, CSV/JSON download and the per-study downloads.",
            "Each per-study file is parsed (pyarrow) to check that it holds only ids and numbers, then published",
            "as it is (a file with any other text is filtered row by row); this is build_site alone, so the",
            "leaderboard step's parse is not reused here (benchmarks/leaderboard.py times the whole command). The",
            "first line builds the pages without per-study files. A rebuild also moves the previous build aside",
            "and deletes it.",
            "Timings are from a shared machine; the load average above says how busy it was.", "",
        ]
        (ROOT / "benchmarks" / "results" / "site.md").write_text("\n".join(md), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
