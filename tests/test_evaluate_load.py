"""Each metric folder loads offline through `evaluate.load("<path>/metrics/<name>")`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from rexbench.paths import metrics_dir


@pytest.mark.parametrize("name,expected_key", [("rouge_l", "rouge_l"), ("bleu2_rexrank", "bleu2_rexrank"),
                                               ("bleu", "bleu")])
def test_evaluate_load_offline(name, expected_key, tmp_path):
    # A fresh interpreter with a private HF_HOME and the network switched off: evaluate must not download.
    code = textwrap.dedent(f"""
        import json, evaluate
        from rexbench import registry
        m = evaluate.load({str(metrics_dir() / name)!r})
        refs = ["The lungs are clear.", "Small left pleural effusion."]
        hyps = ["Lungs are clear.", "Small left effusion."]
        out = m.compute(predictions=hyps, references=refs)
        ours = registry.load({name!r}).compute(references=refs, predictions=hyps)
        print(json.dumps({{"evaluate": out[{expected_key!r}], "rexbench": ours.score, "n": len(out["per_study"])}}))
    """)
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    import json
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n"] == 2
    assert result["evaluate"] == pytest.approx(result["rexbench"], abs=1e-12)
