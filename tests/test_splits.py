"""Reference splits: the embedded demo, a ReXGradient-160K copy in its real layout (JSON with bare NaN, or
CSV only), ReXrank JSON keyed by string ids (the real IU X-ray file), custom JSONL/CSV splits, tracks, and
the content hash that identifies a split."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import pytest

from rexbench.errors import InputError, RexbenchError
from rexbench.paths import demo_split_dir
from rexbench.splits import Split, load_split
from rexbench.splits.subgroups import age_band_from_dicom, frontal_view
from rexbench.tracks import ALL_TRACKS, TRACKS, combine, parse_tracks, section_text

from .conftest import IU_XRAY, invoke, needs_shared, write_jsonl

DEMO_META = demo_split_dir() / "metadata"


def _strict_json(text: str):
    def refuse(token: str):
        raise ValueError(f"bare {token}")
    return json.loads(text, parse_constant=refuse)


# --------------------------------------------------------------------------------------------------
# the embedded demo split
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,n", [("test", 400), ("valid", 200), ("train", 2500)])
def test_demo_splits_load(name: str, n: int) -> None:
    split = load_split(f"demo:{name}")
    assert split.id == f"demo-{name}" and split.dataset == "demo"
    assert len(split.studies) == n
    assert all(isinstance(s.id, str) and s.id.startswith("p") for s in split.studies)
    assert len(split.by_id) == n
    assert split.source_sha256 == hashlib.sha256(Path(split.source).read_bytes()).hexdigest()
    assert len(split.sha256) == 64


def test_demo_matches_its_raw_json() -> None:
    """Every study, section and subgroup field comes from the raw file, with NaN as missing."""
    raw_text = (DEMO_META / "test_metadata.json").read_text(encoding="utf-8")
    assert "NaN" in raw_text                       # the layout's bare NaN tokens are really there
    with pytest.raises(ValueError):
        _strict_json(raw_text)                     # ... and a strict parser refuses them
    raw = json.loads(raw_text)
    split = load_split("demo:test")
    assert [s.id for s in split.studies] == list(raw)
    for study in split.studies:
        rec = raw[study.id]
        for field, value in (("Findings", study.findings), ("Impression", study.impression)):
            expected = rec[field]
            if isinstance(expected, float) and math.isnan(expected):
                assert value == ""
            else:
                assert value == expected.strip()
        assert study.subgroups["sex"] == (rec["PatientSex"] if rec["PatientSex"] in ("M", "F") else None)
        age = rec["PatientAge"]
        assert study.subgroups["age_band"] == (age_band_from_dicom(age) if isinstance(age, str) else None)
        maker = rec["Manufacturer"]
        assert study.subgroups["manufacturer"] == (maker.strip() or None if isinstance(maker, str) else None)
    first = split.studies[0]
    assert first.subgroups == {"sex": "M", "age_band": "60-79", "view": "AP", "manufacturer": "Philips"}


def test_demo_tracks() -> None:
    split = load_split("demo:test")
    n = {t: len(split.track_studies(t)) for t in ALL_TRACKS}
    assert n["findings"] == sum(1 for s in split.studies if s.findings) == 390
    assert n["impression"] == sum(1 for s in split.studies if s.impression) == 393
    assert n["findings_impression"] == sum(1 for s in split.studies if s.findings and s.impression)
    assert n["report"] == 0
    for s in split.track_studies("findings_impression"):
        assert s.reference("findings_impression") == f"Findings: {s.findings} Impression: {s.impression}"
    # a study missing a section leaves the track: never CXR-Report-Metric's literal "None"
    no_findings = [s for s in split.studies if not s.findings]
    assert no_findings
    for s in no_findings:
        assert s not in split.track_studies("findings")
        assert s not in split.track_studies("findings_impression")
        assert s.reference("findings_impression") == ""
    assert not any("None" in s.reference(t) for s in split.studies for t in TRACKS if not (s.findings and s.impression))


def test_demo_json_and_csv_agree() -> None:
    """The demo ships both files; the CSV alone gives the same studies and hash."""
    from rexbench.splits import rexgradient

    via_json = load_split("demo:test")
    assert via_json.source.endswith("test_metadata.json")
    rows = list(csv.DictReader((DEMO_META / "test_metadata.csv").open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == [s.id for s in via_json.studies]
    via_csv = rexgradient._read_csv(DEMO_META / "test_metadata.csv")
    assert [k for k, _ in via_csv] == [s.id for s in via_json.studies]


# --------------------------------------------------------------------------------------------------
# a ReXGradient-160K copy in its real layout, built in tmp
# --------------------------------------------------------------------------------------------------

NAN = float("nan")


def _records(n: int = 12) -> dict[str, dict]:
    raw = json.loads((DEMO_META / "test_metadata.json").read_text(encoding="utf-8"))
    recs = {k: dict(v) for k, v in list(raw.items())[:n]}
    keys = list(recs)
    recs[keys[0]]["Findings"] = NAN                        # bare NaN section -> left out of the track
    recs[keys[1]]["Impression"] = NAN
    recs[keys[2]]["PatientAge"] = "007M"                    # months: a child
    recs[keys[3]]["PatientAge"] = "090Y"
    recs[keys[4]]["PatientAge"] = NAN
    recs[keys[4]]["PatientSex"] = NAN
    recs[keys[5]]["ImageViewPosition"] = ["LATERAL"]
    recs[keys[6]]["ImageViewPosition"] = [None, "PA"]
    recs[keys[7]]["Manufacturer"] = NAN
    recs[keys[8]]["Findings"] = "  Trailing and leading spaces.  "
    return recs


def _write_csv(path: Path, recs: dict[str, dict]) -> None:
    """As pandas.DataFrame.to_csv writes it: NaN as an empty cell, lists as their Python repr."""
    columns = list(next(iter(recs.values())))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for rec in recs.values():
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else repr(v) if isinstance(v, list) else v
                             for v in (rec[c] for c in columns)])


def make_copy(root: Path, *, json_file: bool = True, csv_file: bool = True, splits=("test",), n: int = 12) -> Path:
    meta = root / "metadata"
    meta.mkdir(parents=True)
    (root / "README.md").write_text("ReXGradient-160K (test copy)\n")
    recs = _records(n)
    for name in splits:
        if json_file:
            text = json.dumps(recs)                # allow_nan: bare NaN tokens, like the real files
            assert "NaN" in text
            (meta / f"{name}_metadata.json").write_text(text, encoding="utf-8")
        if csv_file:
            _write_csv(meta / f"{name}_metadata.csv", recs)
    return root


@pytest.fixture
def copy_json(tmp_path: Path) -> Path:
    return make_copy(tmp_path / "json", csv_file=False, splits=("train", "valid", "test"))


@pytest.fixture
def copy_csv(tmp_path: Path) -> Path:
    return make_copy(tmp_path / "csv", json_file=False, splits=("test",))


def test_rexgradient_copy_json_with_bare_nan(copy_json: Path) -> None:
    split = load_split("rexgradient:test", data_dir=copy_json)
    assert split.id == "rexgradient-test" and split.dataset == "rexgradient"
    assert split.source.endswith("test_metadata.json")
    assert len(split.studies) == 12
    s = split.studies
    assert s[0].findings == "" and s[0] not in split.track_studies("findings")
    assert s[1].impression == "" and s[1] not in split.track_studies("impression")
    assert s[1] not in split.track_studies("findings_impression")
    assert s[2].subgroups["age_band"] == "<18"
    assert s[3].subgroups["age_band"] == "80+"
    assert s[4].subgroups["age_band"] is None and s[4].subgroups["sex"] is None
    assert s[5].subgroups["view"] == "lateral only"
    assert s[6].subgroups["view"] == "PA"
    assert s[7].subgroups["manufacturer"] is None
    assert s[8].findings == "Trailing and leading spaces."
    for name in ("train", "valid"):
        assert load_split(f"rexgradient:{name}", data_dir=copy_json).id == f"rexgradient-{name}"


def test_rexgradient_json_and_csv_copies_agree(copy_json: Path, copy_csv: Path) -> None:
    via_json = load_split("rexgradient:test", data_dir=copy_json)
    via_csv = load_split("rexgradient:test", data_dir=copy_csv)
    assert via_csv.source.endswith("test_metadata.csv")
    assert via_json.sha256 == via_csv.sha256
    assert via_json.studies == via_csv.studies              # sections, indication and subgroups
    assert via_json.source_sha256 != via_csv.source_sha256   # different files, same references


def test_csv_missing_list_item_written_as_nan(tmp_path: Path) -> None:
    """pandas writes a missing list item as a bare nan ("['PA', nan]"); the view must survive it."""
    root = make_copy(tmp_path / "c", json_file=False)
    path = root / "metadata" / "test_metadata.csv"
    text = path.read_text(encoding="utf-8").replace("[None, 'PA']", "[nan, 'PA']")
    assert "[nan, 'PA']" in text
    path.write_text(text, encoding="utf-8")
    assert load_split("rexgradient:test", data_dir=root).studies[6].subgroups["view"] == "PA"


def test_view_position_file_overrides_raw_views(tmp_path: Path) -> None:
    root = make_copy(tmp_path / "v", csv_file=False)
    split = load_split("rexgradient:test", data_dir=root)
    first = split.studies[0].id
    (root / "metadata" / "test_metadata_view_position.json").write_text(
        json.dumps({first: {"ImageViewPosition": ["PA", "LATERAL"]}}))
    again = load_split("rexgradient:test", data_dir=root)
    assert split.studies[0].subgroups["view"] == "AP" and again.studies[0].subgroups["view"] == "PA"
    assert again.sha256 == split.sha256                       # subgroups are not reference data


def test_rexbench_data_env_var(copy_json: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REXBENCH_DATA", str(copy_json))
    assert len(load_split("rexgradient:test").studies) == 12


def test_data_dir_wins_over_env(copy_json: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REXBENCH_DATA", str(tmp_path / "nowhere"))
    assert len(load_split("rexgradient:test", data_dir=copy_json).studies) == 12


def test_rexgradient_without_a_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REXBENCH_DATA", raising=False)
    with pytest.raises(RexbenchError, match="--data-dir.*REXBENCH_DATA"):
        load_split("rexgradient:test")


def test_rexgradient_wrong_folder(tmp_path: Path) -> None:
    with pytest.raises(RexbenchError, match="test_metadata.json or test_metadata.csv"):
        load_split("rexgradient:test", data_dir=tmp_path)


@pytest.mark.parametrize("spec", ["rexgradient:dev", "demo:", "demo:TEST", "demo:private"])
def test_bad_split_name(spec: str, copy_json: Path) -> None:
    with pytest.raises(RexbenchError, match="train, valid, test"):
        load_split(spec, data_dir=copy_json)


def test_unknown_split_spec(tmp_path: Path) -> None:
    with pytest.raises(RexbenchError, match="unknown split"):
        load_split("mimic:test")
    other = tmp_path / "refs.txt"
    other.write_text("x")
    with pytest.raises(RexbenchError, match="unsupported reference file type"):
        load_split(str(other))


def test_rexgradient_duplicate_csv_ids(tmp_path: Path) -> None:
    root = make_copy(tmp_path / "d", json_file=False)
    path = root / "metadata" / "test_metadata.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]), encoding="utf-8")
    with pytest.raises(InputError, match="duplicate study id"):
        load_split("rexgradient:test", data_dir=root)


def test_rexgradient_bad_utf8_csv(tmp_path: Path) -> None:
    root = make_copy(tmp_path / "u", json_file=False)
    path = root / "metadata" / "test_metadata.csv"
    path.write_bytes(path.read_bytes() + b"x,\xff\n")
    with pytest.raises(InputError, match=r"test_metadata.csv:14: not valid UTF-8"):
        load_split("rexgradient:test", data_dir=root)


def test_rexgradient_broken_json(tmp_path: Path) -> None:
    root = make_copy(tmp_path / "b", csv_file=False)
    (root / "metadata" / "test_metadata.json").write_text('{"a": ', encoding="utf-8")
    with pytest.raises(InputError, match="test_metadata.json:1: not valid JSON"):
        load_split("rexgradient:test", data_dir=root)


def test_data_dir_option_and_env_in_cli(copy_json: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REXBENCH_DATA", raising=False)
    result = invoke("data", "info", "--split", "rexgradient:test", "--data-dir", copy_json, "--json")
    assert result.exit_code == 0, result.text
    info = json.loads(result.stdout)
    assert info["id"] == "rexgradient-test" and info["n_studies"] == 12
    via_env = invoke("data", "info", "--split", "rexgradient:test", "--json", env={"REXBENCH_DATA": str(copy_json)})
    assert via_env.exit_code == 0, via_env.text
    assert json.loads(via_env.stdout)["sha256"] == info["sha256"]
    missing = invoke("data", "info", "--split", "rexgradient:test")
    assert missing.exit_code == 1
    assert "--data-dir" in missing.stderr and "REXBENCH_DATA" in missing.stderr


# --------------------------------------------------------------------------------------------------
# subgroup helpers
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("age,band", [("036Y", "18-39"), ("045Y", "40-59"), ("007M", "<18"), ("002D", "<18"),
                                      ("003W", "<18"), ("080Y", "80+"), ("017Y", "<18"), ("018Y", "18-39"),
                                      ("", None), ("45", None), ("abcY", None), ("045X", None)])
def test_age_band_from_dicom(age: str, band: str | None) -> None:
    assert age_band_from_dicom(age) == band


@pytest.mark.parametrize("views,label", [(["PA", "LATERAL"], "PA"), (["LL", "AP"], "AP"), (["PA", "AP"], "PA"),
                                         (["LATERAL"], "lateral only"), (["LL"], "lateral only"),
                                         ([None, "UNKNOWN"], None), ([], None), (["pa"], "PA")])
def test_frontal_view(views: list, label: str | None) -> None:
    assert frontal_view(views) == label


# --------------------------------------------------------------------------------------------------
# ReXrank JSON keyed by string study ids
# --------------------------------------------------------------------------------------------------

def _rexrank_file(path: Path, entries: dict[str, dict]) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def test_rexrank_numeric_looking_ids_stay_strings(tmp_path: Path) -> None:
    path = _rexrank_file(tmp_path / "mimic_test.json", {
        "00123": {"section_findings": "Lungs clear.", "section_impression": "Normal.",
                  "context": "Age:50-60.Gender:M.Indication: cough", "report": "Findings: Lungs clear. Impression: Normal."},
        "50051329": {"section_findings": "", "section_impression": "No change.", "context": "Age:80-90.Gender:F"},
        "patient64620_study1": {"section_findings": "Effusion.", "section_impression": None, "context": ""},
    })
    split = load_split(str(path))
    assert [s.id for s in split.studies] == ["00123", "50051329", "patient64620_study1"]
    assert "00123" in split.by_id and "123" not in split.by_id
    assert split.id == "rexrank-mimic-test" and split.dataset == "rexrank"
    first = split.by_id["00123"]
    assert first.subgroups["sex"] == "M" and first.subgroups["age_band"] == "40-59"
    assert first.indication == "cough"
    assert split.by_id["50051329"].subgroups == {"sex": "F", "age_band": "80+", "view": None, "manufacturer": None}
    assert [s.id for s in split.track_studies("findings")] == ["00123", "patient64620_study1"]
    assert [s.id for s in split.track_studies("impression")] == ["00123", "50051329"]
    assert [s.id for s in split.track_studies("findings_impression")] == ["00123"]
    assert split.by_id["00123"].reference("findings_impression") == "Findings: Lungs clear. Impression: Normal."


def test_rexrank_duplicate_keys_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"1": {"section_findings": "a"}, "1": {"section_findings": "b"}}', encoding="utf-8")
    with pytest.raises(InputError, match=r"dup.json: duplicate key '1'"):
        load_split(str(path))


def test_rexrank_bare_nan_sections(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"a": {"section_findings": NaN, "section_impression": "ok"}}', encoding="utf-8")
    split = load_split(str(path))
    assert split.studies[0].findings == "" and len(split.track_studies("impression")) == 1


def test_rexrank_entry_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="study 'a' is not an object"):
        load_split(str(_rexrank_file(tmp_path / "x.json", {"a": "text"})))


@pytest.mark.shared
@needs_shared
def test_real_iu_xray_rexrank_file() -> None:
    raw = json.loads(IU_XRAY.read_text(encoding="utf-8"))
    split = load_split(str(IU_XRAY))
    assert len(split.studies) == 590
    assert [s.id for s in split.studies] == list(raw)
    assert all(type(s.id) is str for s in split.studies)
    assert "CXR3030_IM-1405" in split.by_id
    assert split.dataset == "rexrank"
    assert split.source_sha256 == hashlib.sha256(IU_XRAY.read_bytes()).hexdigest()
    for track, section in (("findings", "section_findings"), ("impression", "section_impression")):
        expected = [k for k, v in raw.items() if (v.get(section) or "").strip()]
        assert [s.id for s in split.track_studies(track)] == expected
    for s in split.track_studies("findings_impression"):
        rec = raw[s.id]
        assert s.reference("findings_impression") == combine(rec["section_findings"].strip(),
                                                             rec["section_impression"].strip())
    assert load_split(str(IU_XRAY)).sha256 == split.sha256
    assert split.sha256 != load_split("demo:test").sha256


@pytest.mark.shared
@needs_shared
def test_real_iu_xray_validates_a_rexrank_prediction_file(tmp_path: Path) -> None:
    raw = json.loads(IU_XRAY.read_text(encoding="utf-8"))
    preds = {k: {**v, "model_prediction": "No acute cardiopulmonary abnormality."} for k, v in raw.items()}
    path = tmp_path / "iu_preds.json"
    path.write_text(json.dumps(preds), encoding="utf-8")
    result = invoke("validate", "--split", IU_XRAY, "--predictions", path, "--json")
    assert result.exit_code == 0, result.text
    summary = json.loads(result.stdout)
    assert summary["n_predictions"] == 590 and summary["format"] == "rexrank-json"
    assert summary["tracks"]["findings"] == 590
    del preds["CXR3030_IM-1405"]
    path.write_text(json.dumps(preds), encoding="utf-8")
    result = invoke("validate", "--split", IU_XRAY, "--predictions", path)
    assert result.exit_code == 1
    assert result.error_lines == [f"error: {path}: missing prediction for id 'CXR3030_IM-1405'"]


# --------------------------------------------------------------------------------------------------
# custom splits from JSONL or CSV references
# --------------------------------------------------------------------------------------------------

CUSTOM = [
    {"id": "a1", "findings": "Clear lungs.", "impression": "Normal.", "sex": "female", "age": "045Y",
     "view": "PA", "manufacturer": "GE"},
    {"id": "a2", "findings": "", "impression": "Stable.", "sex": "M", "age": "67"},
    {"id": "a3", "findings": "Effusion.", "impression": ""},
]


def test_custom_jsonl_and_csv_agree(tmp_path: Path) -> None:
    jsonl = load_split(str(write_jsonl(tmp_path / "refs.jsonl", CUSTOM)))
    path = tmp_path / "refs.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "findings", "impression", "sex", "age", "view", "manufacturer"])
        writer.writeheader()
        writer.writerows(CUSTOM)
    via_csv = load_split(str(path))
    assert jsonl.id == "custom-refs" and jsonl.dataset == "custom"
    assert jsonl.sha256 == via_csv.sha256
    assert jsonl.studies == via_csv.studies
    a1, a2, a3 = jsonl.studies
    assert a1.subgroups == {"sex": "F", "age_band": "40-59", "view": "PA", "manufacturer": "GE"}
    assert a2.subgroups["sex"] == "M" and a2.subgroups["age_band"] == "60-79"
    assert {t: [s.id for s in jsonl.track_studies(t)] for t in ALL_TRACKS} == {
        "findings": ["a1", "a3"], "impression": ["a1", "a2"], "findings_impression": ["a1"], "report": []}


def test_custom_single_text_reference_forms_the_report_track(tmp_path: Path) -> None:
    split = load_split(str(write_jsonl(tmp_path / "r.jsonl", [{"study_id": "x", "reference": "Full report."},
                                                              {"study_id": "y", "report": "Other."}])))
    assert [s.id for s in split.track_studies("report")] == ["x", "y"]
    assert split.by_id["x"].reference("report") == "Full report."
    assert split.track_studies("findings") == []


@pytest.mark.parametrize("rows,message", [
    ([{"findings": "a"}], "r.jsonl:1: record has no id"),
    ([{"id": "a", "findings": "", "impression": "  "}], "r.jsonl:1: id 'a': no reference text"),
    ([{"id": "a", "findings": 3}], "r.jsonl:1: id 'a': findings must be a string"),
    ([{"id": "a", "findings": "x"}, {"id": "a", "findings": "y"}], "duplicate study id 'a'"),
])
def test_custom_bad_references(tmp_path: Path, rows: list, message: str) -> None:
    with pytest.raises(InputError) as info:
        load_split(str(write_jsonl(tmp_path / "r.jsonl", rows)))
    assert message in str(info.value)


def test_custom_references_via_cli(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", CUSTOM)
    result = invoke("data", "info", "--references", refs, "--json")
    assert result.exit_code == 0, result.text
    info = json.loads(result.stdout)
    assert info["tracks"] == {"findings": 2, "impression": 2, "findings_impression": 1}
    assert info["sha256"] == load_split(str(refs)).sha256


# --------------------------------------------------------------------------------------------------
# the split's identity: the sha256 of its reference data
# --------------------------------------------------------------------------------------------------

def test_split_hash_is_content_not_order_or_format(tmp_path: Path) -> None:
    base = load_split(str(write_jsonl(tmp_path / "a.jsonl", CUSTOM)))
    reordered = load_split(str(write_jsonl(tmp_path / "b.jsonl", CUSTOM[::-1])))
    assert base.sha256 == reordered.sha256
    edited = [dict(r) for r in CUSTOM]
    edited[2]["findings"] = "Effusion!"
    assert load_split(str(write_jsonl(tmp_path / "c.jsonl", edited))).sha256 != base.sha256
    moved = [dict(r) for r in CUSTOM]
    moved[1]["findings"], moved[1]["impression"] = "Stable.", ""     # same text, other section
    assert load_split(str(write_jsonl(tmp_path / "d.jsonl", moved))).sha256 != base.sha256
    renamed = [dict(r) for r in CUSTOM]
    renamed[0]["id"] = "a0"
    assert load_split(str(write_jsonl(tmp_path / "e.jsonl", renamed))).sha256 != base.sha256


def test_split_hash_ignores_subgroups_and_indication() -> None:
    from dataclasses import replace

    split = load_split("demo:test")
    changed = Split(id=split.id, name=split.name, dataset=split.dataset, source=split.source,
                    source_sha256=split.source_sha256,
                    studies=tuple(replace(s, subgroups={}, indication="x") for s in split.studies))
    assert changed.sha256 == split.sha256


def test_demo_hash_is_pinned() -> None:
    """The demo split is generated byte-identically; its identity must not drift silently."""
    assert load_split("demo:test").sha256 == "654e26b2eb10b4dc27a11caad38ad37c7ce13872cd6344a6e0f61bdc41c5a77a"


# --------------------------------------------------------------------------------------------------
# tracks
# --------------------------------------------------------------------------------------------------

def test_section_text() -> None:
    assert section_text("F.", "I.", "findings_impression") == "Findings: F. Impression: I."
    assert section_text("", "I.", "findings_impression") == ""
    assert section_text("F.", "", "findings_impression") == ""
    assert section_text("F.", "I.", "findings") == "F."
    assert section_text("F.", "I.", "report", "R.") == "R."
    with pytest.raises(ValueError, match="unknown track"):
        section_text("F.", "I.", "indication")


def test_parse_tracks() -> None:
    assert parse_tracks("all") == ALL_TRACKS and parse_tracks(None) == ALL_TRACKS
    assert parse_tracks("findings, impression") == ("findings", "impression")
    with pytest.raises(RexbenchError, match="unknown track 'finding'.*findings_impression"):
        parse_tracks("finding")
