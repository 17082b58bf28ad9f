"""semb_score and chexbert_f1 end to end on a tiny randomly initialised CheXbert in the real layout:
a bert-base-uncased-style config + vocab folder and a `chexbert.pth` shaped like the real checkpoint
({"model_state_dict": {"module.bert...", "module.linear_heads..."}}). Skipped without the chexbert extra."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("f1chexbert")
torch = pytest.importorskip("torch")

from rexbench import chexbert, registry  # noqa: E402
from rexbench.labelers import FIVE_OBSERVATIONS, OBSERVATIONS  # noqa: E402

WORDS = ("the lungs are clear no pleural effusion mild cardiomegaly right left small large pneumothorax "
         "edema consolidation atelectasis heart size normal is there a with and of . ,").split()
REFS = ["The lungs are clear.", "Mild cardiomegaly with small left pleural effusion.", "No pneumothorax.",
        "Large right pleural effusion and edema.", ""]
PREDS = ["The lungs are clear.", "Heart size is normal.", "There is a small pneumothorax.",
         "Right pleural effusion.", "No edema."]


def write_tiny_chexbert(root: Path, seed: int = 0) -> tuple[Path, Path]:
    """(checkpoint folder with chexbert.pth, bert folder with config.json + vocab.txt)."""
    from transformers import BertConfig
    import f1chexbert.f1chexbert as upstream

    bert = root / "bert-base-uncased"
    bert.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(WORDS))
    (bert / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
               intermediate_size=64, max_position_embeddings=512).save_pretrained(bert)
    torch.manual_seed(seed)
    original = upstream.AutoConfig
    upstream.AutoConfig = chexbert._LocalConfig(original, bert)
    try:
        model = upstream.bert_labeler(inference=True)
    finally:
        upstream.AutoConfig = original
    ckpt = root / "chexbert"
    ckpt.mkdir()
    # The real checkpoint was saved from nn.DataParallel: every key starts with "module.".
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    torch.save({"model_state_dict": state, "epoch": 0}, ckpt / "chexbert.pth")
    return ckpt, bert


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_chexbert(tmp_path_factory.mktemp("chexbert"))


def _params(tiny, **extra):
    ckpt, bert = tiny
    return {"checkpoint": str(ckpt), "bert": str(bert), "device": "cpu", **extra}


def _independent(tiny, texts):
    """CLS vectors and head argmaxes straight from transformers' BertModel, one text at a time (no padding)."""
    from transformers import BertConfig, BertModel, BertTokenizer

    ckpt, bert = tiny
    state = torch.load(ckpt / "chexbert.pth", weights_only=False)["model_state_dict"]
    model = BertModel(BertConfig.from_pretrained(str(bert)))
    model.load_state_dict({k[len("module.bert."):]: v for k, v in state.items() if k.startswith("module.bert.")},
                          strict=False)
    model.eval()
    tok = BertTokenizer.from_pretrained(str(bert))
    cls, classes = [], []
    with torch.no_grad():
        for text in texts:
            ids = tok.encode(" ".join(text.split())) if text.strip() else [tok.cls_token_id, tok.sep_token_id]
            h = model(torch.tensor([ids]))[0][0, 0]
            cls.append(h.numpy())
            heads = [state[f"module.linear_heads.{j}.weight"] @ h + state[f"module.linear_heads.{j}.bias"]
                     for j in range(14)]
            classes.append([int(x.argmax()) for x in heads])
    return np.array(cls), np.array(classes)


def test_semb_score_is_the_cosine_of_cls_embeddings(tiny, tmp_cache):
    metric = registry.load("semb_score")
    metric = type(metric)(**_params(tiny))
    assert metric.readiness() is None
    out = metric.compute(references=REFS, predictions=PREDS)
    cls, _ = _independent(tiny, REFS + PREDS)
    n = len(REFS)
    expected = (cls[:n] * cls[n:]).sum(1) / (np.linalg.norm(cls[:n], axis=1) * np.linalg.norm(cls[n:], axis=1))
    assert out.per_study.shape == (n,)
    np.testing.assert_allclose(out.per_study, expected, rtol=0, atol=2e-6)   # padding moves float rounding only
    assert out.per_study[0] == pytest.approx(1.0, abs=1e-6)                  # identical texts
    again = type(metric)(**_params(tiny)).compute(references=REFS, predictions=PREDS)
    np.testing.assert_array_equal(out.per_study, again.per_study)           # deterministic


def test_chexbert_f1_labels_and_f1_against_sklearn(tiny, tmp_cache):
    from sklearn.metrics import f1_score

    _, classes = _independent(tiny, REFS + PREDS)
    n = len(REFS)
    head_of = [chexbert.HEADS.index(o) for o in OBSERVATIONS]
    for label_set, average, uncertain in (("14", "micro", "positive"), ("5", "macro", "negative"),
                                          ("14", "example", "positive")):
        metric = registry.metric_class("chexbert_f1")(**_params(tiny, label_set=label_set, average=average,
                                                                 uncertain=uncertain))
        out = metric.compute(references=REFS, predictions=PREDS)
        obs = OBSERVATIONS if label_set == "14" else FIVE_OBSERVATIONS
        cols = [head_of[OBSERVATIONS.index(o)] for o in obs]
        positive = {1, 3} if uncertain == "positive" else {1}
        y = np.isin(classes[:, cols], list(positive)).astype(int)
        ref, hyp = y[:n], y[n:]
        if average == "example":
            per = [1.0 if not (r.any() or h.any()) else f1_score(r, h, zero_division=0) for r, h in zip(ref, hyp)]
            assert out.score == pytest.approx(np.mean(per), abs=1e-12)
        else:
            assert out.score == pytest.approx(f1_score(ref, hyp, average=average, zero_division=0), abs=1e-12)


def test_one_chexbert_pass_shared_and_signature(tiny, tmp_cache, monkeypatch):
    calls = []
    original = chexbert._Labeler.run

    def counting(self, texts, batch_size, progress):
        calls.append(len(texts))
        return original(self, texts, batch_size, progress)

    monkeypatch.setattr(chexbert._Labeler, "run", counting)
    monkeypatch.setattr(chexbert, "_OUTPUTS", {})
    texts = ["Small left pleural effusion is new.", "Heart size normal with edema."]
    semb = registry.metric_class("semb_score")(**_params(tiny))
    semb.compute(references=texts, predictions=texts[::-1])
    registry.metric_class("chexbert_f1")(**_params(tiny)).compute(references=texts, predictions=texts[::-1])
    assert calls == [2]                       # two distinct texts, one model pass for both metrics
    ckpt, _ = tiny
    fields = semb.signature_fields()
    assert fields["w.chexbert"] == hashlib.sha256((ckpt / "chexbert.pth").read_bytes()).hexdigest()[:16]
    assert "device" not in fields and "batch_size" not in fields and semb.spec.startswith("semb_score:checkpoint=")
    assert registry.metric_class("semb_score")(**_params(tiny, device="cpu", batch_size=2)).spec == semb.spec


def test_missing_checkpoint_names_the_file_and_the_fetch_command(tmp_path, tmp_cache):
    metric = registry.metric_class("semb_score")(checkpoint="chexbert", bert=str(tmp_path))
    message = metric.readiness()
    assert "chexbert.pth" in message and "rexbench models fetch chexbert" in message
