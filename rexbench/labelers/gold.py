"""The blind CheXpert gold set: ids and labels in the project, report texts read in place from ../shared.

tests/fixtures/chexpert_gold_blind.jsonl holds one line per report: {"id", "split" ("dev" or "heldout"),
"labels" {14 observations: 1 / 0 / -1 / null}, "source" ("agreed" or "adjudicated")}. Its provenance is
described in tests/fixtures/chexpert_gold_blind.md. The ids name public reports under
../shared/data/public_reports (never copied into the project):

    radeval_ref:NNN     line NNN (0-based) of radeval_tests/refs_chexpert_impression.txt
    radeval_pred:NNN    line NNN (0-based) of radeval_tests/preds_chexpert_impression.txt
    moerad_pred:STUDY   the `report` column of moerad_iu_xray/preds.csv for study_id STUDY

A text is `" ".join(raw.split())`, as the annotators saw it.

Scores (`score`): four-class agreement over reports x 14 observations (blank counted as a class);
per observation precision / recall / F1 of the positive class (gold 1 vs predicted 1, uncertain is not
positive); macro F1 = the mean of those F1s over the observations with at least one positive in the
gold; and the 4x4 confusion of positive / negative / uncertain / blank pooled over all cells.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chexpert import BLANK, NEGATIVE, OBSERVATIONS, POSITIVE, UNCERTAIN

REPORTS_DIR = ("data", "public_reports")
_LINE_FILES = {
    "radeval_ref": ("radeval_tests", "refs_chexpert_impression.txt"),
    "radeval_pred": ("radeval_tests", "preds_chexpert_impression.txt"),
}
_CSV_FILES = {"moerad_pred": ("moerad_iu_xray", "preds.csv", "study_id", "report")}

CLASSES = (POSITIVE, NEGATIVE, UNCERTAIN, BLANK)      # row/column order of the confusion matrix
CLASS_NAMES = ("positive", "negative", "uncertain", "blank")


def load(path: Path) -> list[dict]:
    """The gold lines of `path` (ids, splits, labels), in file order."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if set(row["labels"]) != set(OBSERVATIONS):
                raise ValueError(f"{path}:{n}: labels must name the 14 observations")
            rows.append(row)
    return rows


def codes(rows: list[dict]) -> np.ndarray:
    """(n, 14) int8 label codes of gold rows (null -> BLANK)."""
    out = np.full((len(rows), len(OBSERVATIONS)), BLANK, dtype=np.int8)
    for i, row in enumerate(rows):
        for j, obs in enumerate(OBSERVATIONS):
            v = row["labels"][obs]
            if v is not None:
                out[i, j] = int(v)
    return out


def texts(ids: list[str], shared: Path) -> list[str]:
    """The report text of every id, read from the shared folder (KeyError for an unknown id)."""
    root = Path(shared).joinpath(*REPORTS_DIR)
    lines: dict[str, list[str]] = {}
    tables: dict[str, dict[str, str]] = {}
    out = []
    for rid in ids:
        kind, _, key = rid.partition(":")
        if kind in _LINE_FILES:
            if kind not in lines:
                lines[kind] = root.joinpath(*_LINE_FILES[kind]).read_text(encoding="utf-8").split("\n")
            raw = lines[kind][int(key)]
        elif kind in _CSV_FILES:
            if kind not in tables:
                folder, name, id_col, text_col = _CSV_FILES[kind]
                with open(root / folder / name, newline="", encoding="utf-8") as fh:
                    tables[kind] = {r[id_col]: r[text_col] for r in csv.DictReader(fh)}
            raw = tables[kind][key]
        else:
            raise KeyError(f"gold id {rid!r}: unknown source {kind!r}")
        out.append(" ".join(raw.split()))
    return out


@dataclass(frozen=True)
class Scores:
    n_reports: int
    agreement: float                  # four-class, over reports x 14 observations
    macro_f1: float                   # positive-class F1, mean over observations with gold positives
    per_observation: dict[str, dict[str, float]]   # precision, recall, f1, support (gold positives)
    confusion: np.ndarray             # 4x4, rows gold, columns predicted, in CLASSES order


def score(gold: np.ndarray, pred: np.ndarray) -> Scores:
    gold, pred = np.asarray(gold), np.asarray(pred)
    if gold.shape != pred.shape:
        raise ValueError(f"gold {gold.shape} and predictions {pred.shape} differ in shape")
    per: dict[str, dict[str, float]] = {}
    f1s = []
    for j, obs in enumerate(OBSERVATIONS):
        g, p = gold[:, j] == POSITIVE, pred[:, j] == POSITIVE
        tp, fp, fn = int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
        per[obs] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
                    "predicted": tp + fp}
        if tp + fn:
            f1s.append(f1)
    confusion = np.array([[int(((gold == a) & (pred == b)).sum()) for b in CLASSES] for a in CLASSES])
    return Scores(n_reports=len(gold), agreement=float((gold == pred).mean()) if gold.size else float("nan"),
                  macro_f1=float(np.mean(f1s)) if f1s else float("nan"), per_observation=per, confusion=confusion)
