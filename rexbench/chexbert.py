"""CheXbert through the upstream `f1chexbert` package (extra `rexbench[chexbert]`): one model pass per text
gives both the 14 observation classes (chexbert_f1) and the [CLS] embedding (semb_score).

The model is f1chexbert's own `bert_labeler` with its `tokenize` (rebuilt: transformers 5 removed the
`encode_plus` it calls), loaded from `chexbert.pth` the way
`F1CheXbert.__init__` does (strip `module.`, strict=False), with bert-base-uncased's config and vocabulary
read from a local folder instead of the hub. SembScore follows CXR-Report-Metric's CheXbert `encode.py`:
the [CLS] vector of the last hidden layer (`bert_encoder` with logits off), then the cosine of the
candidate's and the reference's vectors in float32 (`add_semb_col`).

Outputs are cached per process by (checkpoint sha256, text), so chexbert_f1 and semb_score on the same
texts run the model once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import device as devices
from . import model_packages as packages
from . import models
from .errors import MetricError
from .metric import Progress

# CheXbert's head order (f1chexbert's target_names; 13 four-way heads, then No Finding with two classes).
HEADS = ("Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion", "Edema", "Consolidation",
         "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other", "Fracture",
         "Support Devices", "No Finding")
# Head classes: 0 blank, 1 positive, 2 negative, 3 uncertain (CheXbert's label.py).
BLANK, POSITIVE, NEGATIVE, UNCERTAIN = 0, 1, 2, 3
EXTRA = "chexbert"
PACKAGE = "f1chexbert"


@dataclass(frozen=True)
class CheXbertOutput:
    embeddings: np.ndarray   # (n, hidden) float32 [CLS] vectors
    classes: np.ndarray      # (n, 14) int, head argmax in HEADS order


def _folders(checkpoint: str, bert: str) -> dict[str, str]:
    return {"chexbert": checkpoint, "bert-base-uncased": bert}


def readiness(checkpoint: str, bert: str, metric: str) -> str | None:
    return packages.readiness(metric, EXTRA, (PACKAGE,), _folders(checkpoint, bert))


def folders(checkpoint: str, bert: str, metric: str) -> tuple[Path, Path]:
    found = packages.locate_all(metric, EXTRA, (PACKAGE,), _folders(checkpoint, bert))
    return found["chexbert"], found["bert-base-uncased"]


def environment(checkpoint: str, bert: str) -> dict[str, str]:
    """sha256 of chexbert.pth (w.chexbert) and of the BERT config + vocabulary, package versions."""
    return packages.environment((PACKAGE, "torch", "transformers"), _folders(checkpoint, bert))


class _Labeler:
    """f1chexbert's model and tokenizer, loaded once per (checkpoint, config folder, device)."""

    def __init__(self, checkpoint: Path, bert_folder: Path, device: str):
        import torch
        import f1chexbert.f1chexbert as upstream
        from transformers import AutoConfig, BertTokenizer

        self.upstream = upstream
        self.device = torch.device(device)
        self.tokenizer = BertTokenizer.from_pretrained(str(bert_folder), local_files_only=True)
        with _LOAD_LOCK:
            # bert_labeler(inference=True) builds its BERT from AutoConfig.from_pretrained('bert-base-uncased'):
            # point that one call at the local folder (the checkpoint then overwrites every weight).
            original = upstream.AutoConfig
            upstream.AutoConfig = _LocalConfig(AutoConfig, bert_folder)
            try:
                model = upstream.bert_labeler(inference=True)
            finally:
                upstream.AutoConfig = original
        state = torch.load(checkpoint / "chexbert.pth", map_location="cpu", weights_only=False)["model_state_dict"]
        cleaned = OrderedDict((k.replace("module.", ""), v) for k, v in state.items())
        missing, _ = model.load_state_dict(cleaned, strict=False)
        if any(not k.endswith("position_ids") for k in missing):
            raise MetricError(f"{checkpoint / 'chexbert.pth'} does not fit CheXbert's architecture "
                              f"(missing {missing[0]})")
        self.model = model.to(self.device).eval()

    def run(self, texts: Sequence[str], batch_size: int, progress: Progress | None) -> CheXbertOutput:
        import torch

        ids = tokenize(texts, self.tokenizer)
        order = sorted(range(len(ids)), key=lambda i: (-len(ids[i]), i))   # length-sorted: little padding
        hidden = self.model.bert.config.hidden_size
        emb = np.zeros((len(ids), hidden), dtype=np.float32)
        classes = np.zeros((len(ids), len(HEADS)), dtype=np.int64)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                longest = len(ids[batch[0]])
                tokens = torch.zeros((len(batch), longest), dtype=torch.long)   # CheXbert's PAD_IDX is 0
                for row, i in enumerate(batch):
                    tokens[row, :len(ids[i])] = torch.tensor(ids[i])
                mask = self.upstream.generate_attention_masks(tokens, [len(ids[i]) for i in batch], self.device)
                final = self.model.bert(tokens.to(self.device), attention_mask=mask)[0]
                cls = final[:, 0, :]
                heads = [self.model.linear_heads[j](cls).argmax(dim=1) for j in range(len(HEADS))]
                emb[batch] = cls.float().cpu().numpy()
                classes[batch] = torch.stack(heads, dim=1).cpu().numpy()
                if progress:
                    progress(len(batch))
        return CheXbertOutput(emb, classes)


