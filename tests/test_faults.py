"""Fault injection: killed runs, concurrent runs, a crash between the two renames, damaged cache entries.

What must hold (issue 12): results.json and per_study.jsonl are a pair or not there at all; a rerun after
any fault gives byte-identical results; a damaged cache entry is detected, warned about, removed and
recomputed, never used. Tiny custom splits and lexical metrics keep each test to seconds; the two tests
that start a dozen `python -m rexbench` processes each (30-40 s on a loaded 2-core machine) are marked
slow, and every child process has a timeout (TIMEOUT), so a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import CHEAP_METRICS, REPO, invoke, write_jsonl
from rexbench import pair
from rexbench.errors import InputError
from rexbench.results import read_per_study, read_results

N = 60
TIMEOUT = 300   # seconds for one `rexbench score` child (a clean one takes 2-6 s)
WORDS = "heart size normal lungs clear no effusion small left right opacity stable mild edema".split()


def report(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 15))) + "."


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    rng = random.Random(7)
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": f"s{i}", "report": report(rng)} for i in range(N)])
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": f"s{i}", "report": report(rng)} for i in range(N)])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": f"s{i}", "report": report(rng)} for i in range(N)])
    return {"refs": refs, "a": a, "b": b, "root": tmp_path}


def score_cmd(refs: Path, preds: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "rexbench", "score", "--references", str(refs), "--predictions", str(preds),
            "--metrics", CHEAP_METRICS, "--bootstrap", "200", "--out", str(out)]


def env_for(cache: Path) -> dict[str, str]:
    return {**os.environ, "REXBENCH_CACHE_DIR": str(cache)}


def pair_bytes(folder: Path) -> tuple[bytes, bytes] | None:
    """The folder's pair, checked the way every reader checks it (None: no pair yet)."""
    results, per_study = folder / "results.json", folder / "per_study.jsonl"
    if not results.exists() and not per_study.exists():
        return None
    read_results(results)
    read_per_study(per_study)   # raises on a mixed pair
    return results.read_bytes(), per_study.read_bytes()


