"""Unchanged rerun: `rexbench score` on the same predictions twice; the second run is a full cache hit.

    REXBENCH_CACHE_DIR=<cache with WordNet> .venv/bin/python benchmarks/rerun.py [--n 10000] [--reruns 3]
        [--baseline DIR]   # DIR: an exported older revision (git archive REV | tar -x -C DIR), rerun
                           # interleaved with this one (python -m rexbench with DIR first on PYTHONPATH)

The pairs are benchmarks/lexical.py's (10,000 synthetic ~45-word pairs from the sentences of the public
reports, read in place), one track. The metrics are the default lexical suite plus chexpert_f1, with the
default bootstrap (1,000 resamples). Each run is a child process (`rexbench score ... --out DIR`, the
same DIR every time, as a user rerunning would), timed from process start to exit, with the peak summed
RSS of its process tree. The score cache is a fresh temporary one (WordNet linked in from
REXBENCH_CACHE_DIR), so the first run computes every metric and the reruns read them; the reruns must
report every metric as cached and leave results.json and per_study.jsonl byte-identical. On a shared
machine the seconds move with the load: `--baseline` measures an older revision in the same run, rounds
interleaved, so the ratio can be read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lexical  # noqa: E402  (the same pairs and child-process measuring as the lexical benchmark)

METRICS = lexical.METRICS + ",chexpert_f1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--reruns", type=int, default=3)
    ap.add_argument("--baseline", type=Path, help="an exported older revision to rerun interleaved with this one")
    args = ap.parse_args()
    if not lexical.PAIRS.is_file():
        raise SystemExit(f"{lexical.PAIRS} is absent: the benchmark needs the public reports")
    wordnet_home = Path(os.environ.get("REXBENCH_CACHE_DIR") or lexical.ROOT / ".cache-rexbench") / "nltk_data"
    if not (wordnet_home / "corpora" / "wordnet").is_dir():
        raise SystemExit(f"no WordNet in {wordnet_home}: run `rexbench setup` with that REXBENCH_CACHE_DIR first")
    variants = {"this checkout": ([str(Path(sys.executable).with_name("rexbench"))], {})}
    if args.baseline:
        variants["baseline"] = ([sys.executable, "-P", "-m", "rexbench"],  # -P: not this folder first
                                {"PYTHONPATH": str(args.baseline.resolve())})
    with tempfile.TemporaryDirectory(prefix="rexbench-rerun-") as tmp:
        folder = Path(tmp)
        refs, preds = lexical.write_inputs(lexical.build_pairs(args.n), folder)
        cache = folder / "cache"
        cache.mkdir()
        (cache / "nltk_data").symlink_to(wordnet_home)
        first: dict[str, tuple[float, int]] = {}
        files: dict[str, dict[str, bytes]] = {}
        reruns: dict[str, list[tuple[float, int]]] = {name: [] for name in variants}
        for r in range(args.reruns + 1):
            for name, (prog, extra_env) in variants.items():
                out = folder / f"out-{list(variants).index(name)}"
                env = dict(os.environ, REXBENCH_CACHE_DIR=str(cache), **extra_env)
                cmd = [*prog, "score", "--references", str(refs), "-p", str(preds), "-m", METRICS, "--out", str(out)]
                wall, peak, table = lexical.run_child(cmd, env)
                written = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
                if r == 0:
                    first[name], files[name] = (wall, peak), written
                    continue
                if written != files[name]:
                    raise SystemExit(f"{name}: a rerun changed results.json or per_study.jsonl")
                rows = [line for line in table.splitlines() if "│" in line and "metric" not in line]
                if len(rows) != len(METRICS.split(",")) or not all("cached" in row for row in rows):
                    raise SystemExit(f"{name}: a rerun recomputed something:\n{table}")
                reruns[name].append((wall, peak))
    if len(files) == 2 and files["this checkout"] != files["baseline"]:
        print("note: this checkout and the baseline wrote different files")
    print(f"{args.n} studies, one track, metrics {METRICS}, bootstrap 1000; machine: {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f} (1-minute average at the end)")
    for name in variants:
        wall, peak = first[name]
        print(f"{name}: first run (computes) {wall:.2f} s, peak RSS {peak / 2**20:.0f} MiB; reruns (full cache hit): "
              + ", ".join(f"{w:.2f} s" for w, _ in reruns[name])
              + f"; peak RSS {max(p for _, p in reruns[name]) / 2**20:.0f} MiB")
    best = {name: min(w for w, _ in runs) for name, runs in reruns.items()}
    line = f"best rerun: this checkout {best['this checkout']:.2f} s (target < 3 s)"
    if "baseline" in best:
        line += f", baseline {best['baseline']:.2f} s, ratio {best['this checkout'] / best['baseline']:.2f}"
    print(line + "; outputs byte-identical across reruns, every metric read from the cache")


if __name__ == "__main__":
    main()
