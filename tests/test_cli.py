"""The `rexbench` command line: --version, --help start-up cost, validate, score (results files, determinism,
cache, no reference text), metrics list/show, data info, and the errors for unknown names."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rexbench import __version__, registry
from rexbench.signature import parse
from rexbench.splits import load_split

from .conftest import CHEAP_METRICS, REPO, invoke, write_jsonl

HEAVY = ("torch", "transformers", "evaluate")
SCORE = ("--metrics", CHEAP_METRICS, "--bootstrap", "50")


@pytest.fixture(scope="module")
def demo():
    return load_split("demo:test")


@pytest.fixture
def demo_preds(tmp_path: Path, demo) -> Path:
    """Sections predictions for every demo study (deterministic, varied text)."""
    rows = [{"id": s.id, "findings": f"Heart size is normal. Finding number {i % 7}.",
             "impression": "No acute cardiopulmonary process." if i % 3 else "Possible effusion."}
            for i, s in enumerate(demo.studies)]
    return write_jsonl(tmp_path / "preds.jsonl", rows)


# --------------------------------------------------------------------------------------------------
# version, help, start-up
# --------------------------------------------------------------------------------------------------

def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"rexbench {__version__}"


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("validate", "score", "metrics", "data", "leaderboard"):
        assert command in result.stdout


def test_no_arguments_shows_help() -> None:
    result = invoke()
    assert "validate" in result.text and "score" in result.text
    assert result.exit_code in (0, 2)              # click's no_args_is_help exit code changed across versions


def test_help_imports_no_heavy_library(capsys: pytest.CaptureFixture[str]) -> None:
    code = ("import sys, time\n"
            "t = time.perf_counter()\n"
            "from rexbench.cli import app\n"
            "try:\n"
            "    app(['--help'], standalone_mode=False)\n"
            "except SystemExit:\n"
            "    pass\n"
            "sys.stdout.flush()\n"
            f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
            "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
            "sys.stderr.write('IMPORT_S=%.3f\\n' % (time.perf_counter() - t))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "validate" in proc.stdout
    lines = dict(line.split("=", 1) for line in proc.stderr.splitlines() if "=" in line)
    assert lines["HEAVY"] == "", f"`rexbench --help` imported {lines['HEAVY']}"
    start = time.perf_counter()
    main = subprocess.run([sys.executable, "-m", "rexbench", "--help"], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    wall = time.perf_counter() - start
    assert main.returncode == 0 and "score" in main.stdout
    with capsys.disabled():
        print(f"\n[startup] `python -m rexbench --help`: {wall:.2f} s wall; "
              f"import + help in-process: {float(lines['IMPORT_S']):.2f} s")
    assert wall < 30                                 # a loose bound: the real number is printed above


def test_python_m_rexbench_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "rexbench", "--version"], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == f"rexbench {__version__}"


# --------------------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------------------

def test_validate_ok(demo_preds: Path, demo) -> None:
    result = invoke("validate", "--split", "demo:test", "--predictions", demo_preds)
    assert result.exit_code == 0, result.text
    assert result.stdout.strip() == ("OK: 400 predictions match split demo-test "
                                     "(findings n=390, impression n=393, findings_impression n=383)")
    as_json = invoke("validate", "-s", "demo:test", "-p", demo_preds, "--json", "--tracks", "findings")
    assert as_json.exit_code == 0
    summary = json.loads(as_json.stdout)
    assert summary == {"ok": True, "predictions": str(demo_preds), "format": "jsonl", "split": "demo-test",
                       "split_sha256": demo.sha256, "n_predictions": 400, "tracks": {"findings": 390}}


# --------------------------------------------------------------------------------------------------
# score
# --------------------------------------------------------------------------------------------------

def test_score_ad_hoc_pair_json(tmp_path: Path, tmp_cache: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [
        {"id": "r1", "findings": "The lungs are clear.", "impression": "No acute disease."},
        {"id": "r2", "findings": "Small right pleural effusion.", "impression": "Right effusion."},
        {"id": "r3", "findings": "", "impression": "Cardiomegaly."},
    ])
    preds = write_jsonl(tmp_path / "preds.jsonl", [
        {"id": "r1", "findings": "Lungs are clear.", "impression": "No acute disease."},
        {"id": "r2", "findings": "Right pleural effusion.", "impression": "Effusion on the right."},
        {"id": "r3", "findings": "Heart is enlarged.", "impression": "Cardiomegaly."},
    ])
    result = invoke("score", "--references", refs, "--predictions", preds, "--metrics", "rouge_l,bleu2_rexrank",
                    "--json", "--bootstrap", "50")
    assert result.exit_code == 0, result.text
    data = json.loads(result.stdout)
    split = load_split(str(refs))
    assert data["schema"] == "rexbench.results/1"
    assert data["split"]["sha256"] == split.sha256 and data["split"]["id"] == "custom-refs"
    assert data["split"]["source"] == "refs.jsonl"                    # no machine-specific path
    assert {t: v["n"] for t, v in data["tracks"].items()} == {"findings": 2, "impression": 3, "findings_impression": 2}
    for track in data["tracks"].values():
        assert set(track["metrics"]) == {"rouge_l", "bleu2_rexrank"}
        for m in track["metrics"].values():
            assert 0.0 <= m["score"] <= 1.0
            sig = parse(m["signature"])
            assert sig.get("refs") == split.sha256[:12] and sig.get("n") == str(track["n"])
            assert sig.get("boot") == "50" and sig.get("seed") == "12345"
            assert m["ci"] is not None
    assert data["tracks"]["impression"]["metrics"]["rouge_l"]["score"] > 0.5


def _score_out(preds: Path, out: Path, *extra: str):
    return invoke("score", "--split", "demo:test", "--predictions", preds, *SCORE, "--out", out, "--id", "demo-model",
                  *extra)


def test_score_writes_deterministic_results_and_reuses_the_cache(tmp_path: Path, tmp_cache: Path, demo_preds: Path,
                                                                 demo, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _score_out(demo_preds, tmp_path / "a")
    assert first.exit_code == 0, first.text
    assert "cached" not in first.stdout
    files = {p.name for p in (tmp_path / "a").iterdir()}
    assert files == {"results.json", "per_study.jsonl"}

    calls = []
    for name in CHEAP_METRICS.split(","):
        cls = registry.metric_class(name)

        def refuse(self, *args, _name=name, **kwargs):
            calls.append(_name)
            raise AssertionError(f"{_name} recomputed although its inputs did not change")

        monkeypatch.setattr(cls, "_compute", refuse)
    second = _score_out(demo_preds, tmp_path / "b")
    assert second.exit_code == 0, second.text
    assert calls == []
    assert second.stdout.count("cached") == 6              # 2 metrics x 3 tracks, all from the cache
    for name in ("results.json", "per_study.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()

    results = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert results["submission"]["id"] == "demo-model"
    assert results["submission"]["predictions"] == "preds.jsonl"
    assert results["split"]["sha256"] == demo.sha256
    assert {t: v["n"] for t, v in results["tracks"].items()} == {"findings": 390, "impression": 393,
                                                                 "findings_impression": 383}
    rows = [json.loads(line) for line in (tmp_path / "a" / "per_study.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 390 + 393 + 383
    assert all(set(r) >= {"track", "id", "rouge_l", "bleu2_rexrank"} for r in rows)

    # --no-cache recomputes (and here hits the refusing stub)
    with pytest.raises(AssertionError):
        _score_out(demo_preds, tmp_path / "c", "--no-cache")


def test_results_never_contain_reference_text(tmp_path: Path, tmp_cache: Path, demo_preds: Path, demo) -> None:
    out = tmp_path / "out"
    assert _score_out(demo_preds, out).exit_code == 0
    texts = {name: (out / name).read_text(encoding="utf-8") for name in ("results.json", "per_study.jsonl")}
    references = {t for s in demo.studies for t in (s.findings, s.impression, s.indication) if len(t) >= 12}
    references |= {s.reference("findings_impression") for s in demo.studies if s.reference("findings_impression")}
    assert len(references) > 300
    for name, text in texts.items():
        leaked = [r for r in references if r in text]
        assert not leaked, f"{name} contains reference text: {leaked[:2]}"
    for row in map(json.loads, texts["per_study.jsonl"].splitlines()):
        assert all(isinstance(v, (int, float, dict)) for k, v in row.items() if k not in ("id", "track"))


def test_changed_predictions_are_recomputed(tmp_path: Path, tmp_cache: Path, demo_preds: Path, demo) -> None:
    first = _score_out(demo_preds, tmp_path / "a")
    assert first.exit_code == 0
    rows = [json.loads(line) for line in demo_preds.read_text(encoding="utf-8").splitlines()]
    rows[0]["findings"] = "Something else entirely."
    changed = write_jsonl(tmp_path / "changed.jsonl", rows)
    second = _score_out(changed, tmp_path / "b")
    assert second.exit_code == 0
    # the findings tracks are recomputed, the impression track is served from the cache
    assert second.stdout.count("cached") == 2
    assert (tmp_path / "a" / "per_study.jsonl").read_bytes() != (tmp_path / "b" / "per_study.jsonl").read_bytes()


def test_score_single_track(tmp_path: Path, tmp_cache: Path, demo_preds: Path) -> None:
    result = invoke("score", "-s", "demo:test", "-p", demo_preds, *SCORE, "--tracks", "impression", "--json")
    assert result.exit_code == 0, result.text
    assert list(json.loads(result.stdout)["tracks"]) == ["impression"]


def test_results_pair_is_not_half_written(tmp_path: Path, tmp_cache: Path, demo_preds: Path, demo,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """If results.json cannot be serialised, per_study.jsonl must not be replaced either."""
    from rexbench import results
    from rexbench.predictions import read_predictions
    from rexbench.scoring import BootstrapConfig, score

    out = tmp_path / "out"
    assert _score_out(demo_preds, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    rows = [json.loads(line) for line in demo_preds.read_text(encoding="utf-8").splitlines()]
    rows[0]["impression"] = "Different."
    run = score(demo, read_predictions(write_jsonl(tmp_path / "p2.jsonl", rows)), metrics=["rouge_l"],
                tracks=("impression",), bootstrap=BootstrapConfig(n_resamples=20))
    monkeypatch.setattr(results, "build_results", lambda *a, **k: {"score": float("nan")})
    with pytest.raises(ValueError):
        results.write(run, out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before


# --------------------------------------------------------------------------------------------------
# errors for unknown names and bad options
# --------------------------------------------------------------------------------------------------

def test_unknown_metric_lists_the_available_ones(tmp_path: Path, tmp_cache: Path, demo_preds: Path) -> None:
    out = tmp_path / "out"
    result = invoke("score", "-s", "demo:test", "-p", demo_preds, "--metrics", "rouge_l,rouge_x", "--out", out)
    assert result.exit_code == 1
    assert len(result.error_lines) == 1
    line = result.error_lines[0]
    assert "unknown metric 'rouge_x'" in line
    for name in registry.available():
        assert name in line
    assert not out.exists()


def test_unknown_metric_parameter(tmp_path: Path, demo_preds: Path) -> None:
    result = invoke("score", "-s", "demo:test", "-p", demo_preds, "--metrics", "rouge_l:stemmer=yes",
                    "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "rouge_l" in result.stderr and "no parameter 'stemmer'" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["validate", "score"])
def test_unknown_track(tmp_path: Path, demo_preds: Path, command: str) -> None:
    extra = [*SCORE, "--out", tmp_path / "out"] if command == "score" else []
    result = invoke(command, "-s", "demo:test", "-p", demo_preds, "--tracks", "findings,impresion", *extra)
    assert result.exit_code == 1
    assert result.error_lines == ["error: unknown track 'impresion' (tracks: findings, impression, "
                                  "findings_impression, report)"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("spec,message", [
    ("demo:tset", "bad split 'demo:tset'"),
    ("mimic:test", "unknown split 'mimic:test'"),
    ("missing_refs.jsonl", "unknown split 'missing_refs.jsonl'"),
])
@pytest.mark.parametrize("command", ["validate", "score", "data"])
def test_unknown_split(tmp_path: Path, demo_preds: Path, command: str, spec: str, message: str) -> None:
    if command == "data":
        args = ["data", "info", "--split", spec]
    else:
        args = [command, "--split", spec, "-p", demo_preds]
        if command == "score":
            args += [*SCORE, "--out", tmp_path / "out"]
    result = invoke(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_split_and_references_together(tmp_path: Path, demo_preds: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "a", "findings": "x"}])
    result = invoke("validate", "--split", "demo:test", "--references", refs, "-p", demo_preds)
    assert result.exit_code == 1 and "not both" in result.stderr


def test_no_split_given(demo_preds: Path) -> None:
    result = invoke("validate", "-p", demo_preds)
    assert result.exit_code == 1 and "no split given" in result.stderr


# --------------------------------------------------------------------------------------------------
# metrics and data
# --------------------------------------------------------------------------------------------------

def test_metrics_list() -> None:
    result = invoke("metrics", "list", "--json")
    assert result.exit_code == 0, result.text
    rows = json.loads(result.stdout)
    names = [r["name"] for r in rows]
    assert names == sorted(names) == list(registry.available())
    assert {"rouge_l", "bleu2_rexrank"} <= set(names)
    rouge = next(r for r in rows if r["name"] == "rouge_l")
    assert rouge["higher_is_better"] is True and rouge["range"] == [0.0, 1.0]
    table = invoke("metrics", "list")
    assert table.exit_code == 0 and "rouge_l" in table.stdout and "bleu2_rexrank" in table.stdout


def test_metrics_show() -> None:
    result = invoke("metrics", "show", "rouge_l")
    assert result.exit_code == 0, result.text
    card = (registry.info("rouge_l").card_path).read_text(encoding="utf-8")
    assert card.strip().splitlines()[0] in result.stdout
    assert "Parameters (defaults):" in result.stdout and "higher is better" in result.stdout
    as_json = json.loads(invoke("metrics", "show", "rouge_l", "--json").stdout)
    assert as_json["name"] == "rouge_l" and as_json["card"] == card and "rouge_type" in as_json["params"]


def test_metrics_show_unknown() -> None:
    result = invoke("metrics", "show", "blue")
    assert result.exit_code == 1
    assert "unknown metric 'blue'" in result.stderr and "rouge_l" in result.stderr


def test_data_info_json(demo) -> None:
    result = invoke("data", "info", "--split", "demo:test", "--json")
    assert result.exit_code == 0, result.text
    info = json.loads(result.stdout)
    assert info["id"] == "demo-test" and info["dataset"] == "demo"
    assert info["sha256"] == demo.sha256 and info["n_studies"] == 400
    assert info["tracks"] == {"findings": 390, "impression": 393, "findings_impression": 383}
    assert set(info["subgroups"]) == {"sex", "age_band", "view", "manufacturer"}
    assert sum(info["subgroups"]["sex"].values()) == 400


def test_data_info_text(demo) -> None:
    result = invoke("data", "info", "--split", "demo:test")
    assert result.exit_code == 0
    assert demo.sha256 in result.stdout and "track findings: n=390" in result.stdout
