"""The Ray executor against the local one: same BERTScore numbers, and what Ray costs on one machine.

    .venv/bin/python benchmarks/ray_executor.py [--workers 2] [--n 2000]

Two child processes, one after the other: `local` scores bertscore_minilm in-process, `ray` through
`rexbench.executors.use("ray:N")` (a private local Ray instance with N workers, each loading the model
once). Each scores the demo split (nearest-indication predictions, 3 tracks) and `--n` synthetic pairs
(../shared public report sentences, as benchmarks/lexical.py). Reported: wall time (Ray start-up shown
apart), peak summed RSS of the process tree (Ray's own processes included), max |ray - local|.
The reference embedding cache is off in both, so both encode everything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lexical import ROOT, build_pairs, run_child  # noqa: E402


def inputs(n: int) -> list[tuple[str, list[str], list[str]]]:
    from rexbench.predictions import read_predictions, validate
    from rexbench.splits import load_split

    split = load_split("demo:test")
    aligned = validate(read_predictions(ROOT / "submissions" / "nearest-indication" / "predictions.jsonl"), split,
                       ("findings", "impression", "findings_impression"))
    jobs = [(f"demo:test {t}", a.references, a.predictions) for t, a in aligned.items()]
    pairs = build_pairs(n, seed=5)
    jobs.append((f"synthetic {n}", [r for r, _ in pairs], [h for _, h in pairs]))
    return jobs


def child(kind: str, workers: int, n: int) -> None:
    from rexbench import executors, registry

    jobs = inputs(n)
    registry.load("bertscore_minilm")
    out: dict = {"times": {}, "values": {}}
    with executors.use(f"ray:{workers}" if kind == "ray" else "local") as ex:
        if kind == "ray":
            start = time.perf_counter()
            ex.actors()
            out["startup"] = time.perf_counter() - start
        for label, refs, hyps in jobs:
            start = time.perf_counter()
            result = ex.compute(registry.load("bertscore_minilm"), list(refs), list(hyps), None)
            out["times"][label] = time.perf_counter() - start
            out["values"][label] = result.per_study.tolist()
        out["shards"] = getattr(ex, "shards_sent", 0)
    json.dump(out, sys.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--child", choices=("local", "ray"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.workers, args.n)
    import numpy as np

    env = dict(os.environ, REXBENCH_EMBEDDING_CACHE="off")
    runs = {}
    for kind in ("local", "ray"):
        wall, peak, out = run_child([sys.executable, __file__, "--child", kind, "--workers", str(args.workers),
                                     "--n", str(args.n)], env)
        runs[kind] = (wall, peak, json.loads(out))
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; bertscore_minilm, fp32, CPU")
    for kind, (wall, peak, out) in runs.items():
        extra = f", Ray start + {args.workers} actors {out['startup']:.1f} s, {out['shards']} shards" if kind == "ray" else ""
        print(f"{kind:5s}: {wall:6.1f} s wall (process), peak RSS {peak / 2**20:5.0f} MiB{extra}")
    local, ray = runs["local"][2], runs["ray"][2]
    for label in local["times"]:
        diff = float(np.abs(np.asarray(local["values"][label]) - np.asarray(ray["values"][label])).max())
        print(f"  {label:28s} local {local['times'][label]:6.1f} s   ray {ray['times'][label]:6.1f} s   "
              f"max |ray - local| {diff:.1e}")


if __name__ == "__main__":
    main()
