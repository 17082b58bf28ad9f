"""per_study.jsonl read column-wise (rexbench.per_study_table): pyarrow's fast path gives exactly the
columns of the row reader, falls back to it wherever a file is not a plain table, and says which files
may be published byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rexbench import per_study_table
from rexbench.errors import InputError
from rexbench.results import read_per_study

from .conftest import REPO

pytest.importorskip("pyarrow")


def _columns(table: per_study_table.PerStudy) -> dict:
    return {t: (list(c.ids), {k: v.tolist() for k, v in c.values.items()},
                {k: v.tolist() for k, v in c.stats.items()}) for t, c in table.tracks.items()}


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "per_study.jsonl"
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("submission", sorted(p.name for p in (REPO / "submissions").iterdir()
                                                 if (p / "per_study.jsonl").is_file()))
def test_fast_path_equals_the_row_reader_on_the_committed_results(submission: str) -> None:
    path = REPO / "submissions" / submission / "per_study.jsonl"
    raw = path.read_bytes()
    fast = per_study_table._fast(path, raw)
    exact = per_study_table._exact(path)
    assert fast is not None and fast.clean and exact.clean
    assert _columns(fast) == _columns(exact)
    rows = read_per_study(path)
    for track, cols in fast.tracks.items():
        assert list(cols.ids) == sorted(rows[track])                   # sorted like sorted() sorts str
        for key, values in cols.values.items():
            assert values.tolist() == [rows[track][i][key] for i in cols.ids]
        for key, values in cols.stats.items():
            assert values.tolist() == [rows[track][i]["stats"][key] for i in cols.ids]
    assert per_study_table.read(path).tracks.keys() == rows.keys()


def test_tracks_with_other_metrics_and_unicode_ids(tmp_path: Path) -> None:
    rows = [{"track": "findings", "id": "é2", "rouge_l": 0.5, "stats": {"bleu": [1.0, 2.0]}},
            {"track": "findings", "id": "a1", "rouge_l": 1, "stats": {"bleu": [3.0, 4.0]}},
            {"track": "impression", "id": "a1", "meteor": 0.25}]
    path = _write(tmp_path, rows)
    fast = per_study_table._fast(path, path.read_bytes())
    assert fast is not None and fast.clean
    assert _columns(fast) == _columns(per_study_table._exact(path)) == {
        "findings": (["a1", "é2"], {"rouge_l": [1.0, 0.5]}, {"bleu": [[3.0, 4.0], [1.0, 2.0]]}),
        "impression": (["a1"], {"meteor": [0.25]}, {})}


@pytest.mark.parametrize("case,rows", [
    ("a value missing from one row of a track",
     [{"track": "t", "id": "a", "rouge_l": 0.5}, {"track": "t", "id": "b"}]),
    ("a null value", [{"track": "t", "id": "a", "rouge_l": 0.5}, {"track": "t", "id": "b", "rouge_l": None}]),
    ("duplicate ids", [{"track": "t", "id": "a", "rouge_l": 0.5}, {"track": "t", "id": "a", "rouge_l": 0.7}]),
    ("ragged statistics", [{"track": "t", "id": "a", "stats": {"bleu": [1.0]}},
                           {"track": "t", "id": "b", "stats": {"bleu": [1.0, 2.0]}}]),
])
def test_files_that_are_not_plain_tables_go_through_the_row_reader(tmp_path: Path, case: str, rows: list) -> None:
    path = _write(tmp_path, rows)
    assert per_study_table._fast(path, path.read_bytes()) is None, case
    table = per_study_table.read(path)
    assert _columns(table) == _columns(per_study_table._exact(path))


def test_a_missing_value_is_an_error_naming_the_study(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"track": "t", "id": "a", "rouge_l": 0.5, "stats": {"bleu": [1.0]}},
                             {"track": "t", "id": "b", "stats": {}}])
    cols = per_study_table.read(path)["t"]
    with pytest.raises(InputError, match=r"study 'b' has no numeric rouge_l"):
        cols.column("rouge_l")
    with pytest.raises(InputError, match=r"study 'b' has no numeric stats of bleu"):
        cols.column("bleu", corpus_level=True)
    with pytest.raises(InputError, match=r"has no numeric meteor"):
        cols.column("meteor")


@pytest.mark.parametrize("extra", [{"note": "Lungs are clear."}, {"flag": True}, {"stats": {"bleu": ["x"]}},
                                   {"details": {"text": "no effusion"}}, {"values": [1.0, "a"]}])
def test_anything_but_ids_and_numbers_is_not_clean(tmp_path: Path, extra: dict) -> None:
    path = _write(tmp_path, [{"track": "t", "id": "a", "rouge_l": 0.5, **extra}])
    raw = path.read_bytes()
    assert not per_study_table.read(path).clean
    assert not per_study_table.is_clean(raw)


def test_clean_files_are_published_byte_for_byte_and_others_filtered(tmp_path: Path) -> None:
    from rexbench.site.export import _copy_per_study

    src = REPO / "submissions" / "random-train" / "per_study.jsonl"
    _copy_per_study(src, tmp_path / "out" / "a.jsonl")
    assert (tmp_path / "out" / "a.jsonl").read_bytes() == src.read_bytes()

    dirty = _write(tmp_path, [{"track": "t", "id": "a", "rouge_l": 0.5, "note": "Heart size normal."}])
    _copy_per_study(dirty, tmp_path / "out" / "b.jsonl")
    published = (tmp_path / "out" / "b.jsonl").read_text(encoding="utf-8")
    assert "Heart" not in published and json.loads(published) == {"track": "t", "id": "a", "rouge_l": 0.5}


def test_is_clean_checks_the_bytes_not_the_path(tmp_path: Path) -> None:
    path = tmp_path / "per_study.jsonl"
    shutil.copy(REPO / "submissions" / "random-train" / "per_study.jsonl", path)
    assert per_study_table.is_clean(path.read_bytes())
    edited = path.read_bytes().replace(b'"track"', b'"note": "text", "track"', 1)
    assert not per_study_table.is_clean(edited)


def test_column_arrays_are_float64_in_sorted_id_order(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"track": "t", "id": f"s{i}", "rouge_l": i} for i in (3, 1, 2)])
    cols = per_study_table.read(path)["t"]
    assert cols.ids.tolist() == ["s1", "s2", "s3"]
    assert cols.column("rouge_l").dtype == np.float64 and cols.column("rouge_l").tolist() == [1.0, 2.0, 3.0]


def test_the_site_copies_a_file_this_build_parsed_unless_it_changed_since(tmp_path: Path) -> None:
    from rexbench.site.export import _copy_per_study

    path = tmp_path / "per_study.jsonl"
    shutil.copy(REPO / "submissions" / "random-train" / "per_study.jsonl", path)
    assert per_study_table.read(path, verify_pair=False).clean
    assert per_study_table.read_clean_file_unchanged(path)
    _copy_per_study(path, tmp_path / "out" / "a.jsonl")
    assert (tmp_path / "out" / "a.jsonl").read_bytes() == path.read_bytes()

    path.write_bytes(path.read_bytes().replace(b'"track"', b'"note": "Heart size normal.", "track"', 1))
    assert not per_study_table.read_clean_file_unchanged(path)            # size and mtime moved
    _copy_per_study(path, tmp_path / "out" / "b.jsonl")
    assert b"Heart" not in (tmp_path / "out" / "b.jsonl").read_bytes()


def test_parsed_columns_are_cached_by_content(tmp_path: Path, tmp_cache: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A second read of the same bytes parses nothing; other bytes miss; a damaged entry is removed with a
    warning and the file parsed again; an entry copied under another file's hash is refused."""
    from rexbench import per_study_cache
    from rexbench.io import sha256_bytes

    path = tmp_path / "per_study.jsonl"
    shutil.copy(REPO / "submissions" / "random-train" / "per_study.jsonl", path)
    first = per_study_table.read(path, verify_pair=False)
    digest = sha256_bytes(path.read_bytes())
    entry = per_study_cache._path(digest)
    assert entry.is_file() and entry.is_relative_to(tmp_cache)

    def no_parse(*args: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(per_study_table, "_fast", no_parse)
    monkeypatch.setattr(per_study_table, "_exact", no_parse)
    again = per_study_table.read(path, verify_pair=False)
    assert _columns(again) == _columns(first) and again.clean and again.path == path
    monkeypatch.undo()
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(tmp_cache))

    other = tmp_path / "other" / "per_study.jsonl"                   # other bytes: another entry
    other.parent.mkdir()
    other.write_bytes(path.read_bytes().replace(b'"track"', b'"extra": 1.5, "track"', 1))
    per_study_table.read(other, verify_pair=False)
    assert len(list((tmp_cache / "per_study").rglob("*.npz"))) == 2

    good = entry.read_bytes()
    for damaged in (b"", good[: len(good) // 2], good.replace(b"findings", b"findingz", 1)):
        entry.write_bytes(damaged)
        assert _columns(per_study_table.read(path, verify_pair=False)) == _columns(first)
        assert "damaged per-study cache entry" in capsys.readouterr().err
        assert entry.read_bytes() == good                             # parsed again and rewritten

    misplaced = per_study_cache._path(sha256_bytes(other.read_bytes()))
    misplaced.write_bytes(good)                                       # a valid entry under another key
    assert "extra" in per_study_table.read(other, verify_pair=False)["findings"].missing   # its own columns
    assert "damaged per-study cache entry" in capsys.readouterr().err


def test_a_read_only_cache_costs_a_parse_not_the_build(tmp_path: Path, tmp_cache: Path) -> None:
    path = tmp_path / "per_study.jsonl"
    shutil.copy(REPO / "submissions" / "random-train" / "per_study.jsonl", path)
    (tmp_cache / "per_study").write_text("not a folder", encoding="utf-8")
    assert per_study_table.read(path, verify_pair=False).clean
