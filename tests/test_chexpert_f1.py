"""chexpert_f1: CheXpert-label F1 of predictions vs references (micro / macro / example, 14 / 5 labels)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rexbench import registry
from rexbench.errors import MetricError, UnknownMetric

SHARED = Path(__file__).resolve().parents[2] / "shared"
PAIRS = SHARED / "data" / "public_reports" / "pairs.jsonl"

# Labels by reading the reports (uncertain marked ?):
#   ref  1 {Cardiomegaly, Pleural Effusion}   pred 1 {Cardiomegaly}            (pred effusion negated)
#   ref  2 {No Finding}                         pred 2 {No Finding}
#   ref  3 {Pneumonia?}                         pred 3 {Pneumonia}
#   ref  4 {No Finding}  (CM-, PX-)             pred 4 {Pneumothorax}
REFS = ["Stable cardiomegaly. Small left pleural effusion.", "No acute cardiopulmonary process.",
        "Possible right lower lobe pneumonia.", "Heart size is normal. No pneumothorax."]
PREDS = ["Mild cardiomegaly. No pleural effusion.", "No acute cardiopulmonary process.",
         "Right lower lobe pneumonia.", "Small right pneumothorax."]

ALL_SPECS = [f"chexpert_f1:label_set={s}:average={a}:uncertain={u}"
             for s in ("14", "5") for a in ("micro", "macro", "example") for u in ("positive", "negative")]


def test_defaults_and_spec():
    m = registry.load("chexpert_f1")
    assert (m.params.label_set, m.params.average, m.params.uncertain) == ("14", "micro", "positive")
    assert m.corpus_level and m.higher_is_better
    m = registry.load("chexpert_f1:average=macro:label_set=5")
    assert m.spec == "chexpert_f1:label_set=5:average=macro"
    fields = m.signature_fields()
    assert fields["labels"] == "5" and fields["avg"] == "macro" and fields["unc"] == "positive"
    assert fields["labeler"].startswith("rules:")


@pytest.mark.parametrize("spec,message", [
    ("chexpert_f1:label_set=13", "label_set='13' is not one of 14, 5"),
    ("chexpert_f1:average=weighted", "average='weighted' is not one of micro, macro, example"),
    ("chexpert_f1:uncertain=drop", "uncertain='drop' is not one of positive, negative"),
    ("chexpert_f1:labels=5", "has no parameter 'labels'"),
])
def test_bad_params_are_clear(spec, message):
    with pytest.raises(UnknownMetric, match=message.replace("(", r"\(")):
        registry.load(spec)


def test_integer_label_set_accepted():
    assert registry.metric_class("chexpert_f1")(label_set=5).params.label_set == "5"


@pytest.mark.parametrize("spec,score,per_study", [
    # micro: TP = CM, NF(2), PN -> 3; FP = PX -> 1; FN = PE, NF(4) -> 2; F1 = 6/9
    ("chexpert_f1", 6 / 9, [2 / 3, 1, 1, 0]),
    # macro over 14: CM 1, PN 1, NF 2/3, PE 0, PX 0, nine labels without positives 0
    ("chexpert_f1:average=macro", (1 + 1 + 2 / 3) / 14, [2 / 3, 1, 1, 0]),
    ("chexpert_f1:average=example", (2 / 3 + 1 + 1 + 0) / 4, [2 / 3, 1, 1, 0]),
    # 5 labels: only CM and PE; studies with no positives on either side score 1
    ("chexpert_f1:label_set=5", 2 / 3, [2 / 3, 1, 1, 1]),
    ("chexpert_f1:label_set=5:average=macro", 1 / 5, [2 / 3, 1, 1, 1]),
    ("chexpert_f1:label_set=5:average=example", 11 / 12, [2 / 3, 1, 1, 1]),
    # uncertain -> negative: reference pneumonia is no longer positive (prediction's is a FP)
    ("chexpert_f1:uncertain=negative", 4 / 8, [2 / 3, 1, 0, 0]),
    ("chexpert_f1:uncertain=negative:average=macro", (1 + 2 / 3) / 14, [2 / 3, 1, 0, 0]),
    ("chexpert_f1:uncertain=negative:average=example", 5 / 12, [2 / 3, 1, 0, 0]),
])
def test_hand_example(spec, score, per_study):
    out = registry.load(spec).compute(references=REFS, predictions=PREDS)
    assert out.score == pytest.approx(score, abs=1e-12)
    np.testing.assert_allclose(out.per_study, per_study, atol=1e-12)


def test_details_per_observation():
    out = registry.load("chexpert_f1").compute(references=REFS, predictions=PREDS)
    per = out.details["per_observation"]
    assert list(per) == list(registry.load("chexpert_f1").observations) and len(per) == 14
    assert per["Cardiomegaly"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1, "predicted": 1}
    assert per["Pleural Effusion"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    assert per["No Finding"]["precision"] == 1.0 and per["No Finding"]["recall"] == 0.5
    assert per["No Finding"]["f1"] == pytest.approx(2 / 3) and per["No Finding"]["support"] == 2
    assert per["Pneumothorax"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 1}
    assert out.details["micro_f1"] == pytest.approx(6 / 9)
    assert out.details["macro_f1"] == pytest.approx((8 / 3) / 14)
    assert out.details["example_f1"] == pytest.approx(2 / 3)
    json.dumps(out.details)   # JSON-serialisable for the site
    five = registry.load("chexpert_f1:label_set=5").compute(references=REFS, predictions=PREDS)
    assert list(five.details["per_observation"]) == ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema",
                                                     "Pleural Effusion"]
    np.testing.assert_allclose(out.components["label_agreement"], [13 / 14, 1, 1, 12 / 14])


SENTENCES = ["Stable cardiomegaly.", "Small left pleural effusion.", "No pleural effusion.", "Mild pulmonary edema.",
             "Possible right lower lobe pneumonia.", "No pneumothorax.", "Small right pneumothorax.",
             "Bibasilar atelectasis.", "Left lower lobe consolidation.", "No acute cardiopulmonary process.",
             "Right chest tube in place.", "Possible mild edema.", "Healed rib fracture.", "Lungs are clear.",
             "Enlarged cardiomediastinal silhouette.", "Patchy opacity in the right lung.", "Pleural thickening."]


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    """References of 1-3 sentences; each prediction keeps a reference sentence with p = 0.7 and adds a
    random one with p = 0.5, so scores land mid-range with every kind of disagreement."""
    rng = np.random.default_rng(seed)
    refs = [list(rng.choice(SENTENCES, size=int(rng.integers(1, 4)), replace=False)) for _ in range(n)]
    preds = [[x for x in r if rng.random() < 0.7] + ([str(rng.choice(SENTENCES))] if rng.random() < 0.5 else [])
             for r in refs]
    return [" ".join(r) for r in refs], [" ".join(p) for p in preds]


def _sklearn_f1(refs, preds, label_set: str, average: str, uncertain: str) -> float:
    """sklearn's f1_score on label matrices built here from the labeler's codes (not from the metric)."""
    from sklearn.metrics import f1_score

    from rexbench.labelers import FIVE_OBSERVATIONS, OBSERVATIONS, POSITIVE, UNCERTAIN, label

    cols = [OBSERVATIONS.index(o) for o in (OBSERVATIONS if label_set == "14" else FIVE_OBSERVATIONS)]
    codes = label(list(refs) + list(preds))[:, cols]
    positive = (codes == POSITIVE) | ((codes == UNCERTAIN) if uncertain == "positive" else False)
    y_true, y_pred = positive[:len(refs)].astype(int), positive[len(refs):].astype(int)
    if average == "example":      # rexbench: a study with no positive on either side scores 1 (zero_division=1)
        return float(f1_score(y_true, y_pred, average="samples", zero_division=1.0))
    return float(f1_score(y_true, y_pred, average=average, zero_division=0.0))


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_score_and_resampled_scores_equal_sklearn(spec):
    """Micro / macro / example (samples) F1 over 14 and 5 labels, both uncertain mappings, against
    sklearn.metrics.f1_score: on a 60-study corpus and on bootstrap resamples of it (which checks
    `aggregate` of summed statistics, the path every CI and test takes)."""
    m = registry.load(spec)
    p = m.params
    refs, preds = _corpus(60, seed=len(spec))
    out = m.compute(references=refs, predictions=preds)
    assert out.score == pytest.approx(_sklearn_f1(refs, preds, p.label_set, p.average, p.uncertain), abs=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(4):
        idx = rng.integers(0, 60, size=60)
        expected = _sklearn_f1([refs[i] for i in idx], [preds[i] for i in idx], p.label_set, p.average, p.uncertain)
        assert float(m.aggregate(out.stats[idx].sum(axis=0))) == pytest.approx(expected, abs=1e-12)
    assert 0.2 < out.score < 0.98                      # the corpus is neither trivial nor empty


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_vectorised_aggregate_equals_loop(spec):
    m = registry.load(spec)
    refs = REFS + ["Small bilateral effusions with bibasilar atelectasis.", "Mild pulmonary edema."]
    preds = PREDS + ["Bibasilar atelectasis. No effusion.", "Possible mild edema."]
    out = m.compute(references=refs, predictions=preds)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, len(refs), size=(25, len(refs)))
    summed = out.stats[idx].sum(axis=1)                                # (B, k)
    vec = m.aggregate(summed)
    assert vec.shape == (25,)
    loop = np.array([float(m.aggregate(row)) for row in summed])
    np.testing.assert_allclose(vec, loop, atol=0)
    # and each resample equals computing the metric on the resampled studies directly
    for b in range(3):
        direct = m.compute(references=[refs[i] for i in idx[b]], predictions=[preds[i] for i in idx[b]]).score
        assert vec[b] == pytest.approx(direct, abs=1e-12)
    assert m.aggregate(summed.reshape(5, 5, -1)).shape == (5, 5)


def test_micro_macro_match_an_independent_count():
    """Micro/macro from a plain loop over the label dictionaries (sklearn's zero_division=0 convention)."""
    from rexbench.labelers import label_report

    refs = REFS + ["Left lower lobe consolidation and effusion.", "Right chest tube. Small pneumothorax."]
    preds = PREDS + ["Possible left lower lobe consolidation.", "No pneumothorax. Chest tube in place."]
    for unc in ("positive", "negative"):
        pos = {"positive"} | ({"uncertain"} if unc == "positive" else set())
        obs = list(registry.load("chexpert_f1").observations)
        counts = {o: [0, 0, 0] for o in obs}
        for r, p in zip(refs, preds):
            lr, lp = label_report(r), label_report(p)
            for o in obs:
                g, h = lr[o] in pos, lp[o] in pos
                counts[o][0] += g and h
                counts[o][1] += h and not g
                counts[o][2] += g and not h
        tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
        micro = 2 * tp / (2 * tp + fp + fn)
        macro = sum((2 * a / (2 * a + b + c) if a + b + c else 0.0) for a, b, c in counts.values()) / len(obs)
        m_micro = registry.load(f"chexpert_f1:uncertain={unc}").compute(references=refs, predictions=preds)
        m_macro = registry.load(f"chexpert_f1:uncertain={unc}:average=macro").compute(references=refs, predictions=preds)
        assert m_micro.score == pytest.approx(micro, abs=1e-12)
        assert m_macro.score == pytest.approx(macro, abs=1e-12)


def test_identical_reports_score_one_and_no_positives_rule():
    m = registry.load("chexpert_f1:label_set=5:average=example")
    out = m.compute(references=["Lungs are clear."], predictions=["No acute process."])
    assert out.per_study.tolist() == [1.0]                               # both empty -> 1.0
    for spec in ("chexpert_f1:label_set=5", "chexpert_f1:label_set=5:average=macro"):
        out = registry.load(spec).compute(references=["Lungs are clear."], predictions=["No acute process."])
        assert out.score == 0.0                                          # no positives anywhere: 0, as sklearn
    out = registry.load("chexpert_f1").compute(references=REFS, predictions=REFS)
    assert out.score == 1.0 and out.per_study.tolist() == [1.0] * 4


def test_length_mismatch_is_an_error():
    with pytest.raises(MetricError):
        registry.load("chexpert_f1").compute(references=REFS, predictions=PREDS[:2])


@pytest.mark.shared
@pytest.mark.skipif(not PAIRS.is_file(), reason=f"{PAIRS} is absent")
def test_real_pairs_run_and_stay_in_range():
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    refs = [r["reference"] for r in rows]
    preds = [r["prediction"] for r in rows]
    for spec in ("chexpert_f1", "chexpert_f1:average=macro", "chexpert_f1:label_set=5:uncertain=negative"):
        m = registry.load(spec)
        out = m.compute(references=refs, predictions=preds)
        assert 0.0 < out.score < 1.0
        assert out.per_study.shape == (len(rows),) and ((out.per_study >= 0) & (out.per_study <= 1)).all()
        assert float(m.aggregate(out.stats.sum(0))) == pytest.approx(out.score)


# ---- cases found by mutation testing (`make mutation`) ----------------------------------------------

def _details_against_sklearn(refs, preds):
    from sklearn.metrics import precision_recall_fscore_support

    from rexbench.labelers import OBSERVATIONS, POSITIVE, UNCERTAIN, label

    out = registry.load("chexpert_f1").compute(references=refs, predictions=preds)
    codes = label(refs + preds)
    positive = ((codes == POSITIVE) | (codes == UNCERTAIN)).astype(int)
    y_true, y_pred = positive[:len(refs)], positive[len(refs):]
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0.0)
    per = out.details["per_observation"]
    for j, obs in enumerate(OBSERVATIONS):
        assert per[obs]["precision"] == pytest.approx(p[j], abs=1e-12), obs
        assert per[obs]["recall"] == pytest.approx(r[j], abs=1e-12), obs
        assert per[obs]["f1"] == pytest.approx(f[j], abs=1e-12), obs
        assert per[obs]["support"] == support[j] and per[obs]["predicted"] == y_pred[:, j].sum(), obs
    assert out.details["label_set"] == list(OBSERVATIONS) and out.details["uncertain"] == "positive"
    return per


