"""Benchmark the rule-based CheXpert labeler: 10,000 reports of about 40 words.

Run from the repository root:  python benchmarks/labeler.py [--n 10000] [--processes N]
Prints the time and reports/s of `rexbench.labelers.label` (parallel, de-duplicating) and of a naive
per-report loop in one process, then the time for single 5 MB hostile reports (no sentence
punctuation, one endless word, only line breaks): the labeler must stay linear and bounded on them.
Last, `rexbench label FILE` end to end (a child process, as a user runs it) on one report of 5 MB and
on one of 100,000 characters (the longest one report may be), both without punctuation, next to a
one-line file (the interpreter's start-up). `--hostile-only` runs just the last two parts.
The reports are synthetic combinations of sentence templates (written for this benchmark), nearly all
distinct, so de-duplication does not flatter the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rexbench.labelers import chexpert, label, label_report  # noqa: E402

SIDES = ["left", "right", "bilateral"]
SIZES = ["small", "moderate", "trace", "large", "mild"]
PLACES = ["lung base", "lower lobe", "upper lobe", "mid lung", "lingula", "retrocardiac region"]
TEMPLATES = [
    "The heart size is normal.",
    "Heart size and mediastinal contours are within normal limits.",
    "{size} cardiomegaly, stable compared to the prior study.",
    "The cardiomediastinal silhouette is unchanged.",
    "No focal consolidation, pleural effusion, or pneumothorax.",
    "There is a {size} {side} pleural effusion with adjacent atelectasis.",
    "Patchy opacity in the {side} {place} may reflect atelectasis or pneumonia.",
    "No pneumothorax is seen.",
    "{size} pulmonary edema has improved since the prior exam.",
    "Endotracheal tube tip terminates {n} cm above the carina.",
    "Right internal jugular catheter tip terminates in the mid SVC.",
    "There is no evidence of pneumonia.",
    "Interval resolution of the {side} pneumothorax.",
    "A {n} mm nodule in the {side} {place} cannot be excluded.",
    "Degenerative changes of the thoracic spine.",
    "Old healed {side} rib fractures are again noted.",
    "Lungs are clear without focal airspace disease.",
    "Possible early consolidation in the {side} {place}, although this may be technical.",
    "No acute cardiopulmonary process.",
    "Mild pulmonary vascular congestion without frank edema.",
]


def make_reports(n: int, seed: int = 0, unique_sentences: bool = False) -> list[str]:
    """n reports of about 40 words; with `unique_sentences` every sentence is made distinct."""
    rng = random.Random(seed)
    serial = 0
    out = []
    for _ in range(n):
        words = 0
        parts = []
        while words < 36:
            t = rng.choice(TEMPLATES).format(size=rng.choice(SIZES), side=rng.choice(SIDES),
                                              place=rng.choice(PLACES), n=rng.randint(2, 9))
            if unique_sentences:
                serial += 1
                t = t[:-1] + f" on image {serial}."
            parts.append(t[0].upper() + t[1:])
            words += len(t.split())
        out.append(" ".join(parts))
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children: what the labeling cost on a shared machine."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def hostile_reports(size: int = 5_000_000, seed: int = 0) -> dict[str, str]:
    """Single reports of `size` characters that were quadratic before (no punctuation, ...)."""
    rng = random.Random(seed)
    vocab = " ".join(TEMPLATES).lower().replace(".", "").replace(",", "").split()
    words = []
    total = 0
    while total < size:
        w = rng.choice(vocab)
        words.append(w)
        total += len(w) + 1
    return {
        "words without punctuation": " ".join(words)[:size],
        "one word": "a" * size,
        "line breaks only": "\n" * size,
        "findings separated by commas": ("small left pleural effusion, " * (size // 29 + 1))[:size],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default: all cores)")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--hostile-only", action="store_true", help="only the 5 MB reports and the CLI runs")
    args = ap.parse_args()

    print(f"machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
          f"python={platform.python_version()}")
    label(["Stable cardiomegaly."], processes=1)  # compile the patterns outside the timing
    for unique in (() if args.hostile_only else (False, True)):
        reports = make_reports(args.n, unique_sentences=unique)
        mean_words = sum(len(r.split()) for r in reports) / len(reports)
        chexpert._analyse_cached.cache_clear()
        t0, c0 = time.perf_counter(), _cpu()
        codes = label(reports, processes=args.processes)
        dt, cpu = time.perf_counter() - t0, _cpu() - c0
        kind = "every sentence distinct" if unique else "sentences repeat, as in generated reports"
        print(f"label(): {len(reports)} reports ({len(set(reports))} distinct, {kind}), mean {mean_words:.1f} words: "
              f"{dt:.2f} s, {len(reports) / dt:,.0f} reports/s, {cpu:.2f} CPU s "
              f"(processes={args.processes or os.cpu_count()})")

    if not (args.skip_naive or args.hostile_only):
        chexpert._analyse_cached.cache_clear()
        t0 = time.perf_counter()
        naive = [label_report(r) for r in reports]
        dt1 = time.perf_counter() - t0
        print(f"naive loop over label_report() in one process (distinct sentences): {dt1:.2f} s, "
              f"{len(reports) / dt1:,.0f} reports/s")
        assert len(naive) == len(codes)

    for kind, text in hostile_reports().items():
        chexpert._analyse_cached.cache_clear()
        t0 = time.perf_counter()
        label([text], processes=1)
        dt = time.perf_counter() - t0
        print(f"one hostile report of {len(text) / 1e6:.0f} MB ({kind}): {dt:.3f} s")
    cli_runs()


def cli_runs() -> None:
    """`rexbench label FILE` as a user runs it: the exit status, the wall time and the last line printed."""
    text = hostile_reports()["words without punctuation"]
    files = {"one line (start-up only)": "Heart size normal.\n",
             "one report of 100,000 characters, no punctuation": text[:100_000] + "\n",
             "one report of 5 MB, no punctuation": text + "\n"}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, content in files.items():
            path = Path(tmp) / "reports.txt"
            path.write_text(content, encoding="utf-8")
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "rexbench", "label", str(path), "--json"], capture_output=True,
                                  text=True, cwd=Path(__file__).resolve().parents[1], timeout=600)
            dt = time.perf_counter() - t0
            said = (proc.stderr.strip().splitlines() or [""])[-1].replace(str(path), "FILE")[:120]
            print(f"rexbench label, {kind}: exit {proc.returncode}, {dt:.2f} s wall; "
                  f"{said if proc.returncode else 'labelled'}")


if __name__ == "__main__":
    main()
