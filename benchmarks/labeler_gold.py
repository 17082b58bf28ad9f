"""Measure the rule-based CheXpert labeler on the blind gold set (and on CheXpert's own samples).

Run from the repository root:

    python benchmarks/labeler_gold.py --split heldout          # the measurement (held-out reports)
    python benchmarks/labeler_gold.py --split dev --show       # rule development: list disagreements

The gold ids and labels are tests/fixtures/chexpert_gold_blind.jsonl (provenance in
tests/fixtures/chexpert_gold_blind.md); the report texts are read in place from ../shared (--shared).
Prints four-class agreement, macro F1 over positive labels (see rexbench.labelers.gold), every
observation's precision / recall / F1, and the 4x4 confusion of positive / negative / uncertain / blank.
`--show` prints report texts and is refused for the held-out split: those texts stay out of rule work.
Also prints agreement with the CheXpert labeler's published sample labels (chexpert_labeler/) and with
the previous, rule-author-written gold (tests/fixtures/chexpert_gold.jsonl).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rexbench.labelers import OBSERVATIONS, STATUS_NAMES, chexpert_cell, explain, gold, label  # noqa: E402

GOLD = REPO / "tests" / "fixtures" / "chexpert_gold_blind.jsonl"
OLD_GOLD = REPO / "tests" / "fixtures" / "chexpert_gold.jsonl"
SHORT = {"No Finding": "NF", "Enlarged Cardiomediastinum": "EC", "Cardiomegaly": "CM", "Lung Lesion": "LL",
         "Lung Opacity": "LO", "Edema": "ED", "Consolidation": "CO", "Pneumonia": "PN", "Atelectasis": "AT",
         "Pneumothorax": "PX", "Pleural Effusion": "PE", "Pleural Other": "PO", "Fracture": "FR",
         "Support Devices": "SD"}


def blind(split: str, shared: Path, show: bool) -> None:
    rows = [r for r in gold.load(GOLD) if split == "all" or r["split"] == split]
    texts = gold.texts([r["id"] for r in rows], shared)
    truth, pred = gold.codes(rows), label(texts, processes=1)
    s = gold.score(truth, pred)
    print(f"## Blind gold, split {split}: {s.n_reports} reports x 14 observations\n")
    print(f"- four-class agreement: {s.agreement:.4f}")
    print(f"- macro F1 over positive labels: {s.macro_f1:.4f} "
          f"(mean over the {sum(v['support'] > 0 for v in s.per_observation.values())} observations "
          "with a gold positive)\n")
    print("| observation | gold positives | predicted positives | precision | recall | F1 |")
    print("|---|---|---|---|---|---|")
    for obs, v in s.per_observation.items():
        print(f"| {obs} | {v['support']} | {v['predicted']} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} |")
    print("\nConfusion over all cells (rows: gold, columns: labeler)\n")
    print("| gold \\ labeler | " + " | ".join(gold.CLASS_NAMES) + " |")
    print("|---|---|---|---|---|")
    for name, line in zip(gold.CLASS_NAMES, s.confusion):
        print(f"| {name} | " + " | ".join(str(int(x)) for x in line) + " |")
    if show:
        print()
        for r, text, t, p in zip(rows, texts, truth, pred):
            diff = [f"{SHORT[o]} gold {STATUS_NAMES[int(a)]} / ours {STATUS_NAMES[int(b)]}"
                    for o, a, b in zip(OBSERVATIONS, t, p) if a != b]
            if diff:
                print(f"{r['id']}: {'; '.join(diff)}\n  {text}")
                for e in explain(text)[1]:
                    print(f"    {e.describe()}")


def chexpert_samples(shared: Path) -> None:
    folder = shared / "data" / "public_reports" / "chexpert_labeler"
    with open(folder / "labeled_reports.csv", newline="", encoding="utf-8") as fh:
        published = list(csv.DictReader(fh))
    codes = label([p["Reports"] for p in published], processes=1)
    cells = same = 0
    for row, pub in zip(codes, published):
        for obs, v in zip(OBSERVATIONS, row):
            cells += 1
            same += chexpert_cell(v) == pub[obs]
    print(f"\nCheXpert labeler's sample labels ({len(published)} reports): four-class agreement {same / cells:.4f}")


def old_gold() -> None:
    rows = [json.loads(line) for line in OLD_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    codes = label([r["text"] for r in rows], processes=1)
    same = sum(STATUS_NAMES[int(v)] == r["labels"].get(obs, "blank")
               for r, row in zip(rows, codes) for obs, v in zip(OBSERVATIONS, row))
    print(f"Previous gold written with the rules ({len(rows)} reports): four-class agreement "
          f"{same / (14 * len(rows)):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "heldout", "all"), default="heldout")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared data folder")
    ap.add_argument("--show", action="store_true", help="print dev disagreements with text and evidence")
    args = ap.parse_args()
    if args.show and args.split != "dev":
        ap.error("--show prints report texts: only for --split dev (held-out texts stay out of rule work)")
    if not (args.shared / gold.REPORTS_DIR[0]).is_dir():
        ap.error(f"{args.shared}: no shared data folder (give --shared)")
    blind(args.split, args.shared, args.show)
    chexpert_samples(args.shared)
    old_gold()


if __name__ == "__main__":
    main()
