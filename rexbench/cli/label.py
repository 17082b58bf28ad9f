"""`rexbench label FILE`: CheXpert labels of each report, to see why a chexpert_f1 score is what it is."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Optional

import typer

from ..errors import InputError
from ..io import MAX_TEXT_CHARS

ABBREVIATIONS = {
    "No Finding": "NF", "Enlarged Cardiomediastinum": "EC", "Cardiomegaly": "CM", "Lung Lesion": "LL",
    "Lung Opacity": "LO", "Edema": "ED", "Consolidation": "CO", "Pneumonia": "PN", "Atelectasis": "AT",
    "Pneumothorax": "PX", "Pleural Effusion": "PE", "Pleural Other": "PO", "Fracture": "FR",
    "Support Devices": "SD",
}
SYMBOLS = {"positive": "+", "negative": "-", "uncertain": "?", "blank": ""}
TEXT_COLUMNS = ("report", "reports", "text", "findings", "impression")
ID_COLUMNS = ("study_id", "id")
OUTPUT_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")


def register(app: typer.Typer) -> None:
    app.command("label")(label_command)


def label_command(
    file: Path = typer.Argument(..., help="Reports: .jsonl (\"report\", or \"findings\"/\"impression\", and \"id\"), "
                                          ".csv (study_id,report; or one headerless column), or text, one report per line."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON on stdout."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the labels to FILE: .csv in CheXpert's "
                                          "labeled_reports.csv convention (1.0 / 0.0 / -1.0 / blank), or .json / .jsonl."),
    explain: bool = typer.Option(False, "--explain", help="Show which phrase and which cue decided each label."),
    with_text: bool = typer.Option(False, "--with-text", help="Include the report text in the output (CSV column \"Reports\")."),
    processes: Optional[int] = typer.Option(None, "--processes", "-p", min=1, help="Worker processes (default: all cores)."),
) -> None:
    """Label reports with CheXpert's 14 observations (positive / negative / uncertain / blank)."""
    from ..labelers import OBSERVATIONS, STATUS_NAMES, chexpert_cell, label
    from ..labelers import explain as explain_report

    if output is not None:   # before any work: a known format, writable, and not the input itself
        from ..io import refuse_overwrite, require_writable_file

        require_writable_file(output, option="--output")
        if output.suffix.lower() not in OUTPUT_SUFFIXES:
            raise InputError(f"--output {output}: unknown file type {output.suffix or '(none)'!r} "
                             f"(use {', '.join(OUTPUT_SUFFIXES)})")
        refuse_overwrite(output, [file], option="--output")
    items = read_reports(file)
    codes = label([text for _, text in items], processes=processes)
    rows: list[dict[str, Any]] = []
    for (rid, text), row in zip(items, codes):
        rec: dict[str, Any] = {"id": rid, "labels": {o: STATUS_NAMES[int(v)] for o, v in zip(OBSERVATIONS, row)}}
        if with_text:
            rec["report"] = text
        if explain:
            _, evidence = explain_report(text)
            rec["evidence"] = [{"observation": e.observation, "status": e.status, "sentence": e.sentence + 1,
                                "phrase": e.phrase, "cue": e.cue, "rule": e.rule} for e in evidence]
        rows.append(rec)

    if output is not None:
        _write(output, rows, codes, with_text, chexpert_cell, OBSERVATIONS)
        typer.echo(f"wrote labels of {len(rows)} report(s) to {output}", err=True)
    if as_json:
        from .common import print_json

        print_json(rows)
    elif output is None:
        _print_table(rows, OBSERVATIONS, explain)


# ---- reading --------------------------------------------------------------------------------------

def read_reports(path: Path) -> list[tuple[str, str]]:
    """(id, text) pairs from a .jsonl, .csv or plain-text file; InputError names the file and line."""
    from ..io import lines_of
    from ..records import read_text

    if not path.exists():
        raise InputError(f"{path}: no such file")
    content = read_text(path)   # a bounded regular file, UTF-8
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        items = _read_jsonl(path, content)
    elif suffix == ".csv":
        items = _read_csv(path, content)
    else:
        items = [(str(i), line.strip()) for i, line in enumerate(lines_of(content), 1) if line.strip()]
    if not items:
        raise InputError(f"{path}: no reports found")
    long = next(((rid, text) for rid, text in items if len(text) > MAX_TEXT_CHARS), None)
    if long:
        raise InputError(f"{path}: id {long[0]!r}: the report is {len(long[1]):,} characters, over the "
                         f"{MAX_TEXT_CHARS:,}-character limit for one report")
    seen: dict[str, int] = {}
    for n, (rid, _) in enumerate(items):
        if rid in seen:
            raise InputError(f"{path}: duplicate id {rid!r} (reports {seen[rid] + 1} and {n + 1})")
        seen[rid] = n
    return items


