"""Reproduction with declared tolerance: what `rexbench ci` accepts as the same number, and what it catches."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from rexbench import registry
from rexbench.reproduction import diff_fields, merge, per_study_tol, results_tol, same

from .conftest import REPO, invoke

DISPLAY = REPO / "leaderboard_site" / "leaderboard.yaml"


def test_same_is_exact_at_zero_tolerance_and_absolute_otherwise() -> None:
    assert same(0.25, 0.25) and not same(0.25, 0.25 + 1e-15)       # exact means bit for bit
    assert same(0.25, 0.25 + 9e-6, 1e-5) and not same(0.25, 0.25 + 1.1e-5, 1e-5)
    assert same(3, 3) and not same(3, 4) and same(3, 3.5, 1.0)       # ints compare as numbers
    assert not same(True, 1) and not same("a", "b") and same(None, None)


def test_diff_fields_names_the_field_and_its_tolerance() -> None:
    fresh = {"a": {"b": [1.0, 2.0], "s": "x"}, "n": 3}
    assert diff_fields({"a": {"b": [1.0, 2.0], "s": "x"}, "n": 3}, fresh) == []
    assert diff_fields({"a": {"b": [1.0, 2.0 + 1e-12], "s": "x"}, "n": 3}, fresh) == [
        "field a.b[1] is 2.000000000001 but rescoring gives 2.0 (this metric reproduces exactly)"]
    loose = lambda parts: 1e-3 if parts[:1] == ("a",) else 0.0  # noqa: E731
    assert diff_fields({"a": {"b": [1.0005, 2.0], "s": "x"}, "n": 3}, fresh, tol_of=loose) == []
    assert diff_fields({"a": {"b": [1.002, 2.0], "s": "x"}, "n": 3}, fresh, tol_of=loose) == [
        "field a.b[0] is 1.002 but rescoring gives 1.0 beyond its tolerance 0.001"]
    assert diff_fields({"a": {"b": [1.0, 2.0]}, "n": 3, "z": 1}, fresh) == [
        "field a.s is missing (a fresh rescore has it)", "field z is not in a fresh rescore"]
    assert diff_fields({"n": True}, {"n": 1}) == ["field n is True but rescoring gives 1"]


def test_tolerance_applies_to_every_field_derived_from_the_metric_and_nothing_else() -> None:
    tol = results_tol({"bertscore_minilm": 1e-5, "rouge_l": 0.0})
    assert tol(("tracks", "findings", "metrics", "bertscore_minilm", "ci", "low")) == 1e-5
    assert tol(("tracks", "findings", "subgroups", "bertscore_minilm", "sex", "score")) == 1e-5
    assert tol(("tracks", "findings", "metrics", "rouge_l", "score")) == 0.0
    assert tol(("tracks", "findings", "n")) == 0.0 and tol(("bootstrap", "seed")) == 0.0
    row = per_study_tol({"bertscore_minilm": 1e-5, "chexpert_f1": 0.0})
    assert row(("bertscore_minilm",)) == row(("bertscore_minilm.precision",)) == 1e-5
    assert row(("stats", "chexpert_f1")) == 0.0 and row(("id",)) == 0.0


def test_merge_keeps_what_reproduces_and_takes_what_moved() -> None:
    tol = per_study_tol({"bertscore_minilm": 1e-5})
    committed = {"id": "s1", "bertscore_minilm": 0.5, "bertscore_minilm.recall": 0.4, "rouge_l": 0.3}
    fresh = {"id": "s1", "bertscore_minilm": 0.5 + 3e-7, "bertscore_minilm.recall": 0.41, "rouge_l": 0.3}
    assert merge(committed, fresh, tol) == {"id": "s1", "bertscore_minilm": 0.5, "bertscore_minilm.recall": 0.41,
                                            "rouge_l": 0.3}


def test_declared_tolerances_are_in_the_signatures() -> None:
    for name in registry.available():
        metric = registry.load(name)
        assert metric.signature_fields()["tol"] == f"{metric.tolerance:g}"
    assert registry.load("rouge_l").tolerance == 0.0
    assert 0 < registry.load("bertscore_minilm").tolerance <= 1e-4
    assert registry.load("bertscore_minilm:dtype=bfloat16").tolerance > registry.load("bertscore_minilm").tolerance


def _seal(folder: Path) -> None:
    """results.json records the sha256 of its per_study.jsonl (a pair): keep an edited pair consistent."""
    from rexbench.io import sha256_bytes

    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    results["per_study_sha256"] = sha256_bytes((folder / "per_study.jsonl").read_bytes())
    (folder / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _one_track_copy(src: Path, dst: Path, track: str) -> None:
    """A committed demo submission, cut down to one track (results and per-study rows as generated)."""
    shutil.copytree(src, dst)
    sub = (dst / "submission.yaml").read_text(encoding="utf-8")
    start = sub.index("tracks:")
    end = sub.index("\n", start)
    (dst / "submission.yaml").write_text(sub[:start] + f"tracks: [{track}]" + sub[end:], encoding="utf-8")
    results = json.loads((dst / "results.json").read_text(encoding="utf-8"))
    results["tracks"] = {track: results["tracks"][track]}
    (dst / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    rows = [line for line in (dst / "per_study.jsonl").read_text(encoding="utf-8").splitlines()
            if json.loads(line)["track"] == track]
    (dst / "per_study.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _seal(dst)


def _set_signature_field(results_path: Path, metric: str, key: str, value: str) -> None:
    """Edit one field of `metric`'s signature on every track, as another environment would have made it."""
    from rexbench.io import dumps_json
    from rexbench.signature import Signature, parse

    doc = json.loads(results_path.read_text(encoding="utf-8"))
    for body in doc["tracks"].values():
        sig = parse(body["metrics"][metric]["signature"])
        fields = tuple((k, value if k == key else v) for k, v in sig.fields)
        assert fields != sig.fields, f"{metric} has no signature field {key}"
        body["metrics"][metric]["signature"] = Signature(sig.metric, fields).format()
    results_path.write_text(dumps_json(doc), encoding="utf-8")


