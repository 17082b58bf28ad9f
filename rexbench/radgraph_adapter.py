"""RadGraph through the upstream `radgraph` package (extra `rexbench[radgraph]`): annotations (entities,
relations) per report, and the two ways the field scores them.

* `combined_f1`: CXR-Report-Metric's RadCliQ input `radgraph_combined` = (entity F1 + relation F1) / 2,
  entities as {(tokens, label)}, relations as {(entity, entity, relation)} (its radgraph_evaluate_model.py),
  with the original RadGraph model.
* `reward`: RRG24's F1-RadGraph (radgraph.F1RadGraph): `radgraph.rewards.compute_reward` at reward level
  simple / partial / complete, 0 when either report is empty.

The model is `radgraph.RadGraph` itself. It reads `<model_cache_dir>/<model_type>/config.json`, whose
transformer is a hub id; rexbench gives it a private model dir whose config.json names the local copy of
that transformer (only its config and tokenizer are read: `weights.th` holds every weight), with the
archive's weights and vocabulary linked in, and runs it with the hub switched off: nothing downloads.
Under transformers 5 two tokenizer methods its vendored allennlp calls are restored for the duration
(`transformers4_tokenizers`).
Annotations are cached per process by (weights sha256, model type, text), so radgraph_combined and the
radgraph_f1 variants on the same texts run the model once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import device as devices
from . import model_packages as packages
from . import models
from .errors import MetricError, MetricNotReady
from .io import atomic_write_json
from .metric import Progress
from .paths import cache_dir

EXTRA = "radgraph"
MODEL_TYPES = ("radgraph", "radgraph-xl")
REWARD_LEVELS = ("simple", "partial", "complete")


def transformer_name(model_folder: Path, model_type: str) -> str:
    config = json.loads((model_folder / model_type / "config.json").read_text(encoding="utf-8"))
    try:
        return config["model"]["embedder"]["token_embedders"]["bert"]["model_name"]
    except (KeyError, TypeError):
        raise MetricError(f"{model_folder / model_type / 'config.json'} names no transformer "
                          f"(model.embedder.token_embedders.bert.model_name)") from None


def readiness(model: str, model_type: str, metric: str) -> str | None:
    problem = packages.readiness(metric, EXTRA, ("radgraph",), {model_type: model})
    if problem:
        return problem
    folder = models.locate(model, model_type)
    assert folder is not None
    name = transformer_name(folder, model_type)
    if models.locate(name, "bert-base-uncased") is None:
        return (f"{metric}: {model_type}'s transformer {name} (config.json and tokenizer files) is not on this "
                f"machine; looked in {'; '.join(models.search_locations(name))}: run "
                f"`rexbench models fetch {model_type}` with a network")
    return None


def environment(model: str, model_type: str) -> dict[str, str]:
    """sha256 of weights.th (w.<model_type>) and of the transformer's config + tokenizer, package versions."""
    env = packages.environment(("radgraph", "torch", "transformers"), {model_type: model})
    folder = models.locate(model, model_type)
    if folder is not None:
        local = models.locate(transformer_name(folder, model_type), "bert-base-uncased")
        env["tok"] = models.tokenizer_sha256(local)[:16] if local else "absent"
    return env


@contextlib.contextmanager
def hub_offline() -> Iterator[None]:
    """No hub requests while the upstream code runs (it would otherwise try before reading the cache)."""
    import huggingface_hub.constants as hub

    saved = (os.environ.get("HF_HUB_OFFLINE"), hub.HF_HUB_OFFLINE)
    os.environ["HF_HUB_OFFLINE"] = "1"
    hub.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        hub.HF_HUB_OFFLINE = saved[1]
        if saved[0] is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved[0]


@contextlib.contextmanager
def transformers4_tokenizers() -> Iterator[None]:
    """radgraph 0.1.18's vendored allennlp calls `encode_plus` and `build_inputs_with_special_tokens`, which
    transformers 5 removed. While the upstream code runs, give tokenizers that lack them the transformers-4
    behaviour: `encode_plus(...)` is `tokenizer(...)` for one text or a pair (same ids, type ids,
    offsets), and special tokens are BERT's [CLS] a [SEP] (b [SEP]) (RadGraph's transformers are BERTs)."""
    from transformers.tokenization_utils_base import PreTrainedTokenizerBase as Base

    added = []
    if not hasattr(Base, "encode_plus"):
        Base.encode_plus = lambda self, *args, **kwargs: self(*args, **kwargs)
        added.append("encode_plus")
    if not hasattr(Base, "build_inputs_with_special_tokens"):
        def build(self, ids_a, ids_b=None):
            if self.cls_token_id is None or self.sep_token_id is None:
                raise MetricError(f"{type(self).__name__} has no [CLS]/[SEP]: not a BERT tokenizer")
            out = [self.cls_token_id] + list(ids_a) + [self.sep_token_id]
            return out + list(ids_b) + [self.sep_token_id] if ids_b is not None else out
        Base.build_inputs_with_special_tokens = build
        added.append("build_inputs_with_special_tokens")
    try:
        yield
    finally:
        for name in added:
            delattr(Base, name)


