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
