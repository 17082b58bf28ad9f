"""A custom split from a JSONL or CSV of references, so anyone can score against a private set.

Each record: `id` (or `study_id`) and either sections `findings` / `impression` (either may be empty)
or one text `reference` (or `report`), which forms the `report` track. Optional subgroup columns:
`sex`, `age` (years or a DICOM age string), `view`, `manufacturer`; optional `indication`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..io import sha256_file
from ..records import field, read_records
from .model import Split, Study, clean_text
from .rexgradient import _check_unique


def load(path: Path) -> Split:
    studies, problems = [], []
    for line, rec in read_records(path):
        key = field(rec, "id", "study_id")
        if key is None or key == "":
            problems.append(f"{path}:{line}: record has no id")
            continue
        if not isinstance(key, str) or key != key.strip():
            problems.append(f"{path}:{line}: id {key!r} must be a string without surrounding spaces")
            continue
        texts = {name: field(rec, *aliases) for name, aliases in
                 {"findings": ("findings",), "impression": ("impression",),
                  "report": ("reference", "report")}.items()}
        bad = [k for k, v in texts.items() if v is not None and not isinstance(v, str)]
        if bad:
            problems.append(f"{path}:{line}: id {key!r}: {bad[0]} must be a string")
            continue
        if not any(clean_text(v) for v in texts.values()):
            problems.append(f"{path}:{line}: id {key!r}: no reference text (findings, impression or reference)")
            continue
        studies.append(Study(
            id=key,
            findings=clean_text(texts["findings"]), impression=clean_text(texts["impression"]),
            report=clean_text(texts["report"]), indication=clean_text(rec.get("indication")),
            subgroups=_subgroups(rec),
        ))
    if problems:
        raise InputError(problems)
    split = tuple(studies)
    _check_unique(path, split)
    return Split(id=f"custom-{path.stem.lower()}", name=path.stem, dataset="custom", studies=split,
                 source=str(path), source_sha256=sha256_file(path))


def _subgroups(rec: dict) -> dict[str, str | None]:
    from ..stats import age_band, parse_dicom_age

    age = clean_text(rec.get("age"))
    years = float(age) if age.replace(".", "", 1).isdigit() else parse_dicom_age(age)
    sex = clean_text(rec.get("sex")).upper()[:1]
    return {
        "sex": sex if sex in ("M", "F") else None,
        "age_band": age_band(years) if years is not None else None,
        "view": clean_text(rec.get("view")) or None,
        "manufacturer": clean_text(rec.get("manufacturer")) or None,
    }