def private_model_dir(folder: Path, model_type: str) -> Path:
    """`<cache>/radgraph/<weights sha>/<model_type>/` as radgraph.RadGraph reads it, config pointing at the
    local transformer folder."""
    spec = models.MODELS[model_type]
    local = models.locate(transformer_name(folder, model_type), "bert-base-uncased")
    assert local is not None
    root = cache_dir() / "radgraph" / (models.model_sha256(folder, spec)[:16] + "-" +
                                       hashlib.sha256(str(local).encode()).hexdigest()[:8])
    target = root / model_type
    target.mkdir(parents=True, exist_ok=True)
    config = json.loads((folder / model_type / "config.json").read_text(encoding="utf-8"))
    config["dataset_reader"]["token_indexers"]["bert"]["model_name"] = str(local)
    config["model"]["embedder"]["token_embedders"]["bert"]["model_name"] = str(local)
    atomic_write_json(target / "config.json", config)
    for name in ("weights.th", "vocabulary"):
        link = target / name
        if not link.exists():
            link.symlink_to((folder / model_type / name).resolve())
    return root


_MODELS: dict[tuple[str, str, str], Any] = {}
_ANNOTATIONS: dict[tuple[str, str], dict] = {}
_MAX_CACHED = 200_000


def annotate(texts: Sequence[str], *, folder: Path, model_type: str, device: str = "auto", batch_size: int = 16,
             progress: Progress | None = None) -> list[dict]:
    """radgraph.RadGraph's annotation of each text ({"entities": {id: {tokens, label, relations}}}),
    each distinct text once per process."""
    resolved = devices.resolve(device)
    model_key = models.model_sha256(folder, models.MODELS[model_type]) + model_type
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    todo = list({k: i for i, k in reversed(list(enumerate(keys))) if (model_key, k) not in _ANNOTATIONS}.values())
    todo.sort()
    if todo:
        model = _model(folder, model_type, resolved)
        if len(_ANNOTATIONS) + len(todo) > _MAX_CACHED:
            _ANNOTATIONS.clear()
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            with hub_offline(), transformers4_tokenizers(), contextlib.redirect_stdout(sys.stderr):
                result = model([texts[i] for i in chunk])
            for j, i in enumerate(chunk):
                if str(j) not in result:   # radgraph's postprocessing skips a failed report with a print
                    raise MetricError(f"radgraph failed to annotate text {i} ({texts[i][:40]!r}...)")
                _ANNOTATIONS[(model_key, keys[i])] = result[str(j)]
            if progress:
                progress(len(chunk))
    if progress:
        progress(len(texts) - len(todo))
    return [_ANNOTATIONS[(model_key, k)] for k in keys]


def _model(folder: Path, model_type: str, device: str):
    key = (str(folder), model_type, device)
    if key not in _MODELS:
        from radgraph import RadGraph

        cuda = -1 if device == "cpu" else int(device.split(":")[1])
        with hub_offline(), transformers4_tokenizers(), contextlib.redirect_stdout(sys.stderr):
            _MODELS[key] = RadGraph(model_type=model_type, model_cache_dir=str(private_model_dir(folder, model_type)),
                                    cuda=cuda)
    return _MODELS[key]


# ---- scoring -------------------------------------------------------------------------------------

def entities_relations(annotation: dict) -> tuple[set, set]:
    """CXR-Report-Metric's parse_entity_relation for one report."""
    ents = annotation["entities"]
    entities = {(e["tokens"], e["label"]) for e in ents.values()}
    relations = {((e["tokens"], e["label"]), (ents[r[1]]["tokens"], ents[r[1]]["label"]), r[0])
                 for e in ents.values() for r in e["relations"]}
    return entities, relations


def set_f1(test: set, retrieved: set) -> float:
    """CXR-Report-Metric's compute_f1 (0 when either side is empty)."""
    tp = len(test & retrieved)
    precision = tp / len(retrieved) if retrieved else 0.0
    recall = tp / len(test) if test else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def combined_f1(reference: dict, prediction: dict) -> tuple[float, float]:
    """(entity F1, relation F1) of a prediction's annotation against its reference's."""
    ref_e, ref_r = entities_relations(reference)
    hyp_e, hyp_r = entities_relations(prediction)
    return set_f1(ref_e, hyp_e), set_f1(ref_r, hyp_r)


def reward(reference_text: str, prediction_text: str, reference: dict, prediction: dict, level: str) -> float:
    """radgraph.F1RadGraph's per-report reward (0 when either report is empty)."""
    from radgraph.rewards import compute_reward

    if not prediction_text or not reference_text:
        return 0.0
    return float(compute_reward(prediction, reference, level))


def locate(model: str, model_type: str, metric: str) -> Path:
    """The model folder (holding <model_type>/), or MetricNotReady saying what is missing."""
    problem = readiness(model, model_type, metric)
    if problem:
        raise MetricNotReady(problem)
    folder = models.locate(model, model_type)
    assert folder is not None
    return folder