def tokenize(texts: Sequence[str], tokenizer) -> list[list[int]]:
    """f1chexbert's (and CXR-Report-Metric's) `tokenize`: whitespace collapsed, WordPiece tokens, [CLS] ...
    [SEP], cut to 512 keeping [SEP]; an empty report is [CLS] [SEP]. Upstream calls
    `encode_plus(tokens)`, which transformers 5 removed; for a list of tokens it returned exactly
    [CLS] + their ids + [SEP], which is built here."""
    out = []
    for text in texts:
        tokens = tokenizer.tokenize(" ".join(text.split()))
        if not tokens:
            out.append([tokenizer.cls_token_id, tokenizer.sep_token_id])
            continue
        ids = [tokenizer.cls_token_id] + tokenizer.convert_tokens_to_ids(tokens) + [tokenizer.sep_token_id]
        out.append(ids[:511] + [tokenizer.sep_token_id] if len(ids) > 512 else ids)
    return out


class _LocalConfig:
    def __init__(self, auto_config, folder: Path):
        self.auto_config, self.folder = auto_config, folder

    def from_pretrained(self, *_args, **_kwargs):
        return self.auto_config.from_pretrained(str(self.folder), local_files_only=True)


_LOAD_LOCK = threading.Lock()
_LABELERS: dict[tuple[str, str, str], _Labeler] = {}
_OUTPUTS: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}   # (model key, text sha) -> (emb, classes)
_MAX_CACHED = 200_000


def run(texts: Sequence[str], *, checkpoint: Path, bert_folder: Path, device: str = "auto", batch_size: int = 18,
        progress: Progress | None = None) -> CheXbertOutput:
    """CheXbert on each text (each distinct text once per process), in input order."""
    resolved = devices.resolve(device)
    model_key = models.model_sha256(checkpoint, models.MODELS["chexbert"]) + resolved
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    todo = list(dict.fromkeys(i for i, k in enumerate(keys) if (model_key, k) not in _OUTPUTS))
    todo = list({keys[i]: i for i in todo}.values())   # one index per distinct text
    if todo:
        labeler_key = (str(checkpoint), str(bert_folder), resolved)
        if labeler_key not in _LABELERS:
            _LABELERS[labeler_key] = _Labeler(checkpoint, bert_folder, resolved)
        out = _LABELERS[labeler_key].run([texts[i] for i in todo], batch_size, progress)
        if len(_OUTPUTS) + len(todo) > _MAX_CACHED:
            _OUTPUTS.clear()
        for row, i in enumerate(todo):
            _OUTPUTS[(model_key, keys[i])] = (out.embeddings[row], out.classes[row])
    if progress:
        progress(len(texts) - len(todo))
    pairs = [_OUTPUTS[(model_key, k)] for k in keys]
    hidden = pairs[0][0].shape[0] if pairs else 0
    return CheXbertOutput(np.stack([p[0] for p in pairs]) if pairs else np.zeros((0, hidden), np.float32),
                          np.stack([p[1] for p in pairs]) if pairs else np.zeros((0, len(HEADS)), np.int64))


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine in float32, as CXR-Report-Metric's add_semb_col: (a*b).sum() / (|a| |b|)."""
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    return (a32 * b32).sum(axis=1) / (np.linalg.norm(a32, axis=1) * np.linalg.norm(b32, axis=1))