def _edit_first_row(path: Path, key: str, delta: float) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row[key] += delta
    lines[0] = json.dumps(row, sort_keys=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _seal(path.parent)


@pytest.mark.slow
def test_ci_accepts_another_thread_count_and_batch_size_and_catches_real_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed demo results (2 torch threads, 2,048-token encoder batches) reproduce under 1 thread
    and 512-token batches, from an empty score and embedding cache; a BERTScore value moved past its
    tolerance, or a lexical value moved at all, is a mismatch naming the field."""
    import torch

    from rexbench import bertscore_encoder
    from rexbench.nltk_resources import wordnet_dir, wordnet_ready

    if not wordnet_ready():
        pytest.skip("WordNet not set up (METEOR is a default metric): run `rexbench setup`")
    wordnet = wordnet_dir()
    cache = tmp_path / "cache"
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(cache))     # empty: every metric recomputes
    shutil.copytree(wordnet, cache / "nltk_data" / "corpora" / "wordnet")   # NLTK refuses symlinks out of its path

    subs = tmp_path / "submissions"
    _one_track_copy(REPO / "submissions" / "random-train", subs / "random-train", "impression")
    monkeypatch.setattr(bertscore_encoder, "TOKEN_BUDGET", 512)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        def ci() -> object:
            return invoke("ci", "--all", "--submissions", subs, "--display", DISPLAY, "--out", tmp_path / "site")

        res = ci()
        assert res.exit_code == 0, res.text
        assert "random-train: reproduced" in res.stdout

        per_study = subs / "random-train" / "per_study.jsonl"
        committed, committed_results = per_study.read_bytes(), (per_study.parent / "results.json").read_bytes()
        _edit_first_row(per_study, "bertscore_minilm", 4e-6)          # within the 1e-5 tolerance
        assert ci().exit_code == 0
        per_study.write_bytes(committed)
        (per_study.parent / "results.json").write_bytes(committed_results)
        _edit_first_row(per_study, "bertscore_minilm", 3e-5)          # past it
        res = ci()
        assert res.exit_code == 1
        assert any("field bertscore_minilm is" in line and "beyond its tolerance 1e-05" in line
                   for line in res.error_lines), res.stderr
        per_study.write_bytes(committed)
        (per_study.parent / "results.json").write_bytes(committed_results)
        _edit_first_row(per_study, "rouge_l", 1e-12)                  # lexical: exact
        res = ci()
        assert res.exit_code == 1
        assert any("field rouge_l is" in line and "reproduces exactly" in line for line in res.error_lines), res.stderr
        per_study.write_bytes(committed)
        (per_study.parent / "results.json").write_bytes(committed_results)
        # made under another transformers (CI's runner installed a newer release): not stale, rescored;
        # the numbers reproduce, so it passes, says so, and leaves the files byte-identical
        _set_signature_field(per_study.parent / "results.json", "bertscore_minilm", "transformers", "0.0.1")
        made = (per_study.parent / "results.json").read_bytes()
        summary = tmp_path / "summary.md"
        res = invoke("ci", "--all", "--submissions", subs, "--display", DISPLAY, "--out", tmp_path / "site",
                     "--summary", summary)
        assert res.exit_code == 0, res.text
        assert "random-train: reproduced" in res.stdout
        assert f"transformers 0.0.1 → {version('transformers')}" in summary.read_text(encoding="utf-8")
        res = invoke("ci", "--all", "--regenerate", "--submissions", subs, "--display", DISPLAY,
                     "--out", tmp_path / "site")
        assert res.exit_code == 0, res.text
        assert (per_study.parent / "results.json").read_bytes() == made and per_study.read_bytes() == committed
    finally:
        torch.set_num_threads(threads)


def test_rewrites_keep_what_reproduces_and_rewrite_only_what_moved(tmp_path: Path, tmp_cache: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from rexbench.predictions import read_predictions
    from rexbench.reproduction import write_reproducible
    from rexbench.scoring import BootstrapConfig, score
    from rexbench.splits import load_split

    monkeypatch.setattr(registry.metric_class("rouge_l"), "tolerance", 1e-6)   # as a model metric would declare
    run = score(load_split("demo:test"), read_predictions(REPO / "submissions" / "random-train" / "predictions.jsonl"),
                metrics=["rouge_l", "bleu2_rexrank"], tracks=("impression",),
                bootstrap=BootstrapConfig(n_resamples=100, seed=1))
    out = tmp_path / "results"
    results, per_study = out / "results.json", out / "per_study.jsonl"
    assert write_reproducible(run, out) == [per_study, results]
    assert write_reproducible(run, out) == []                                  # same numbers: untouched

    lines = per_study.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    fresh_value = row["rouge_l"]

    def commit(rouge: float, bleu: float) -> bytes:
        """A consistent committed pair, as another machine would have written it."""
        from rexbench.io import dumps_json, sha256_bytes

        row.update(rouge_l=rouge, bleu2_rexrank=bleu)
        data = "\n".join([json.dumps(row, sort_keys=True, ensure_ascii=False), *lines[1:]]) + "\n"
        per_study.write_text(data, encoding="utf-8")
        doc = json.loads(results.read_text(encoding="utf-8"))
        doc["per_study_sha256"] = sha256_bytes(data.encode())
        results.write_text(dumps_json(doc), encoding="utf-8")
        return data.encode()

    bleu = row["bleu2_rexrank"]
    drifted = commit(fresh_value + 5e-7, bleu)                 # another machine's value, within 1e-6
    assert write_reproducible(run, out) == [] and per_study.read_bytes() == drifted
    commit(fresh_value + 5e-6, bleu)                           # beyond the tolerance: rewritten
    assert write_reproducible(run, out) == [per_study, results]   # results.json: per_study_sha256
    assert json.loads(per_study.read_text(encoding="utf-8").splitlines()[0])["rouge_l"] == fresh_value
    commit(fresh_value, bleu + 1e-15)                          # a lexical (exact) value moved at all
    assert write_reproducible(run, out) == [per_study, results]
    assert json.loads(per_study.read_text(encoding="utf-8").splitlines()[0])["bleu2_rexrank"] == bleu


def test_another_library_version_is_drift_not_staleness(tmp_path: Path, tmp_cache: Path) -> None:
    """A results.json made under another rouge-score is not stale: the rescore decides. Its signature is
    kept where the numbers reproduce; a changed parameter or model hash is still stale."""
    from rexbench.ci import library_drift, stale_reasons
    from rexbench.predictions import read_predictions
    from rexbench.reproduction import compare_results, write_reproducible
    from rexbench.scoring import BootstrapConfig, score
    from rexbench.signature import library_version_fields
    from rexbench.splits import load_split

    assert library_version_fields({"rouge_score": version("rouge-score"), "torch": "0.0.1", "v": "1",
                                   "rexbench": version("rexbench"), "model": "x"}) == {"rouge_score"}
    run = score(load_split("demo:test"), read_predictions(REPO / "submissions" / "random-train" / "predictions.jsonl"),
                metrics=["rouge_l"], tracks=("impression",), bootstrap=BootstrapConfig(n_resamples=100, seed=1))
    out = tmp_path / "results"
    write_reproducible(run, out)
    fresh = json.loads((out / "results.json").read_text(encoding="utf-8"))
    _set_signature_field(out / "results.json", "rouge_l", "rouge_score", "0.0.1")
    made = (out / "results.json").read_bytes()
    committed = json.loads(made)
    assert stale_reasons(committed, ["rouge_l"]) == []
    assert library_drift(committed) == [f"rouge_score 0.0.1 → {version('rouge-score')}"]
    assert compare_results(committed, fresh, {"rouge_l": 0.0}) == []
    assert write_reproducible(run, out) == [] and (out / "results.json").read_bytes() == made

    moved = json.loads(made)                      # a number moved too: the fresh signature is written
    moved["tracks"]["impression"]["metrics"]["rouge_l"]["score"] += 1e-9
    (out / "results.json").write_text(json.dumps(moved), encoding="utf-8")
    assert compare_results(moved, fresh, {"rouge_l": 0.0})
    assert write_reproducible(run, out) == [out / "results.json"]
    assert json.loads((out / "results.json").read_text(encoding="utf-8")) == fresh

    _set_signature_field(out / "results.json", "rouge_l", "v", "0")              # the metric's code version: stale
    why = stale_reasons(json.loads((out / "results.json").read_text(encoding="utf-8")), ["rouge_l"])
    assert why == ["track impression, metric rouge_l: signature field v is 0, this code gives 1"]


def test_ci_constraints_pin_the_libraries_the_committed_results_were_made_with() -> None:
    """.ci/run installs .ci/constraints.txt: every library version in a committed demo signature is the
    version pinned there, so CI rescoring the demo compares like with like."""
    from rexbench.signature import parse

    pins = {}
    for line in (REPO / ".ci" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            pins[name.lower().replace("_", "-")] = pinned
    assert "transformers" in pins and "nltk" in pins and "sacrebleu" in pins
    checked = 0
    for results in sorted((REPO / "submissions").glob("*/results.json")):
        for body in json.loads(results.read_text(encoding="utf-8"))["tracks"].values():
            for m in body["metrics"].values():
                for key, value in parse(m["signature"]).fields:
                    name = key.lower().replace("_", "-")
                    if name == "torch":
                        assert value.split("+")[0] == _makefile_torch(), (results, key, value)
                    elif name in pins:
                        assert value == pins[name], f"{results}: {key} {value}, .ci/constraints.txt pins {pins[name]}"
                        checked += 1
    assert checked > 0


def _makefile_torch() -> str:
    for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("TORCH_VERSION"):
            return line.split("=", 1)[1].strip()
    raise AssertionError("Makefile has no TORCH_VERSION")
