"""submission.yaml: a valid file loads; each invalid field gives one line naming the file and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from rexbench.errors import InputError
from rexbench.submission import FILENAME, discover, load_submission
from rexbench.tracks import ALL_TRACKS

from .conftest import REPO

VALID: dict[str, Any] = {
    "id": "my-model-v1",
    "model_name": "My Model v1",
    "institution": "Some Lab",
    "date": "2026-11-26",
    "url": "https://example.org/model",
    "license": "CC-BY-4.0",
    "contact": "someone@example.org",
    "description": "  One paragraph.  ",
    "trained_on": ["rexgradient"],
    "splits": [{"split": "demo:test", "predictions": "predictions.jsonl",
                "tracks": ["findings", "impression"]}],
}


def make(root: Path, data: Any = None, *, folder: str = "my-model-v1", text: str | None = None) -> Path:
    sub = root / folder
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "predictions.jsonl").write_text('{"id": "a", "report": "x"}\n', encoding="utf-8")
    (sub / FILENAME).write_text(text if text is not None else yaml.safe_dump(data if data is not None else VALID),
                                encoding="utf-8")
    return sub


def test_valid_submission_loads(tmp_path: Path) -> None:
    sub = load_submission(make(tmp_path))
    assert sub.id == "my-model-v1" and sub.folder == tmp_path / "my-model-v1"
    assert sub.model_name == "My Model v1" and sub.institution == "Some Lab"
    assert sub.date == "2026-11-26" and sub.year == 2026
    assert sub.description == "One paragraph."
    assert sub.trained_on == ("rexgradient",)
    assert len(sub.splits) == 1
    entry = sub.splits[0]
    assert entry.split == "demo:test"
    assert entry.predictions == tmp_path / "my-model-v1" / "predictions.jsonl"
    assert entry.tracks == ("findings", "impression")
    assert "contact" not in sub.public_metadata()


def test_unquoted_yaml_date_and_default_tracks(tmp_path: Path) -> None:
    text = yaml.safe_dump({**VALID, "splits": [{"split": "demo:test", "predictions": "predictions.jsonl"}]})
    text = text.replace("date: '2026-11-26'", "date: 2026-11-26")
    assert "date: 2026-11-26\n" in text and isinstance(yaml.safe_load(text)["date"], dt.date)
    sub = load_submission(make(tmp_path, text=text))
    assert sub.date == "2026-11-26"
    assert sub.splits[0].tracks == ALL_TRACKS


def test_optional_fields_may_be_left_out(tmp_path: Path) -> None:
    data = {k: v for k, v in VALID.items() if k in ("id", "model_name", "institution", "date", "license", "splits")}
    sub = load_submission(make(tmp_path, data))
    assert sub.url is None and sub.trained_on == () and sub.description == "" and not sub.reference_baseline


def test_repository_submissions_load() -> None:
    folders = discover(REPO / "submissions")
    if not folders:
        pytest.skip("no submissions in the repository")
    for folder in folders:
        sub = load_submission(folder)
        assert sub.id == folder.name
        assert all(entry.predictions.is_file() for entry in sub.splits)


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in VALID.items() if k != key}


def _split(**changes: Any) -> dict[str, Any]:
    return {**VALID, "splits": [{**VALID["splits"][0], **changes}]}


# (case, folder, data or raw YAML text, the field the message must name, more text it must contain)
INVALID = [
    ("uppercase slug", "My_Model", {**VALID, "id": "My_Model"}, "id", "slug"),
    ("short slug", "ab", {**VALID, "id": "ab"}, "id", "slug"),
    ("slug ending in hyphen", "model-", {**VALID, "id": "model-"}, "id", "slug"),
    ("numeric id", "123", {**VALID, "id": 123}, "id", "slug"),
    ("id differs from folder", "my-model-v2", VALID, "id", "folder name 'my-model-v2'"),
    ("bad date format", "my-model-v1", {**VALID, "date": "26/11/2026"}, "date", "YYYY-MM-DD"),
    ("basic ISO date", "my-model-v1", {**VALID, "date": 20261126}, "date", "YYYY-MM-DD"),
    ("ISO week date", "my-model-v1", {**VALID, "date": "2026-W48-4"}, "date", "YYYY-MM-DD"),
    ("impossible quoted date", "my-model-v1", {**VALID, "date": "2026-02-30"}, "date", "YYYY-MM-DD"),
    ("javascript url", "my-model-v1", {**VALID, "url": "javascript:alert(1)"}, "url", "http(s)"),
    ("data url", "my-model-v1", {**VALID, "paper_url": "data:text/html,<b>x</b>"}, "paper_url", "http(s)"),
    ("url with quote", "my-model-v1", {**VALID, "code_url": 'https://x.org/"onmouseover="a'}, "code_url", "http(s)"),
    ("url not a string", "my-model-v1", {**VALID, "url": ["https://x.org"]}, "url", "http(s)"),
    ("missing institution", "my-model-v1", _without("institution"), "institution", "missing field"),
    ("missing splits", "my-model-v1", _without("splits"), "splits", "missing field"),
    ("unknown field", "my-model-v1", {**VALID, "homepage": "https://x.org"}, "homepage", "unknown field"),
    ("empty model name", "my-model-v1", {**VALID, "model_name": "  "}, "model_name", "non-empty string"),
    ("license not a string", "my-model-v1", {**VALID, "license": 3}, "license", "non-empty string"),
    ("trained_on not a list", "my-model-v1", {**VALID, "trained_on": "rexgradient"}, "trained_on", "list"),
    ("no splits", "my-model-v1", {**VALID, "splits": []}, "splits", "non-empty list"),
    ("predictions escaping the folder", "my-model-v1", _split(predictions="../other/predictions.jsonl"),
     "predictions", "inside the submission folder"),
    ("absolute predictions path", "my-model-v1", _split(predictions="/etc/passwd"),
     "predictions", "inside the submission folder"),
    ("predictions not found", "my-model-v1", _split(predictions="preds.csv"), "predictions", "not found"),
    ("split entry without predictions", "my-model-v1", {**VALID, "splits": [{"split": "demo:test"}]},
     "predictions", "splits[0]"),
    ("unknown track", "my-model-v1", _split(tracks=["findings", "indication"]), "indication", "unknown track"),
    ("tracks not a list", "my-model-v1", _split(tracks="findings"), "tracks", "list"),
]


@pytest.mark.parametrize("case,folder,data,field,more", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_field(tmp_path: Path, case: str, folder: str, data: dict, field: str, more: str) -> None:
    path = make(tmp_path, data, folder=folder)
    with pytest.raises(InputError) as info:
        load_submission(path)
    message = str(info.value)
    assert "\n" not in message, f"{case}: expected one line, got:\n{message}"
    assert str(path / FILENAME) in message
    assert field in message and more in message, message


@pytest.mark.parametrize("text,more", [
    ("date: 2026-13-01\n", ":1: '2026-13-01' is not a valid date"),  # PyYAML raises ValueError building the date
    ("id: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "mapping"),
])
def test_unreadable_yaml(tmp_path: Path, text: str, more: str) -> None:
    path = make(tmp_path, text=text)
    with pytest.raises(InputError) as info:
        load_submission(path)
    message = str(info.value)
    assert "\n" not in message and str(path / FILENAME) in message and more in message


def test_bad_bytes_in_yaml(tmp_path: Path) -> None:
    path = make(tmp_path)
    (path / FILENAME).write_bytes(b"id: caf\xe9\n")
    with pytest.raises(InputError, match=r"submission.yaml:1: not valid UTF-8"):
        load_submission(path)


def test_no_yaml(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no submission.yaml"):
        load_submission(tmp_path / "empty")


def test_several_problems_each_on_its_own_line(tmp_path: Path) -> None:
    path = make(tmp_path, {**VALID, "date": "yesterday", "url": "ftp://x.org"})
    with pytest.raises(InputError) as info:
        load_submission(path)
    assert len(info.value.problems) == 2
    assert all(str(path / FILENAME) in p for p in info.value.problems)


def test_discover_sorted(tmp_path: Path) -> None:
    make(tmp_path, {**VALID, "id": "zeta-model"}, folder="zeta-model")
    make(tmp_path, {**VALID, "id": "alpha-model"}, folder="alpha-model")
    (tmp_path / "not-a-submission").mkdir()
    assert [p.name for p in discover(tmp_path)] == ["alpha-model", "zeta-model"]
