"""An unchanged rerun reads scores from the cache and loads no model, WordNet, tokenizer or torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rexbench.nltk_resources import nltk_data_dir, wordnet_ready

from .conftest import REPO

HEAVY = ("torch", "transformers", "nltk", "rouge_score", "sacrebleu")  # not the rule labeler (no model) nor
# the punkt package: METEOR's signature pins the hash of its Punkt parameters (rexbench.nltk_resources.punkt_sha256)
SCRIPT = f"""
import json, sys
from rexbench.cli import main
sys.argv = ["rexbench"] + sys.argv[1:]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({{"code": code, "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}), file=sys.stderr)
"""


def run(args, env):
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env, cwd=REPO)
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


@pytest.mark.slow
@pytest.mark.skipif(not wordnet_ready(), reason="WordNet not set up: run `rexbench setup`")
def test_full_cache_hit_imports_no_model_wordnet_or_tokenizer(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    os.symlink(nltk_data_dir(), cache / "nltk_data")   # WordNet from the real setup, scores cached apart
    env = dict(os.environ, REXBENCH_CACHE_DIR=str(cache), REXBENCH_DEVICE="auto")
    args = ["score", "--split", "demo:test", "-p", str(REPO / "submissions" / "normal-template" / "predictions.jsonl"),
            "--tracks", "impression", "--bootstrap", "0", "--json"]
    first, out1 = run(args, env)
    assert first["code"] == 0 and "nltk" in first["loaded"] and "torch" in first["loaded"]
    second, out2 = run(args, env)
    assert second == {"code": 0, "loaded": []}
    assert json.loads(out2) == json.loads(out1)


def _demo_run(cache, bootstrap=None):
    from rexbench.predictions import read_predictions
    from rexbench.scoring import BootstrapConfig, score
    from rexbench.splits import load_split

    return score(load_split("demo:test"), read_predictions(REPO / "submissions" / "random-train" / "predictions.jsonl"),
                 metrics=["rouge_l", "bleu"], tracks=("impression",), cache=cache,
                 bootstrap=bootstrap or BootstrapConfig(n_resamples=200, seed=3), show_progress=False)


def test_rerun_reads_confidence_intervals_from_the_cache(tmp_path, tmp_cache, monkeypatch):
    from rexbench import scoring, stats
    from rexbench.cache import ScoreCache

    cache = ScoreCache(tmp_path / "c")
    first = _demo_run(cache)
    fresh = {k: ms.ci for k, ms in first.tracks["impression"].metrics.items()}

    def no_draws(*args, **kwargs):
        raise AssertionError("a full cache hit drew bootstrap resamples")

    monkeypatch.setattr(stats, "resample_counts", no_draws)
    again = _demo_run(cache)
    assert {k: ms.ci for k, ms in again.tracks["impression"].metrics.items()} == fresh   # every field exact
    assert all(ms.cached for ms in again.tracks["impression"].metrics.values())
    # another bootstrap setting, or other values under the same score key, are not served from the cache
    with pytest.raises(AssertionError, match="drew bootstrap resamples"):
        _demo_run(cache, scoring.BootstrapConfig(n_resamples=200, seed=4))
    ms = again.tracks["impression"].metrics["rouge_l"]
    moved = scoring.MetricOutput(per_study=ms.output.per_study + 1e-12, score=ms.output.score)
    resamples = scoring._Resamples(len(ms.output.per_study), scoring.BootstrapConfig(n_resamples=200, seed=3))
    with pytest.raises(AssertionError, match="drew bootstrap resamples"):
        scoring._ci_cached(ms.metric, moved, "same score key", resamples, cache)
    monkeypatch.undo()
    uncached = _demo_run(ScoreCache(tmp_path / "c", enabled=False))              # --no-cache computes them
    assert {k: ms.ci for k, ms in uncached.tracks["impression"].metrics.items()} == fresh


def test_unchanged_rerun_leaves_the_files_and_parses_no_earlier_rows(tmp_path, tmp_cache, monkeypatch):
    from rexbench import results
    from rexbench.cache import ScoreCache
    from rexbench.reproduction import write_reproducible

    run = _demo_run(ScoreCache(tmp_path / "c"))
    out = tmp_path / "out"
    assert len(write_reproducible(run, out)) == 2
    made = {p.name: p.read_bytes() for p in out.iterdir()}

    def no_parse(*args, **kwargs):
        raise AssertionError("an unchanged rerun parsed the earlier per-study rows")

    monkeypatch.setattr(results, "read_per_study", no_parse)
    assert write_reproducible(run, out) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == made