def _read_jsonl(path: Path, content: str) -> list[tuple[str, str]]:
    from ..io import lines_of, loads_json
    from ..records import json_kind, strict_pairs

    items = []
    for lineno, line in enumerate(lines_of(content), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = loads_json(line, where, one_line=True, object_pairs_hook=strict_pairs(where))
        except InputError as exc:   # this command's wording ("invalid JSON"), which its users know
            raise InputError(str(exc).replace(": not valid JSON", ": invalid JSON", 1)) from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object, got {json_kind(obj)}")
        if "report" in obj:
            text = obj["report"]
            if not isinstance(text, str):
                raise InputError(f"{where}: \"report\" must be a string, got {json_kind(text)}")
        elif "findings" in obj or "impression" in obj:
            parts = []
            for key in ("findings", "impression"):
                value = obj.get(key)
                if value is not None and not isinstance(value, str):
                    raise InputError(f"{where}: \"{key}\" must be a string, got {json_kind(value)}")
                if value and value.strip():
                    parts.append(value.strip())
            text = " ".join(parts)
        else:
            raise InputError(f"{where}: no \"report\", \"findings\" or \"impression\" field")
        if not text.strip():
            raise InputError(f"{where}: empty report")
        rid = next((obj[k] for k in ID_COLUMNS if k in obj), lineno)
        if not isinstance(rid, (str, int)) or isinstance(rid, bool):
            raise InputError(f"{where}: id must be a string or an integer")
        items.append((str(rid), text))
    return items


def _read_csv(path: Path, content: str) -> list[tuple[str, str]]:
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: {exc}") from None
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    text_cols = [header.index(c) for c in TEXT_COLUMNS if c in header]
    if not text_cols:
        if len(rows[0]) > 1:
            raise InputError(f"{path}:1: CSV needs a header naming the report column "
                             f"({', '.join(TEXT_COLUMNS)}) and optionally study_id or id")
        # headerless, one column: one report per row (CheXpert's sample_reports.csv)
        return [(str(i), r[0]) for i, r in enumerate(rows, 1) if r and r[0].strip()]
    if {"findings", "impression"} & set(header) and not ({"report", "reports", "text"} & set(header)):
        text_cols = [header.index(c) for c in ("findings", "impression") if c in header]
    else:
        text_cols = text_cols[:1]
    id_col = next((header.index(c) for c in ID_COLUMNS if c in header), None)
    items = []
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: row {n}: {len(row)} fields, the header has {len(header)}")
        text = " ".join(row[c].strip() for c in text_cols if row[c].strip())
        if not text:
            raise InputError(f"{path}: row {n}: empty report")
        rid = row[id_col].strip() if id_col is not None else str(n - 1)
        if not rid:
            raise InputError(f"{path}: row {n}: empty id")
        items.append((rid, text))
    return items


# ---- writing --------------------------------------------------------------------------------------

def _write(path: Path, rows, codes, with_text: bool, cell, observations) -> None:
    from ..io import atomic_write_json, atomic_write_jsonl, atomic_write_text

    suffix = path.suffix.lower()
    if suffix == ".json":
        atomic_write_json(path, rows)
    elif suffix in (".jsonl", ".ndjson"):
        atomic_write_jsonl(path, rows)
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["id"] + (["Reports"] if with_text else []) + list(observations))
        for rec, row in zip(rows, codes):
            writer.writerow([rec["id"]] + ([rec["report"]] if with_text else []) + [cell(v) for v in row])
        atomic_write_text(path, buf.getvalue())


def _shown_id(rid: str) -> str:
    """An id as the table prints it: escaped when it holds control characters (a terminal escape in a
    file's id must not reach the terminal)."""
    return rid if rid.isprintable() else ascii(rid)


def _print_table(rows, observations, explain: bool) -> None:
    abbr = [ABBREVIATIONS[o] for o in observations]
    width = max([len("id")] + [len(_shown_id(r["id"])) for r in rows])
    typer.echo("legend: + positive, - negative, ? uncertain, blank = not mentioned; "
               + ", ".join(f"{a}={o}" for a, o in zip(abbr, observations)))
    typer.echo(f"{'id':<{width}}  " + " ".join(f"{a:>2}" for a in abbr))
    for r in rows:
        cells = " ".join(f"{SYMBOLS[r['labels'][o]]:>2}" for o in observations)
        typer.echo(f"{_shown_id(r['id']):<{width}}  {cells}".rstrip())
        if explain:
            for e in r["evidence"]:
                if e["observation"] == "No Finding":
                    typer.echo(f"    No Finding = positive: {e['rule']}")
                    continue
                how = f"cue {e['cue']!r} ({e['rule']})" if e["cue"] else e["rule"]
                typer.echo(f"    {e['observation']} = {e['status']}: {e['phrase']!r} "
                           f"(sentence {e['sentence']}), {how}")
