"""Standard baselines: predictions any new system should beat.

  normal-template       the same normal report for every study
  stable-template       a prior-style "no interval change" report for every study
  random-train          a random train report (seeded)
  nearest-indication    the train report whose Indication is most similar (TF-IDF cosine)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import RexbenchError
from .io import atomic_write_jsonl
from .splits import Split, Study

NORMAL = ("The heart size and mediastinal contours are within normal limits. The lungs are clear. "
          "No pleural effusion or pneumothorax. No acute osseous abnormality.",
          "No acute cardiopulmonary process.")
STABLE = ("Support devices and cardiomediastinal contours are unchanged. No new focal consolidation. "
          "No pleural effusion or pneumothorax.",
          "No significant interval change compared with the prior study.")

Baseline = Callable[[Split, Split, int], list[tuple[str, str]]]


def _template(sections: tuple[str, str]) -> Baseline:
    return lambda test, train, seed: [sections] * len(test.studies)


def _pool(train: Split) -> list[Study]:
    pool = [s for s in train.studies if s.findings and s.impression]
    if not pool:
        raise RexbenchError(f"split {train.id} has no study with both findings and impression to copy")
    return pool


def random_train(test: Split, train: Split, seed: int) -> list[tuple[str, str]]:
    pool = _pool(train)
    picks = np.random.default_rng(seed).integers(0, len(pool), size=len(test.studies))
    return [(pool[i].findings, pool[i].impression) for i in picks]


_WORD = re.compile(r"[a-z0-9]+")


def nearest_indication(test: Split, train: Split, seed: int) -> list[tuple[str, str]]:
    """Copy the train report whose indication has the highest TF-IDF cosine; random-train where none overlaps."""
    from scipy import sparse

    pool = _pool(train)
    vocab: dict[str, int] = {}

    def matrix(studies: list[Study], grow: bool):
        rows, cols = [], []
        for r, s in enumerate(studies):
            for tok in set(_WORD.findall(s.indication.lower())):
                if grow:
                    vocab.setdefault(tok, len(vocab))
                if tok in vocab:
                    rows.append(r)
                    cols.append(vocab[tok])
        return rows, cols

    tr_rows, tr_cols = matrix(pool, grow=True)
    te_rows, te_cols = matrix(list(test.studies), grow=False)
    v = max(len(vocab), 1)
    a = sparse.csr_matrix((np.ones(len(tr_rows)), (tr_rows, tr_cols)), shape=(len(pool), v))
    b = sparse.csr_matrix((np.ones(len(te_rows)), (te_rows, te_cols)), shape=(len(test.studies), v))
    idf = np.log((1 + len(pool)) / (1 + np.asarray(a.sum(axis=0)).ravel())) + 1
    a, b = a.multiply(idf).tocsr(), b.multiply(idf).tocsr()
    norm = lambda m: sparse.diags(1 / np.maximum(np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel()), 1e-12)) @ m
    sims = (norm(b) @ norm(a).T).toarray()
    fallback = random_train(test, train, seed)
    out = []
    for i, row in enumerate(sims):
        j = int(np.argmax(row))
        out.append((pool[j].findings, pool[j].impression) if row[j] > 0 else fallback[i])
    return out


BASELINES: dict[str, Baseline] = {
    "normal-template": _template(NORMAL),
    "stable-template": _template(STABLE),
    "random-train": random_train,
    "nearest-indication": nearest_indication,
}


def make_predictions(name: str, test: Split, train: Split, *, seed: int = 0) -> list[dict[str, str]]:
    if name not in BASELINES:
        raise RexbenchError(f"unknown baseline {name!r} (baselines: {', '.join(BASELINES)})")
    sections = BASELINES[name](test, train, seed)
    return [{"id": s.id, "findings": f, "impression": i} for s, (f, i) in zip(test.studies, sections)]


def write_predictions(name: str, test: Split, train: Split, out: Path, *, seed: int = 0) -> Path:
    atomic_write_jsonl(out, make_predictions(name, test, train, seed=seed))
    return out
