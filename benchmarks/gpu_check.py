"""GPU check for model metrics: numbers on CUDA equal the CPU's within the metric's tolerance; pairs/s.

Run on a machine with a GPU, from the repository root (a few minutes; nothing downloads):

    .venv/bin/python benchmarks/gpu_check.py [--n 2000] [--metrics bertscore_minilm,bertscore] [--cpu-n 300]

For each installed model metric: scores `--cpu-n` pairs on CPU and on `cuda` (fp32) and compares them
(max |difference| against the metric's tolerance, 1e-6 when it declares none); then times `--n` pairs
on the GPU in fp32 and, as opt-ins that change the signature, bf16 and fp16, printing pairs/s and the
drift from fp32. Exit status 1 when a CUDA/CPU difference exceeds the tolerance or there is no GPU.
Pairs are synthesised from the sentences of ../shared/data/public_reports/pairs.jsonl (read in place).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lexical import build_pairs  # noqa: E402  (same synthetic pairs as the lexical benchmark)

DEFAULT_TOLERANCE = 1e-6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="pairs timed on the GPU")
    ap.add_argument("--cpu-n", type=int, default=300, help="pairs compared between CPU and GPU")
    ap.add_argument("--metrics", default="bertscore_minilm,bertscore")
    args = ap.parse_args()

    import numpy as np
    import torch

    from rexbench import device, registry

    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check (torch.cuda.is_available() is False)")
        return 1
    os.environ.setdefault("REXBENCH_EMBEDDING_CACHE", "off")   # time the encoder, not the disk cache
    print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CPU threads {torch.get_num_threads()}")
    pairs = build_pairs(max(args.n, args.cpu_n), seed=3)
    refs, hyps = [r for r, _ in pairs], [h for _, h in pairs]
    failed = False
    for spec in [s.strip() for s in args.metrics.split(",") if s.strip()]:
        metric = registry.load(spec)
        problem = metric.readiness()
        if problem:
            print(f"{spec}: skipped ({problem})")
            continue
        tolerance = getattr(metric, "tolerance", None) or DEFAULT_TOLERANCE
        with device.runtime(device="cpu"):
            cpu = metric.compute(references=refs[:args.cpu_n], predictions=hyps[:args.cpu_n])
        with device.runtime(device="cuda"):
            gpu = registry.load(spec).compute(references=refs[:args.cpu_n], predictions=hyps[:args.cpu_n])
        diff = float(np.abs(cpu.per_study - gpu.per_study).max())
        ok = diff <= tolerance
        failed |= not ok
        print(f"{spec}: CPU vs CUDA fp32 on {args.cpu_n} pairs: max |diff| {diff:.2e} "
              f"(tolerance {tolerance:.0e}) {'OK' if ok else 'FAIL'}")
        base = None
        for dtype in ("float32", "bfloat16", "float16"):
            m = registry.load(spec if dtype == "float32" else f"{spec}:dtype={dtype}")
            with device.runtime(device="cuda"):
                m.compute(references=refs[:64], predictions=hyps[:64])      # model load + CUDA warm-up
                torch.cuda.synchronize()
                start = time.perf_counter()
                out = m.compute(references=refs[:args.n], predictions=hyps[:args.n])
                torch.cuda.synchronize()
                seconds = time.perf_counter() - start
            drift = "" if base is None else f", max |diff| vs fp32 {float(np.abs(out.per_study - base).max()):.2e}"
            base = out.per_study if base is None else base
            print(f"  {dtype:9s}: {args.n} pairs in {seconds:6.2f} s = {args.n / seconds:8.0f} pairs/s{drift}")
        print(f"  peak GPU memory: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
