"""--device auto|cpu|cuda[:N] and --batch-size for model metrics; readiness of every ReXrank column."""

from __future__ import annotations

import json

import pytest

from rexbench import device as devices, registry
from rexbench.errors import UnknownMetric

from .conftest import invoke

REXRANK_COLUMNS = ["radcliq_v1", "bleu2_rexrank", "bertscore", "semb_score", "radgraph_combined", "ratescore", "green"]


def test_device_values(monkeypatch):
    torch = pytest.importorskip("torch")
    assert devices.resolve("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert devices.resolve("auto") == "cpu"
    with pytest.raises(UnknownMetric, match="device cuda:1 is not available here"):
        devices.resolve("cuda:1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert devices.resolve("auto") == "cuda:0" and devices.resolve("cuda") == "cuda:0"
    assert devices.resolve("CUDA:1") == "cuda:1"
    for bad in ("gpu", "cuda:", "cuda:x", "tpu:0", ""):
        with pytest.raises(UnknownMetric, match="device must be auto, cpu, cuda or cuda:N"):
            devices.check(bad)


def test_run_wide_defaults_feed_metrics_that_leave_them_empty(monkeypatch):
    monkeypatch.setattr(devices, "_DEFAULTS", {"device": "auto", "batch_size": 0})
    assert devices.chosen("") == "auto" and devices.chosen_batch_size(0, 18) == 18
    devices.set_defaults(device="cpu", batch_size=4)
    assert devices.chosen("") == "cpu" and devices.chosen("cuda:0") == "cuda:0"     # a metric's own param wins
    assert devices.chosen_batch_size(0, 18) == 4 and devices.chosen_batch_size(2, 18) == 2
    with pytest.raises(UnknownMetric):
        devices.set_defaults(device="gpu")


def test_device_and_batch_size_are_runtime_params_of_every_model_metric():
    for name in ("semb_score", "chexbert_f1", "radgraph_combined", "radgraph_f1", "ratescore", "green"):
        metric = registry.metric_class(name)(device="cpu", batch_size=3)
        assert metric.spec == name                                   # not part of the metric's identity
        fields = metric.signature_fields()
        assert "device" not in fields and "batch_size" not in fields


def test_score_refuses_a_bad_device(tmp_path, tmp_cache):
    from .conftest import write_jsonl

    refs = write_jsonl(tmp_path / "r.jsonl", [{"id": "a", "findings": "Clear lungs."}])
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "findings": "Lungs clear."}])
    result = invoke("score", "--references", refs, "--predictions", preds, "--metrics", "rouge_l", "--device", "gpu")
    assert result.exit_code == 1 and result.error_lines == ["error: device must be auto, cpu, cuda or cuda:N, got 'gpu'"]


def test_metrics_list_shows_every_rexrank_column_with_readiness(tmp_cache):
    rows = {r["name"]: r for r in json.loads(invoke("metrics", "list", "--json").stdout)}
    for mid in REXRANK_COLUMNS:
        assert mid in rows and isinstance(rows[mid]["ready"], bool)
        assert rows[mid]["ready"] == (rows[mid]["readiness"] is None)
    assert rows["bleu2_rexrank"]["ready"] and rows["radcliq_v1"]["higher_is_better"] is False


def test_rexrank_preset_expands_to_rexrank_columns_and_reports_what_is_missing(tmp_path, tmp_cache, monkeypatch):
    from .conftest import write_jsonl

    assert registry.parse_list("rexrank,rouge_l") == REXRANK_COLUMNS + ["rouge_l"]
    monkeypatch.setenv("REXBENCH_MODELS_DIR", str(tmp_path / "models"))
    refs = write_jsonl(tmp_path / "r.jsonl", [{"id": "a", "findings": "Clear lungs."}])
    preds = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "findings": "Lungs clear."}])
    result = invoke("score", "--references", refs, "--predictions", preds, "--metrics", "rexrank")
    if all(registry.load(m).readiness() is None for m in REXRANK_COLUMNS):
        pytest.skip("every ReXrank model is installed here")
    assert result.exit_code == 1 and len(result.error_lines) == 1 and result.stdout == ""
    line = result.error_lines[0]
    assert "radcliq_v1: input radgraph_combined:" in line and "bertscore:" in line and "semb_score:" in line


# ---- precision, scoped run options, the CUDA path on CPU ---------------------------------------------

@pytest.mark.parametrize("name, canonical", [("fp32", "float32"), ("float32", "float32"), ("BF16", "bfloat16"),
                                             ("bfloat16", "bfloat16"), ("fp16", "float16"), ("float16", "float16")])
def test_dtypes(name, canonical):
    torch = pytest.importorskip("torch")
    assert devices.canonical_dtype(name) == canonical
    assert devices.torch_dtype(name) is getattr(torch, canonical)


def test_bad_dtype_and_fp16_on_cpu():
    with pytest.raises(UnknownMetric, match="dtype 'int8'"):
        devices.canonical_dtype("int8")
    with pytest.raises(UnknownMetric, match="float16 needs a CUDA device"):
        devices.check_dtype_on("cpu", "fp16")
    devices.check_dtype_on("cuda:0", "fp16")
    devices.check_dtype_on("cpu", "bf16")


def test_runtime_is_scoped_to_the_block(monkeypatch):
    monkeypatch.setattr(devices, "_DEFAULTS", {"device": "auto", "batch_size": 0})
    with devices.runtime(device="cpu", batch_size=7):
        assert devices.current_device() == "cpu" and devices.current_batch_size(64) == 7
        with devices.runtime(batch_size=3):
            assert devices.current_batch_size(64) == 3 and devices.chosen("") == "cpu"
        assert devices.current_batch_size(64) == 7
    assert devices._DEFAULTS == {"device": "auto", "batch_size": 0}
    with pytest.raises(UnknownMetric):
        with devices.runtime(device="tpu"):
            pass
    assert devices._DEFAULTS == {"device": "auto", "batch_size": 0}


def test_current_device_follows_cuda_availability(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(devices, "_DEFAULTS", {"device": "auto", "batch_size": 0})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert devices.current_device() == "cuda:0"
    with devices.runtime(device="cuda:1"):
        assert devices.current_device() == "cuda:1"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert devices.current_device() == "cpu"


def test_checking_a_device_spelling_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys; from rexbench import device as d\n"
            "with d.runtime(device='auto', batch_size=2): pass\n"
            "print('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