def test_per_observation_details_equal_sklearn():
    """precision / recall / F1 / support / predicted per label against sklearn's per-label values
    (zero_division=0): on a random corpus, and on one made so that tp == fp (Pneumothorax),
    fn == 2 tp + fp (Edema), fp == 2 tp + fn (Atelectasis), and labels nobody has."""
    _details_against_sklearn(*_corpus(60, seed=11))
    clear, ptx, edema, atel = ("Lungs are clear.", "Small right pneumothorax.", "Mild pulmonary edema.",
                               "Bibasilar atelectasis.")
    refs = [ptx, clear, edema, edema, edema, atel, clear, clear]
    preds = [ptx, ptx, edema, clear, clear, atel, atel, atel]
    per = _details_against_sklearn(refs, preds)
    assert per["Pneumothorax"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1,
                                   "predicted": 2}
    assert per["Edema"]["f1"] == 0.5 and per["Atelectasis"]["f1"] == 0.5
    assert per["Fracture"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 0}


def test_example_average_of_one_study_and_of_none():
    example = registry.load("chexpert_f1:average=example")
    assert float(example.aggregate([0.5, 1.0])) == 0.5                 # one study: its own F1
    out = example.compute(references=[], predictions=[])
    assert out.score == 0.0 and out.per_study.shape == (0,) and out.details["example_f1"] == 0.0


def test_progress_counts_the_studies():
    seen: list[int] = []
    registry.load("chexpert_f1").compute(references=REFS, predictions=PREDS, progress=seen.append)
    assert seen == [len(REFS)]


def test_signature_pins_the_labeler_rules_by_source_hash():
    import hashlib

    import rexbench.labelers as labelers

    h = hashlib.sha256()
    files = sorted(Path(labelers.__file__).parent.glob("*.py"))
    assert {p.name for p in files} >= {"__init__.py", "chexpert.py", "phrases.py"}
    for path in files:
        h.update(path.name.encode() + path.read_bytes())
    assert registry.load("chexpert_f1").environment() == {"labeler": f"rules:{h.hexdigest()[:12]}"}
