"""How exactly does a model metric reproduce? Rescore the demo submissions under other run conditions.

    .venv/bin/python benchmarks/reproduction.py                     # bertscore_minilm, float32
    .venv/bin/python benchmarks/reproduction.py --dtype bfloat16    # the opt-in bf16 encoder

The demo submissions whose predictions are real reports (random-train, nearest-indication; the
template submissions repeat one text) on split demo:test, track findings_impression (the longest texts,
so the most padding and the widest batches; `--tracks` picks others; the first `--limit` studies, 120 by
default, as the 2-core development machine is shared; `--limit 0` for all 390), are scored with the metric under a
reference condition (2 torch threads, the engine's batching, split order) and under each variant:
1 thread, PyTorch's own (MKL) kernels instead of oneDNN, other encoder batch budgets (down to one text per batch, i.e. no padding), and shuffled or
reversed study order (other batch compositions). The embedding and score caches are off, so every
run encodes from scratch. Printed: the worst absolute difference from the reference of any per-study
value (precision, recall, F1) and of any corpus score, per variant and overall. The metric's declared
`tolerance` (its card, its signature field `tol`) must exceed the overall worst case with a margin
(the worst cross-CPU drift observed on committed numbers is listed in benchmarks/results/reproduction.md).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ["REXBENCH_EMBEDDING_CACHE"] = "off"
SUBMISSIONS = ("random-train", "nearest-indication")


def pairs_of_demo(tracks: tuple[str, ...], limit: int) -> list[tuple[str, list[str], list[str]]]:
    """(label, references, predictions) for every demo submission and track."""
    from rexbench.pipeline import load_all
    from rexbench.predictions import read_predictions, validate
    from rexbench.splits import load_split

    out = []
    for sub in load_all(REPO / "submissions"):
        if sub.id not in SUBMISSIONS:
            continue
        for entry in sub.splits:
            split = load_split(entry.split)
            for track, al in validate(read_predictions(entry.predictions), split, tracks).items():
                stop = limit or len(al.ids)
                out.append((f"{sub.id}/{track}", al.references[:stop], al.predictions[:stop]))
    return out


def run(metric, pairs, *, threads: int, budget: int, max_batch: int, order: str, kernels: str):
    import numpy as np
    import torch

    from rexbench import bertscore_encoder as encoders

    os.environ["REXBENCH_ONEDNN"] = "on" if kernels == "onednn" else "off"   # rexbench.onednn_linear
    torch.set_num_threads(threads)
    encoders.TOKEN_BUDGET, encoders.MAX_BATCH = budget, max_batch   # read by the metric on each compute
    results = []
    for label, refs, preds in pairs:
        idx = list(range(len(refs)))
        if order == "shuffled":
            random.Random(1).shuffle(idx)
        elif order == "reversed":
            idx.reverse()
        out = metric.compute(references=[refs[i] for i in idx], predictions=[preds[i] for i in idx])
        back = np.argsort(idx)
        comps = np.stack([out.components[c][back] for c in ("precision", "recall", "f1")], axis=1)
        results.append((label, comps, out.score))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metric", default="bertscore_minilm")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--tracks", default="findings_impression", help="comma-separated tracks")
    ap.add_argument("--limit", type=int, default=120, help="studies per submission and track (0: all)")
    args = ap.parse_args()

    import numpy as np
    import torch

    from rexbench import bertscore_encoder as encoders
    from rexbench import registry

    metric = registry.load(f"{args.metric}:dtype={args.dtype}")
    pairs = pairs_of_demo(tuple(args.tracks.split(",")), args.limit)
    n_pairs = sum(len(r) for _, r, _ in pairs)
    base_budget, base_batch = encoders.TOKEN_BUDGET, encoders.MAX_BATCH
    reference = dict(threads=2, budget=base_budget, max_batch=base_batch, order="split",
                     kernels=encoders.kernels_for("cpu", args.dtype))
    variants = {
        "1 thread": dict(reference, threads=1),
        "PyTorch's own kernels (REXBENCH_ONEDNN=off)": dict(reference, kernels="torch"),
        "batch budget 512 tokens": dict(reference, budget=512),
        "batch budget 8192 tokens": dict(reference, budget=8192),
        "one text per batch (no padding)": dict(reference, max_batch=1),
        "shuffled study order": dict(reference, order="shuffled"),
    }
    print(f"{args.metric} dtype={args.dtype}: {len(pairs)} submission x track runs, {n_pairs} pairs; "
          f"torch {torch.__version__}; reference: {reference}")
    t0 = time.perf_counter()
    base = run(metric, pairs, **reference)
    print(f"reference run: {time.perf_counter() - t0:.1f} s")
    worst_study = worst_corpus = 0.0
    for name, cond in variants.items():
        t0 = time.perf_counter()
        got = run(metric, pairs, **cond)
        d_study = max(float(np.abs(a[1] - b[1]).max()) for a, b in zip(base, got))
        d_corpus = max(abs(a[2] - b[2]) for a, b in zip(base, got))
        worst_study, worst_corpus = max(worst_study, d_study), max(worst_corpus, d_corpus)
        print(f"{name:45s} max |d| per study {d_study:.3g}  corpus {d_corpus:.3g}  "
              f"({time.perf_counter() - t0:.1f} s)")
    print(f"WORST: per study {worst_study:.3g}, corpus {worst_corpus:.3g}; declared tolerance "
          f"{metric.tolerance:g}" + (" (OK: above the worst case)" if metric.tolerance > worst_study else
                                    " (TOO SMALL)"))


if __name__ == "__main__":
    main()
