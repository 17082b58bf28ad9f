"""Write metrics/<name>/cases.json for the lexical metrics, with expected values from the REFERENCE
tools (sacrebleu, nltk, rouge_score) called directly, never from rexbench's own code.

    python tools/make_cases.py        # rewrite the four cases.json files
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PAIRS = [
    ("The lungs are clear. No pleural effusion or pneumothorax.", "Lungs are clear. No effusion or pneumothorax."),
    ("Moderate cardiomegaly with small bilateral pleural effusions.", "Mild cardiomegaly. Small left pleural effusion."),
    ("A 1.2 cm nodule in the right upper lobe.", "1.2 cm right upper lobe nodule, unchanged."),
    ("Right IJ catheter tip terminates in the SVC.", "Right internal jugular line tip in the superior vena cava."),
    ("No acute cardiopulmonary process.", "No acute cardiopulmonary process."),
    ("Épanchement pleural gauche — small left effusion, unchanged since 03/2024.", "Small left effusion, unchanged."),
    ("Heart size is normal.", "..."),
    ("Possible early pneumonia in the left lower lobe versus atelectasis.", ""),
]
EDGE = {6: "punctuation-only prediction", 7: "empty prediction", 5: "non-ASCII text", 2: "numbers like 1.2 cm"}


def _cases(name: str, params: dict, per_study, score, source: str, tol: float = 1e-9) -> dict:
    refs = [r for r, _ in PAIRS]
    hyps = [h for _, h in PAIRS]
    return {"name": name, "params": params, "references": refs, "predictions": hyps,
            "expected": {"score": score, "per_study": per_study}, "tolerance": tol, "source": source}


def bleu_cases() -> list[dict]:
    import sacrebleu

    refs = [r for r, _ in PAIRS]
    hyps = [h for _, h in PAIRS]
    out = []
    for params, kw in (({}, {}), ({"lowercase": True}, {"lowercase": True})):
        corpus = sacrebleu.corpus_bleu(hyps, [refs], **kw).score / 100
        sent = [sacrebleu.sentence_bleu(h, [r], **kw).score / 100 for r, h in PAIRS]
        out.append(_cases(f"corpus BLEU-4 {params or 'default'}", params, sent, corpus,
                          f"sacrebleu {sacrebleu.__version__} corpus_bleu / sentence_bleu with {kw or 'defaults'}, divided by 100"))
    return out


def bleu2_cases() -> list[dict]:
    import nltk
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    tok = lambda t: [x for x in t.lower().replace(".", " .").split(" ") if x]
    sm = SmoothingFunction(epsilon=0.1).method1
    per = [float(sentence_bleu([tok(r)], tok(h), weights=(0.5, 0.5), smoothing_function=sm)) if tok(h) else 0.0
           for r, h in PAIRS]
    return [_cases("ReXrank BLEU-2", {}, per, sum(per) / len(per),
                   f"nltk {nltk.__version__} sentence_bleu(weights=(0.5, 0.5), SmoothingFunction(epsilon=0.1).method1) "
                   "on CXR-Report-Metric tokens; empty side -> 0 as fast_bleu")]


def rouge_cases() -> list[dict]:
    from rouge_score import rouge_scorer

    out = []
    for rtype, stem in (("rougeL", False), ("rouge1", False), ("rouge2", True), ("rougeLsum", False)):
        scorer = rouge_scorer.RougeScorer([rtype], use_stemmer=stem)
        per = [scorer.score(r, h)[rtype].fmeasure for r, h in PAIRS]
        params = {"rouge_type": rtype, "use_stemmer": stem}
        out.append(_cases(f"{rtype} stem={stem}", params, per, sum(per) / len(per),
                          f"rouge_score 0.1.2 RougeScorer([{rtype!r}], use_stemmer={stem}).score(ref, hyp).fmeasure"))
    return out


def meteor_cases() -> list[dict]:
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.translate.meteor_score import single_meteor_score

    from rexbench.nltk_resources import nltk_data_dir, wordnet_dir, write_punkt_tab

    with tempfile.TemporaryDirectory() as tmp:
        write_punkt_tab(Path(tmp))   # nltk's own word_tokenize reads these files
        nltk.data.path[:0] = [tmp, str(nltk_data_dir())]
        wn = WordNetCorpusReader(str(wordnet_dir()), None)
        per = [single_meteor_score(nltk.word_tokenize(r), nltk.word_tokenize(h), wordnet=wn) for r, h in PAIRS]
    return [_cases("METEOR (HF evaluate recipe)", {}, per, sum(per) / len(per),
                   f"nltk {nltk.__version__} single_meteor_score(word_tokenize(ref), word_tokenize(hyp)), WordNet 3.0, "
                   "alpha 0.9, beta 3, gamma 0.5")]


def main() -> None:
    for name, make in (("bleu", bleu_cases), ("bleu2_rexrank", bleu2_cases), ("rouge_l", rouge_cases),
                       ("meteor", meteor_cases)):
        doc = {"metric": name, "version": 1, "edge_cases": {str(k): v for k, v in EDGE.items()}, "cases": make()}
        (ROOT / "metrics" / name / "cases.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote metrics/{name}/cases.json")


if __name__ == "__main__":
    main()