def clean_run(setup: dict[str, Path], preds: str, name: str) -> tuple[tuple[bytes, bytes], float]:
    out = setup["root"] / name
    start = time.monotonic()
    proc = subprocess.run(score_cmd(setup["refs"], setup[preds], out), capture_output=True, text=True,
                          env=env_for(setup["root"] / f"cache-{name}"), cwd=REPO, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    got = pair_bytes(out)
    assert got is not None
    return got, time.monotonic() - start


@pytest.mark.slow
def test_killed_runs_never_leave_a_mixed_pair_and_a_rerun_is_byte_identical(setup: dict[str, Path]) -> None:
    expected_a, _ = clean_run(setup, "a", "clean-a")
    expected_b, seconds = clean_run(setup, "b", "clean-b")
    out, cache = setup["root"] / "out", setup["root"] / "cache"
    subprocess.run(score_cmd(setup["refs"], setup["a"], out), check=True, capture_output=True, env=env_for(cache),
                   cwd=REPO, timeout=TIMEOUT)
    assert pair_bytes(out) == expected_a          # the old pair, which killed runs of b must not damage
    rng = random.Random(12)
    kills = 0
    for _ in range(5):
        proc = subprocess.Popen(score_cmd(setup["refs"], setup["b"], out), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env_for(cache), cwd=REPO)
        time.sleep(rng.uniform(0.0, seconds * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=TIMEOUT)
        state = pair_bytes(out)
        assert state in (expected_a, expected_b), "a killed run left a pair that is neither the old nor the new"
    assert kills >= 1
    proc = subprocess.run(score_cmd(setup["refs"], setup["b"], out), capture_output=True, env=env_for(cache), cwd=REPO,
                          timeout=TIMEOUT)
    assert proc.returncode == 0
    assert pair_bytes(out) == expected_b
    assert sorted(p.name for p in out.iterdir()) == ["per_study.jsonl", "results.json"]   # no temporaries left


@pytest.mark.slow
def test_concurrent_runs_on_one_cache_and_one_out(setup: dict[str, Path]) -> None:
    expected = {"a": clean_run(setup, "a", "clean-a")[0], "b": clean_run(setup, "b", "clean-b")[0]}
    out, cache = setup["root"] / "out", setup["root"] / "cache"
    for _ in range(2):
        procs = [subprocess.Popen(score_cmd(setup["refs"], setup[p], out), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=env_for(cache), cwd=REPO) for p in "aba"]
        errors = [p.communicate(timeout=TIMEOUT)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        assert not any("damaged score cache entry" in e for e in errors)
        assert pair_bytes(out) in expected.values()
    # the shared cache holds only sound entries: a rerun reads them all, with no warning
    res = invoke("score", "--references", setup["refs"], "--predictions", setup["a"], "--metrics", CHEAP_METRICS,
                 "--bootstrap", "200", "--out", out, env={"REXBENCH_CACHE_DIR": str(cache)})
    assert res.exit_code == 0 and "damaged score cache entry" not in res.stderr and "cached" in res.stdout
    assert pair_bytes(out) == expected["a"]


def test_a_crash_between_the_two_renames_is_detected_and_rolled_forward(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"
    old_ps = b'{"id": "s1", "track": "report", "x": 0.1}\n'
    new_ps = b'{"id": "s1", "track": "report", "x": 0.9}\n'

    def results(ps: bytes) -> bytes:
        import hashlib

        return json.dumps({"schema": "rexbench.results/1", "split": {"id": "x", "sha256": "0"}, "tracks": {},
                           "per_study_sha256": hashlib.sha256(ps).hexdigest()}).encode()

    pair.write_pair(folder, results(old_ps), old_ps)
    real_replace = os.replace

    def dying_replace(src, dst):   # the process "dies" right after per_study.jsonl is renamed into place
        if Path(dst).name == "results.json":
            raise KeyboardInterrupt("killed")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        pair.write_pair(folder, results(new_ps), new_ps)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (folder / pair.JOURNAL).is_file()
    with pytest.raises(InputError, match="not the per-study file its results.json was written with"):
        read_per_study(folder / "per_study.jsonl")                 # a mixed pair is never read silently
    pair.write_pair(folder, results(old_ps), old_ps)               # the next writer finishes the old write first
    assert (folder / "per_study.jsonl").read_bytes() == old_ps and not (folder / pair.JOURNAL).exists()
    read_per_study(folder / "per_study.jsonl")
    assert sorted(p.name for p in folder.iterdir()) == ["per_study.jsonl", "results.json"]


def _damage(kind: str, path: Path, key: str) -> None:
    from rexbench.cache import decode_entry, encode_entry
    from rexbench.metric import MetricOutput

    data = path.read_bytes()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "bit flip":
        flipped = bytearray(data)
        flipped[-40] ^= 0x01
        path.write_bytes(bytes(flipped))
    elif kind in ("wrong length", "tampered, checksum recomputed for another key", "tampered values"):
        out = decode_entry(key, data, None)
        if kind == "wrong length":
            bad = MetricOutput(per_study=out.per_study[:-1], score=out.score, stats=out.stats,
                               components={k: v[:-1] for k, v in out.components.items()}, details=out.details)
            path.write_bytes(encode_entry(key, bad))           # a valid checksum, the wrong shape
        elif kind == "tampered values":
            head, _, payload = data.partition(b"\n")
            forged = encode_entry(key, MetricOutput(per_study=np.ones_like(out.per_study), score=1.0,
                                                    stats=out.stats, components=out.components, details=out.details))
            path.write_bytes(head + b"\n" + forged.partition(b"\n")[2])   # new values under the old checksum
        else:
            path.write_bytes(encode_entry("0" * 64, out))      # a sound entry, but made for another key
    elif kind == "a folder":
        path.unlink()
        path.mkdir()


DAMAGE = ["empty", "truncated", "bit flip", "wrong length", "tampered values",
          "tampered, checksum recomputed for another key", "a folder"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_cache_entries_are_detected_warned_and_recomputed(tmp_path: Path, setup: dict[str, Path],
                                                                  kind: str) -> None:
    cache = tmp_path / "cache"
    env = {"REXBENCH_CACHE_DIR": str(cache)}
    args = ["score", "--references", setup["refs"], "--predictions", setup["a"], "--metrics", CHEAP_METRICS,
            "--bootstrap", "200"]
    assert invoke(*args, "--out", tmp_path / "clean", env=env).exit_code == 0
    expected = pair_bytes(tmp_path / "clean")
    entries = sorted((cache / "scores").rglob("*.npz"))
    assert len(entries) == 2                  # 2 metrics x the one track (report) of this split
    for entry in entries:
        _damage(kind, entry, entry.stem)
    res = invoke(*args, "--out", tmp_path / "again", env=env)
    assert res.exit_code == 0, res.text
    warnings = [line for line in res.stderr.splitlines() if "damaged score cache entry" in line]
    assert len(warnings) == len(entries), res.stderr
    assert all(line.startswith("warning: ") for line in warnings)
    assert pair_bytes(tmp_path / "again") == expected          # recomputed: the same bytes as the clean run
    res = invoke(*args, "--out", tmp_path / "third", env=env)  # and the recomputed entries are sound again
    assert res.exit_code == 0 and "damaged score cache entry" not in res.stderr
    assert pair_bytes(tmp_path / "third") == expected


def test_ci_recomputes_a_damaged_cache_entry_too(tmp_path: Path, setup: dict[str, Path]) -> None:
    """`ci` (and so the workflows) goes through the same checked cache: it had no way around a bad entry."""
    folder = tmp_path / "submissions" / "my-model"
    folder.mkdir(parents=True)
    (folder / "predictions.jsonl").write_bytes(setup["a"].read_bytes())
    (folder / "submission.yaml").write_text(
        f"id: my-model\nmodel_name: M\ninstitution: Lab\ndate: 2026-01-01\nlicense: CC-BY-4.0\n"
        f"splits:\n  - split: \"{setup['refs']}\"\n    predictions: predictions.jsonl\n", encoding="utf-8")
    env = {"REXBENCH_CACHE_DIR": str(tmp_path / "cache")}
    args = ["ci", "--all", "--submissions", tmp_path / "submissions", "--out", tmp_path / "site", "--display",
            REPO / "leaderboard_site" / "leaderboard.yaml", "--metrics", CHEAP_METRICS, "--bootstrap", "200"]
    first = invoke(*args, env=env)
    assert first.exit_code == 0, first.text
    expected = pair_bytes(folder)
    for name in ("results.json", "per_study.jsonl"):
        (folder / name).unlink()
    entries = sorted((tmp_path / "cache" / "scores").rglob("*.npz"))
    assert entries
    for entry in entries:
        _damage("truncated", entry, entry.stem)
    again = invoke(*args, env=env)
    assert again.exit_code == 0, again.text
    assert sum("damaged score cache entry" in line for line in again.stderr.splitlines()) == len(entries)
    assert pair_bytes(folder) == expected
