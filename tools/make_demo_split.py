#!/usr/bin/env python3
"""Write rexbench's SYNTHETIC demo split, in the ReXGradient-160K metadata layout.

Every report, identifier, date and image path here is made up by this template generator from
phrase banks written for rexbench: no real patient text, no text copied from any dataset.
The split exists so that the demo and the tests exercise the same loader as real ReXGradient data.

    python tools/make_demo_split.py            # writes rexbench/data/demo/
    python tools/make_demo_split.py --out DIR  # somewhere else
    python tools/make_demo_split.py --check    # regenerate in memory, compare byte for byte

Deterministic: stdlib only (random, json, csv), one fixed seed; re-running writes byte-identical files.

Layout written (mirrors a local ReXGradient-160K copy):
    README.md, LICENSE
    metadata/{train,valid,test}_metadata.csv                one row per study
    metadata/{train,valid,test}_metadata.json               object keyed by study id (bare NaN tokens)
    metadata/{train,valid,test}_metadata_view_position.json same, with cleaner per-image view labels
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import math
import random
import sys
from pathlib import Path

SEED = 160_2025
SPLITS = (("train", 2500), ("valid", 200), ("test", 400))
GENERATOR_VERSION = "1"

NAN = float("nan")

OBSERVATIONS = (
    "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Lesion", "Lung Opacity", "Edema",
    "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other",
    "Fracture", "Support Devices",
)

COLUMNS = (
    "id", "PatientID", "AccessionNumber", "StudyInstanceUid", "StudyDate", "PatientSex", "PatientAge",
    "EthnicGroup", "Manufacturer", "Indication", "Comparison", "Findings", "Impression",
    "ImagePath", "ImageViewPosition", "ImageShape", "ImageModality", "ImageBodyPart",
)

UID_ROOT = "1.2.826.0.1.3680043.8.498."

# --------------------------------------------------------------------------------------------
# small helpers


def cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def wchoice(rng: random.Random, pairs):
    """Weighted choice over [(value, weight), ...]; deterministic for a given rng state."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    acc = 0.0
    for value, w in pairs:
        acc += w
        if x < acc:
            return value
    return pairs[-1][0]


def words(s) -> int:
    return len(s.split()) if isinstance(s, str) else 0


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def fmt_date(d: dt.date, style: int) -> str:
    if style == 0:
        return d.strftime("%m/%d/%Y")
    if style == 1:
        return d.strftime("%Y-%m-%d")
    return f"{d.month}/{d.day}/{d.year}"


OTHER = {"right": "left", "left": "right"}

LOBES = ["right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe", "lingula",
         "left lower lobe"]
ZONES = {
    "right": ["right lower lobe", "right base", "right middle lobe", "right upper lobe", "right mid lung",
              "right lung base", "right perihilar region"],
    "left": ["left lower lobe", "left base", "lingula", "left upper lobe", "left mid lung", "left lung base",
             "retrocardiac left lower lobe"],
    "bilateral": ["bilateral lower lobes", "lung bases bilaterally", "both lung bases", "bilateral perihilar regions"],
}
LESION_LOCS = {
    "right": ["right upper lobe", "right middle lobe", "right lower lobe", "right mid lung", "right lung apex"],
    "left": ["left upper lobe", "lingula", "left lower lobe", "left mid lung", "left lung apex"],
}
_ADJ = {"right base": "right basilar", "left base": "left basilar", "right lung base": "right basilar",
        "left lung base": "left basilar", "lung bases bilaterally": "bibasilar", "both lung bases": "bibasilar",
        "bilateral lower lobes": "bilateral lower lobe", "bilateral perihilar regions": "bilateral perihilar",
        "right perihilar region": "right perihilar", "right lung apex": "right apical", "left lung apex": "left apical"}


def at(loc: str) -> str:
    """Prepositional phrase for a location: 'in the right lower lobe', 'at the left base'."""
    if loc == "lung bases bilaterally":
        return "at the lung bases bilaterally"
    if loc == "both lung bases":
        return "at both lung bases"
    return f"at the {loc}" if "base" in loc else f"in the {loc}"


def adj(loc: str) -> str:
    """Adjectival form for impressions: 'right basilar', 'left upper lobe'."""
    return _ADJ.get(loc, loc)


BASES = {"right": "right basilar", "left": "left basilar", "bilateral": "bibasilar"}


def pick_side(rng, p_bilateral=0.25):
    r = rng.random()
    if r < p_bilateral:
        return "bilateral"
    return "right" if r < p_bilateral + (1 - p_bilateral) * 0.55 else "left"


# --------------------------------------------------------------------------------------------
# temporal change (only when the Comparison names a prior study)

CH_F = {
    "new": [", new since the prior study", ", new compared to the prior exam", ", which is new"],
    "stable": [", stable compared to prior", ", unchanged from the prior exam", ", similar to the prior study"],
    "increased": [", increased since the prior study", ", slightly larger than on the prior exam"],
    "decreased": [", decreased since the prior study", ", smaller than on the prior exam"],
    "improved": [", with interval improvement", ", improved compared to prior"],
    "worse": [", worse than on the prior exam", ", with interval worsening"],
}
CH_I = {
    "new": ["New {}"],
    "stable": ["Stable {}", "Unchanged {}", "{} is stable"],
    "increased": ["Interval increase in {}", "Increasing {}"],
    "decreased": ["Interval decrease in {}", "Decreasing {}"],
    "improved": ["Improving {}", "Interval improvement in {}"],
    "worse": ["Worsening {}", "Interval worsening of {}"],
}


def pick_change(rng, ctx, options, p_none=0.3):
    if not ctx["prior"] or rng.random() < p_none:
        return None
    return rng.choice(options)


class Item:
    """One sampled abnormality: its findings sentence(s), its impression sentence, its labels."""

    def __init__(self, component, f, i, labels, minor=False, priority=5, recommend=None):
        self.component = component
        self.f = f
        self.i = i
        self.labels = labels  # {observation: "pos" | "unc"}
        self.minor = minor
        self.priority = priority
        self.recommend = recommend


def np_item(rng, component, np_f, np_i, change, labels, **kw):
    """Build an Item from noun phrases, folding in the temporal change."""
    f = cap(np_f) + (rng.choice(CH_F[change]) if change else "") + "."
    if change:
        tmpl = rng.choice(CH_I[change])
        i = cap(tmpl.format(cap(np_i) if tmpl.startswith("{}") else np_i)) + "."
    else:
        i = cap(np_i) + "."
    return Item(component, f, i, labels, **kw)


# --------------------------------------------------------------------------------------------
# renderers, one per kind of abnormality. Each returns an Item.


def r_effusion(rng, ctx, unc=False):
    side = pick_side(rng, 0.4)
    if unc:
        s = "bilateral" if side == "bilateral" else side
        angle = "costophrenic angles" if side == "bilateral" else "costophrenic angle"
        v = rng.randrange(3)
        if v == 0:
            f = f"Blunting of the {s} {angle}, which may represent a small effusion or pleural thickening."
            labels = {"Pleural Effusion": "unc", "Pleural Other": "unc"}
        elif v == 1:
            f = (f"A small {s} pleural effusion cannot be excluded." if side != "bilateral"
                 else "Small bilateral pleural effusions cannot be excluded.")
            labels = {"Pleural Effusion": "unc"}
        else:
            f = f"Possible trace {s} pleural {'effusions' if side == 'bilateral' else 'effusion'}."
            labels = {"Pleural Effusion": "unc"}
        i = rng.choice([f"Possible small {s} pleural {'effusions' if side == 'bilateral' else 'effusion'}.",
                        f"Questionable trace {s} pleural fluid."])
        return Item("pleura", f, i, labels, minor=True, priority=6)
    sev = wchoice(rng, [("trace", 0.08), ("small", 0.45), ("moderate", 0.3), ("large", 0.17)])
    labels = {"Pleural Effusion": "pos"}
    if side == "bilateral":
        r = rng.random()
        if r < 0.5:
            np_f = np_i = f"{sev} bilateral pleural effusions"
        elif r < 0.8:
            big = rng.choice(["right", "left"])
            np_f = f"{sev} bilateral pleural effusions, {big} greater than {OTHER[big]}"
            np_i = f"bilateral pleural effusions, {big} greater than {OTHER[big]}"
        else:
            np_f = "bilateral pleural effusions, small on the right and moderate on the left"
            np_i = "bilateral pleural effusions"
    else:
        np_f = np_i = f"{sev} {side} pleural effusion"
        if ctx["ap"] and rng.random() < 0.3:
            np_f += " layering posteriorly"
    if rng.random() < 0.25:
        np_f += " with adjacent compressive atelectasis"
        labels["Atelectasis"] = "pos"
        if rng.random() < 0.5:
            np_i += " with adjacent atelectasis"
    change = pick_change(rng, ctx, ["new", "stable", "increased", "decreased", "stable"])
    return np_item(rng, "pleura", np_f, np_i, change, labels, priority=3)


def r_ptx(rng, ctx, unc=False):
    side = "right" if rng.random() < 0.55 else "left"
    if unc:
        f = rng.choice([f"Possible tiny {side} apical pneumothorax.",
                        f"A tiny {side} apical pneumothorax cannot be excluded.",
                        f"Faint pleural line at the {side} apex may represent a small pneumothorax versus skin fold."])
        i = rng.choice([f"Possible tiny {side} apical pneumothorax; consider repeat radiograph.",
                        f"Cannot exclude a tiny {side} apical pneumothorax. Recommend follow-up radiograph.",
                        f"Questionable small {side} pneumothorax versus skin fold."])
        return Item("pleura", f, i, {"Pneumothorax": "unc"}, priority=1)
    size = wchoice(rng, [("tiny", 0.2), ("small", 0.45), ("moderate", 0.22), ("large", 0.13)])
    loc = wchoice(rng, [("apical ", 0.5), ("apicolateral ", 0.15), ("basilar ", 0.05), ("", 0.3)])
    np_f = f"{size} {side} {loc}pneumothorax"
    if rng.random() < 0.35:
        np_f += f" measuring {rng.randint(4, 45) / 10:.1f} cm"
    np_i = f"{size} {side} pneumothorax"
    change = pick_change(rng, ctx, ["new", "stable", "decreased", "increased", "decreased"])
    it = np_item(rng, "pleura", np_f, np_i, change, {"Pneumothorax": "pos"}, priority=0)
    if size == "large" and change in (None, "new", "increased") and rng.random() < 0.5:
        it.f += f" There is mild shift of the mediastinum to the {OTHER[side]}."
        it.i = it.i[:-1] + ", with mediastinal shift concerning for tension physiology."
        it.recommend = "Critical result communicated to the ordering provider at the time of interpretation."
    elif change is None and rng.random() < 0.3:
        it.recommend = "Recommend follow-up radiograph."
    return it


def r_consolidation(rng, ctx, unc=False):
    side = pick_side(rng, 0.15)
    if unc:
        base = BASES[side]
        f = rng.choice([f"{cap(base)} opacity may represent atelectasis versus consolidation.",
                        f"Increased density at the {side if side != 'bilateral' else 'lung'} base{'s' if side == 'bilateral' else ''}, atelectasis versus consolidation."])
        i = rng.choice([f"{cap(base)} opacity, atelectasis versus consolidation.",
                        f"{cap(base)} opacity which may reflect atelectasis or consolidation."])
        return Item("lungs", f, i, {"Lung Opacity": "pos", "Atelectasis": "unc", "Consolidation": "unc"}, priority=3)
    loc = rng.choice(ZONES[side])
    kind = rng.choice(["focal consolidation", "dense consolidation", "airspace consolidation",
                       "patchy consolidation", "confluent consolidation"])
    np_f = f"{kind} {at(loc)}"
    if rng.random() < 0.2:
        np_f += " with air bronchograms"
    if rng.random() < 0.3:
        np_f += rng.choice([" without associated effusion", " without pleural effusion"])
    np_i = f"{adj(loc)} consolidation"
    change = pick_change(rng, ctx, ["new", "improved", "worse", "stable"])
    return np_item(rng, "lungs", np_f, np_i, change, {"Consolidation": "pos"}, priority=2)


def r_pneumonia(rng, ctx, unc=False):
    side = pick_side(rng, 0.2)
    loc = rng.choice(ZONES[side])
    if ctx["peds"] and rng.random() < 0.5:
        f = rng.choice(["Bilateral peribronchial thickening and perihilar opacities.",
                        "Increased perihilar markings with peribronchial cuffing.",
                        "Patchy bilateral perihilar opacities with peribronchial thickening."])
        i = rng.choice(["Findings may represent viral pneumonia or reactive airways disease.",
                        "Peribronchial thickening, which can be seen with viral infection or reactive airways disease. No focal consolidation."])
        return Item("lungs", f, i, {"Lung Opacity": "pos", "Pneumonia": "unc"}, priority=2)
    if unc:
        v = rng.randrange(4)
        if v == 0:
            f = f"Subtle opacity {at(loc)}."
            i = f"Subtle {adj(loc)} opacity, possible early pneumonia."
            labels = {"Lung Opacity": "pos", "Pneumonia": "unc"}
        elif v == 1:
            f = f"Patchy opacity {at(loc)}, which may represent atelectasis or pneumonia."
            i = f"{cap(adj(loc))} opacity, atelectasis versus pneumonia."
            labels = {"Lung Opacity": "pos", "Pneumonia": "unc", "Atelectasis": "unc"}
        elif v == 2:
            f = f"Streaky opacity {at(loc)}."
            i = f"Cannot exclude early pneumonia {at(loc)}."
            labels = {"Lung Opacity": "pos", "Pneumonia": "unc"}
        else:
            f = f"Ill-defined airspace opacity {at(loc)} is suspicious for pneumonia."
            i = f"{cap(adj(loc))} airspace opacity suspicious for pneumonia in the appropriate clinical setting."
            labels = {"Lung Opacity": "pos", "Pneumonia": "unc"}
        return Item("lungs", f, i, labels, priority=2)
    v = rng.randrange(4)
    change = pick_change(rng, ctx, ["new", "improved", "worse", "stable", "improved"])
    if v == 0:
        np_f = f"airspace consolidation {at(loc)}, consistent with pneumonia"
        labels = {"Consolidation": "pos", "Pneumonia": "pos"}
    elif v == 1:
        np_f = f"patchy airspace opacity {at(loc)} compatible with pneumonia"
        labels = {"Lung Opacity": "pos", "Pneumonia": "pos"}
    elif v == 2:
        np_f = f"focal opacity {at(loc)} consistent with pneumonia"
        labels = {"Lung Opacity": "pos", "Pneumonia": "pos"}
    else:
        if side == "bilateral":
            np_f = "multifocal patchy airspace opacities in both lungs, compatible with multifocal pneumonia"
        else:
            np_f = f"multifocal airspace opacities in the {side} lung consistent with pneumonia"
        labels = {"Lung Opacity": "pos", "Pneumonia": "pos"}
    np_i = "multifocal pneumonia" if v == 3 and side == "bilateral" else f"{adj(loc)} pneumonia"
    it = np_item(rng, "lungs", np_f, np_i, change, labels, priority=1)
    if change is None and rng.random() < 0.3:
        it.recommend = "Recommend follow-up radiographs after treatment to document resolution."
    return it


def r_atelectasis(rng, ctx, unc=False):
    side = pick_side(rng, 0.4)
    base = BASES[side]
    if unc:
        f = rng.choice([f"Streaky {base} opacities likely reflect atelectasis.",
                        f"Linear opacity at the {side if side != 'bilateral' else 'lung'} base{'s' if side == 'bilateral' else ''} likely represents atelectasis or scarring.",
                        f"Mild {base} opacity may represent atelectasis."])
        i = rng.choice([f"{cap(base)} opacity, likely atelectasis.", f"Likely {base} atelectasis.",
                        f"{cap(base)} opacities, which may represent atelectasis."])
        return Item("lungs", f, i, {"Lung Opacity": "pos", "Atelectasis": "unc"}, minor=True, priority=7)
    kind = rng.choice(["mild", "linear", "subsegmental", "plate-like", "minimal", "dependent"])
    if side == "bilateral":
        np_f = rng.choice([f"{kind} bibasilar atelectasis", f"{kind} atelectasis at both lung bases"])
        np_i = "bibasilar atelectasis"
    elif rng.random() < 0.12:
        lobe = "left lower lobe" if side == "left" else rng.choice(["right lower lobe", "right middle lobe"])
        np_f = f"volume loss and opacification of the {lobe}, consistent with {lobe} collapse"
        np_i = f"{lobe} collapse"
    else:
        np_f = f"{kind} atelectasis at the {side} base"
        np_i = f"{base} atelectasis"
    change = pick_change(rng, ctx, ["new", "improved", "stable", "worse"])
    return np_item(rng, "lungs", np_f, np_i, change, {"Atelectasis": "pos"}, minor=True, priority=7)


def r_opacity(rng, ctx, unc=False):
    side = pick_side(rng, 0.35)
    loc = rng.choice(ZONES[side])
    if unc and rng.random() < 0.35:
        f = rng.choice([f"Questionable faint opacity {at(loc)}, possibly overlapping soft tissue.",
                        f"Possible subtle opacity {at(loc)}."])
        i = rng.choice([f"Possible subtle {adj(loc)} opacity.", f"Questionable {adj(loc)} opacity, possibly artifactual."])
        return Item("lungs", f, i, {"Lung Opacity": "unc"}, priority=5)
    if unc:
        f = f"Hazy opacity {at(loc)}, which could represent atelectasis, aspiration, or infection."
        i = rng.choice([f"Nonspecific {adj(loc)} opacity; differential includes atelectasis, aspiration, or early pneumonia.",
                        f"Hazy {adj(loc)} opacity, atelectasis versus aspiration or infection."])
        return Item("lungs", f, i, {"Lung Opacity": "pos", "Atelectasis": "unc", "Pneumonia": "unc"}, priority=4)
    if side == "bilateral":
        np_f = rng.choice(["diffuse bilateral interstitial opacities", "bilateral reticular opacities at the lung bases",
                           "diffuse bilateral hazy airspace opacities", "patchy bilateral airspace opacities",
                           "coarse interstitial markings bilaterally"])
        np_i = rng.choice(["bilateral pulmonary opacities", "diffuse bilateral opacities", np_f])
    else:
        kind = rng.choice(["patchy opacity", "hazy opacity", "ill-defined opacity", "ground-glass opacity",
                           "increased interstitial opacity"])
        np_f = f"{kind} {at(loc)}"
        np_i = f"{adj(loc)} opacity"
    change = pick_change(rng, ctx, ["new", "improved", "worse", "stable"])
    it = np_item(rng, "lungs", np_f, np_i, change, {"Lung Opacity": "pos"}, priority=4)
    if ctx["scenario"] == "trauma" and side != "bilateral":
        it.i = it.i[:-1] + ", possibly pulmonary contusion."
        it.labels = {"Lung Opacity": "pos"}
    return it


def r_edema(rng, ctx, unc=False):
    if unc:
        f = rng.choice(["Indistinct pulmonary vasculature may reflect mild interstitial edema.",
                        "Prominent interstitial markings, possibly mild interstitial edema.",
                        "Possible mild pulmonary vascular congestion."])
        i = rng.choice(["Possible mild interstitial edema.", "Questionable mild pulmonary vascular congestion.",
                        "Findings may represent mild fluid overload."])
        return Item("lungs", f, i, {"Edema": "unc"}, priority=3)
    sev = wchoice(rng, [("mild", 0.5), ("moderate", 0.35), ("severe", 0.15)])
    v = rng.randrange(4)
    if v == 0:
        np_f = f"{sev} interstitial pulmonary edema"
        np_i = f"{sev} pulmonary edema"
    elif v == 1:
        np_f = f"{sev} pulmonary edema with perihilar haziness and Kerley B lines"
        np_i = f"{sev} pulmonary edema"
    elif v == 2:
        np_f = "pulmonary vascular congestion with mild interstitial edema"
        np_i = "pulmonary vascular congestion and mild interstitial edema"
    else:
        np_f = f"{sev} pulmonary vascular congestion and bilateral interstitial opacities compatible with edema"
        np_i = f"{sev} pulmonary edema"
    change = pick_change(rng, ctx, ["new", "improved", "worse", "stable", "improved"])
    it = np_item(rng, "lungs", np_f, np_i, change, {"Edema": "pos"}, priority=2)
    if ctx["scenario"] == "chf" and change is None and rng.random() < 0.35:
        it.i = it.i[:-1] + rng.choice([", consistent with CHF.", ", likely cardiogenic.", ", compatible with fluid overload."])
    return it


def r_cardiomegaly(rng, ctx, unc=False):
    if unc:
        f = rng.choice(["The cardiac silhouette may be mildly enlarged, although this is accentuated by AP technique.",
                        "Heart size is borderline enlarged.",
                        "Possible mild cardiomegaly, accentuated by low lung volumes."])
        i = rng.choice(["Possible mild cardiomegaly.", "Borderline cardiomegaly.",
                        "Heart size is likely upper limits of normal, accentuated by technique."])
        return Item("heart", f, i, {"Cardiomegaly": "unc"}, minor=True, priority=6)
    sev = wchoice(rng, [("mild", 0.5), ("moderate", 0.35), ("marked", 0.15)])
    change = pick_change(rng, ctx, ["stable", "stable", "increased"], p_none=0.4)
    if change is None and rng.random() < 0.5:
        adv = {"mild": "mildly", "moderate": "moderately", "marked": "markedly"}[sev]
        f = rng.choice([f"The heart is {adv} enlarged.", f"The cardiac silhouette is {adv} enlarged.",
                        f"{cap(sev)} enlargement of the cardiac silhouette."])
        i = rng.choice([f"{cap(sev)} cardiomegaly.", "Cardiomegaly."])
        return Item("heart", f, i, {"Cardiomegaly": "pos"}, minor=True, priority=6)
    return np_item(rng, "heart", f"{sev} cardiomegaly", f"{sev} cardiomegaly", change,
                   {"Cardiomegaly": "pos"}, minor=True, priority=6)


def r_mediastinum(rng, ctx, unc=False):
    if unc:
        f = rng.choice(["The mediastinum appears widened, possibly accentuated by portable AP technique and patient rotation.",
                        "The superior mediastinum may be slightly widened, although this may be related to technique."])
        i = rng.choice(["Possible mediastinal widening, which may be technical; consider PA radiograph or CT if clinically indicated.",
                        "Questionable widening of the mediastinum, possibly technical."])
        return Item("heart", f, i, {"Enlarged Cardiomediastinum": "unc"}, priority=2)
    v = rng.randrange(3)
    if v == 0:
        np_f, np_i = "widening of the superior mediastinum", "mediastinal widening"
    elif v == 1:
        np_f, np_i = "enlarged cardiomediastinal silhouette", "enlarged cardiomediastinal silhouette"
    else:
        np_f, np_i = "prominent mediastinal contours with widening of the mediastinum", "widened mediastinum"
    change = pick_change(rng, ctx, ["stable", "new", "increased"])
    it = np_item(rng, "heart", np_f, np_i, change, {"Enlarged Cardiomediastinum": "pos"}, priority=2)
    if change in (None, "new", "increased") and rng.random() < 0.6:
        it.recommend = "Recommend CT chest for further evaluation."
    return it


def r_lesion(rng, ctx, unc=False):
    side = pick_side(rng, 0.0)
    loc = rng.choice(LESION_LOCS[side] + [f"{side} hilum"])
    if unc:
        size = rng.randint(5, 12) / 10
        f = rng.choice([f"Possible {size:.1f} cm nodular opacity in the {side} lower zone, which may represent a nipple shadow.",
                        f"Questionable {size:.1f} cm nodule projecting over the {side} {rng.choice(['fourth', 'fifth', 'sixth'])} anterior rib."])
        i = rng.choice([f"Possible {side} lung nodule; recommend repeat radiograph with nipple markers.",
                        f"Questionable {side} nodular opacity. Consider chest CT for further evaluation."])
        return Item("lungs", f, i, {"Lung Lesion": "unc"}, priority=3)
    r = rng.random()
    if r < 0.18:
        size = rng.randint(8, 25) / 10
        np_f = (f"multiple bilateral pulmonary nodules, the largest measuring {size:.1f} cm in the "
                f"{rng.choice(LOBES)}")
        np_i = "multiple pulmonary nodules"
        labels = {"Lung Lesion": "pos"}
        change = pick_change(rng, ctx, ["stable", "increased", "new"])
        it = np_item(rng, "lungs", np_f, np_i, change, labels, priority=1)
        if change is None:
            it.i = it.i[:-1] + ", concerning for metastatic disease."
        return it
    size = rng.randint(5, 30) / 10 if r < 0.75 else rng.randint(30, 68) / 10
    noun = "nodule" if size < 3 else "mass"
    desc = rng.choice(["", "", "well-circumscribed ", "spiculated ", "ill-defined ", "lobulated ", "rounded "])
    if noun == "nodule" and rng.random() < 0.15:
        desc = "calcified "
    np_f = f"{size:.1f} cm {desc}{noun} {at(loc)}" if not loc.endswith("hilum") else f"{size:.1f} cm {desc}{side} hilar {noun}"
    np_i = f"{size:.1f} cm {adj(loc)} {noun}" if not loc.endswith("hilum") else f"{size:.1f} cm {side} hilar {noun}"
    change = pick_change(rng, ctx, ["stable", "increased", "new", "stable"])
    it = np_item(rng, "lungs", np_f, np_i, change, {"Lung Lesion": "pos"}, priority=1)
    if desc != "calcified " and change != "stable":
        it.recommend = rng.choice(["Recommend CT chest for further characterization.",
                                   "Further evaluation with chest CT is recommended.",
                                   "Recommend contrast-enhanced CT of the chest."])
    return it


def r_pleural_other(rng, ctx, unc=False):
    side = pick_side(rng, 0.45)
    if unc:
        f = f"Irregularity along the {side if side != 'bilateral' else 'lateral'} pleural surface{'s' if side == 'bilateral' else ''}, possibly pleural thickening."
        i = "Possible pleural thickening."
        return Item("pleura", f, i, {"Pleural Other": "unc"}, minor=True, priority=8)
    v = rng.randrange(4)
    if v == 0:
        np_f = "calcified pleural plaques bilaterally, consistent with prior asbestos exposure"
        np_i = "calcified pleural plaques consistent with prior asbestos exposure"
    elif v == 1:
        where = "biapical" if side == "bilateral" else f"{side} apical"
        np_f = np_i = f"{where} pleural thickening"
    elif v == 2:
        s = side if side != "bilateral" else rng.choice(["right", "left"])
        np_f = f"chronic {s} pleural thickening with blunting of the costophrenic angle"
        np_i = f"chronic {s} pleural thickening"
    else:
        np_f = f"smooth {'bilateral' if side == 'bilateral' else side} pleural thickening, likely sequela of prior inflammation"
        np_i = "pleural thickening"
    change = pick_change(rng, ctx, ["stable", "stable"], p_none=0.4)
    return np_item(rng, "pleura", np_f, np_i, change, {"Pleural Other": "pos"}, minor=True, priority=8)


def r_fracture(rng, ctx, unc=False):
    side = "right" if rng.random() < 0.5 else "left"
    rib = rng.randint(3, 10)
    if unc:
        f = f"Possible nondisplaced fracture of the {side} {ordinal(rib)} rib."
        i = rng.choice([f"Possible nondisplaced {side} {ordinal(rib)} rib fracture; correlate with point tenderness. Dedicated rib radiographs could be obtained.",
                        f"Questionable {side} {ordinal(rib)} rib fracture."])
        return Item("bones", f, i, {"Fracture": "unc"}, priority=4)
    acute = ctx["scenario"] == "trauma" or rng.random() < 0.3
    if acute:
        v = rng.randrange(4)
        part = rng.choice(["lateral", "posterior", "anterior", "posterolateral"])
        if v == 0:
            np_f = f"acute minimally displaced fracture of the {side} {part} {ordinal(rib)} rib"
            np_i = f"acute {side} {ordinal(rib)} rib fracture"
        elif v == 1:
            np_f = f"nondisplaced fractures of the {side} {ordinal(rib)} through {ordinal(min(rib + 2, 12))} ribs"
            np_i = f"acute {side} {ordinal(rib)} through {ordinal(min(rib + 2, 12))} rib fractures"
        elif v == 2:
            np_f = f"displaced fracture of the {side} midshaft clavicle"
            np_i = f"{side} clavicle fracture"
        else:
            np_f = f"acute fracture of the {side} {part} {ordinal(rib)} rib"
            np_i = f"{side} {ordinal(rib)} rib fracture"
        change = pick_change(rng, ctx, ["new", "stable"], p_none=0.6)
        return np_item(rng, "bones", np_f, np_i, change, {"Fracture": "pos"}, priority=2)
    v = rng.randrange(4)
    if v == 0:
        np_f = np_i = f"healed {side} posterior rib fractures"
    elif v == 1:
        np_f = f"old healed {side} clavicle fracture"
        np_i = f"old {side} clavicle fracture"
    elif v == 2:
        level = rng.choice(["T7", "T8", "T9", "T10", "T11", "T12", "L1"])
        np_f = f"mild compression deformity of the {level} vertebral body, age indeterminate"
        np_i = f"{level} compression deformity, age indeterminate"
    else:
        np_f = f"chronic deformity of the {side} lateral {ordinal(rib)} rib from prior fracture"
        np_i = f"old {side} rib fracture"
    change = pick_change(rng, ctx, ["stable"], p_none=0.5)
    return np_item(rng, "bones", np_f, np_i, change, {"Fracture": "pos"}, minor=True, priority=8)


DEVICE_TEXT = {
    # kind: (findings variants, impression variants when well positioned)
    "ett": (["Endotracheal tube tip terminates {x} cm above the carina.",
             "ET tube in satisfactory position, tip {x} cm above the carina.",
             "The endotracheal tube tip is at the level of the clavicular heads, approximately {x} cm above the carina."],
            ["Endotracheal tube in appropriate position.", "ET tube {x} cm above the carina.",
             "Endotracheal tube in standard position."]),
    "ng": (["Enteric tube courses below the diaphragm with tip in the stomach.",
            "Nasogastric tube tip is in the stomach, side port near the GE junction.",
            "Orogastric tube tip projects over the gastric body."],
           ["Enteric tube in the stomach.", "Nasogastric tube terminates in the stomach."]),
    "cvc": (["Right internal jugular central venous catheter with tip terminating in the SVC.",
             "Left subclavian central line tip projects over the cavoatrial junction.",
             "Right IJ central line tip terminates in the mid SVC."],
            ["Central venous catheter tip in the SVC.", "Central line in appropriate position.",
             "No pneumothorax following central line placement."]),
    "picc": (["Right upper extremity PICC tip terminates in the distal SVC.",
              "Left-sided PICC line with tip at the cavoatrial junction.",
              "Right arm PICC with tip in the lower SVC."],
             ["PICC tip in the distal SVC.", "PICC line in appropriate position."]),
    "pacer": (["Left chest wall dual-chamber pacemaker with leads terminating in the right atrium and right ventricle.",
               "Left-sided pacemaker with a single lead in the right ventricle.",
               "Left chest wall AICD with leads in the right atrium and right ventricle.",
               "Right chest wall pacemaker with leads in expected position."],
              ["Pacemaker leads in expected position.", "Cardiac device in unchanged position."]),
    "sternotomy": (["Median sternotomy wires and mediastinal surgical clips.",
                    "Status post median sternotomy and CABG.",
                    "Intact median sternotomy wires. Prosthetic aortic valve."],
                   ["Postoperative changes of median sternotomy.", "Status post median sternotomy."]),
    "chesttube": (["{side} chest tube in place with tip at the apex.",
                   "{side}-sided pigtail pleural catheter in place.",
                   "{side} basilar chest tube in place."],
                  ["{side} chest tube in place.", "{side} pleural catheter in place."]),
    "port": (["Right chest wall port with catheter tip in the SVC.",
              "Left chest wall port catheter terminating at the cavoatrial junction."],
             ["Chest port catheter in appropriate position."]),
    "trach": (["Tracheostomy tube in place.", "Tracheostomy tube tip projects over the mid trachea."],
              ["Tracheostomy tube in place."]),
    "uvc": (["Umbilical venous catheter tip projects over the junction of the IVC and right atrium.",
             "Umbilical venous catheter tip at the level of the diaphragm."],
            ["UVC tip at the IVC-right atrial junction.", "Umbilical venous catheter in appropriate position."]),
}

DEVICE_MALPOSITION = {
    "ett": ("The endotracheal tube tip is in the right mainstem bronchus.",
            "Endotracheal tube tip in the right mainstem bronchus; recommend retraction by approximately 2 cm."),
    "ng": ("Enteric tube tip is in the distal esophagus.",
           "Enteric tube tip in the distal esophagus; recommend advancement by at least 10 cm."),
    "cvc": ("Right IJ catheter tip projects over the right atrium.",
            "Central venous catheter tip in the right atrium; consider retraction by 2 cm."),
    "picc": ("Left PICC tip is directed cephalad into the right internal jugular vein.",
             "Malpositioned PICC with tip in the right internal jugular vein."),
}


def r_devices(rng, ctx, kinds):
    """Several devices at once: one Item with all of them (impression may lump them)."""
    f_parts, i_parts, malpos = [], [], []
    side = "Right" if rng.random() < 0.6 else "Left"
    for kind in kinds:
        fv, iv = DEVICE_TEXT[kind]
        x = f"{rng.randint(25, 65) / 10:.1f}"
        if kind in DEVICE_MALPOSITION and rng.random() < 0.1:
            mf, mi = DEVICE_MALPOSITION[kind]
            f_parts.append(mf)
            malpos.append(mi)
            continue
        f = rng.choice(fv).format(x=x, side=side)
        if ctx["prior"] and kind in ("pacer", "sternotomy", "port", "trach") and rng.random() < 0.4:
            f = f[:-1] + ", unchanged."
        f_parts.append(f)
        i_parts.append(rng.choice(iv).format(x=x, side=side))
    if malpos:
        i = " ".join(malpos)
        prio = 0
        if i_parts and rng.random() < 0.5:
            i += " Other support devices in appropriate position."
    else:
        prio = 9
        if len(i_parts) > 1 and rng.random() < 0.5:
            i = rng.choice(["Support devices in appropriate position.", "Lines and tubes in expected position.",
                            "Support devices as described above."])
        else:
            i = " ".join(i_parts)
    return Item("devices", " ".join(f_parts), i, {"Support Devices": "pos"}, minor=not malpos, priority=prio)


RENDER = {
    "effusion": r_effusion, "ptx": r_ptx, "consolidation": r_consolidation, "pneumonia": r_pneumonia,
    "atelectasis": r_atelectasis, "opacity": r_opacity, "edema": r_edema, "cardiomegaly": r_cardiomegaly,
    "mediastinum": r_mediastinum, "lesion": r_lesion, "pleural_other": r_pleural_other, "fracture": r_fracture,
}

# --------------------------------------------------------------------------------------------
# normal sentences per component (negations included)

LUNGS_NORMAL = [
    "The lungs are clear.", "Lungs are clear bilaterally.", "The lungs are well expanded and clear.",
    "No focal consolidation.", "No focal airspace consolidation.", "Clear lungs without focal consolidation.",
    "There is no focal airspace disease.", "No focal opacity to suggest pneumonia.",
    "Lung volumes are normal and the lungs are clear.", "No pulmonary edema or focal consolidation.",
    "The lungs are clear without focal consolidation or edema.", "No focal consolidation or pulmonary edema.",
    "Lungs are clear. No consolidation or edema.", "The lungs are clear and well aerated.",
    "Low lung volumes without focal consolidation.", "There is no consolidation, mass, or edema.",
]
LUNGS_REST = ["The remaining lungs are clear.", "No other focal consolidation.", "Lungs are otherwise clear.",
              "Otherwise clear lungs."]
LUNGS_NO_EDEMA = ["No pulmonary edema.", "No evidence of pulmonary edema.", "There is no pulmonary vascular congestion."]
PLEURA_BOTH = ["No pleural effusion or pneumothorax.", "No pneumothorax or pleural effusion.",
               "There is no pleural effusion or pneumothorax.", "No effusion or pneumothorax.",
               "The costophrenic angles are sharp. No pneumothorax.", "No pleural effusion. No pneumothorax.",
               "No large pleural effusion or pneumothorax.", "No pleural effusions. No pneumothorax is seen."]
PLEURA_NO_PTX = ["No pneumothorax.", "There is no pneumothorax.", "No evidence of pneumothorax."]
PLEURA_NO_EFF = ["No pleural effusion.", "No effusion.", "No significant pleural effusion."]
HEART_NORMAL = ["Heart size is normal.", "The heart is normal in size.",
                "Cardiomediastinal silhouette is within normal limits.", "The cardiomediastinal silhouette is normal.",
                "Normal heart size and mediastinal contours.", "Cardiac and mediastinal contours are unremarkable.",
                "Heart and mediastinum are within normal limits.", "Normal cardiomediastinal silhouette.",
                "The heart size and pulmonary vascularity appear within normal limits."]
HEART_NORMAL_AP = ["The cardiac silhouette is within normal limits for AP technique.",
                   "Heart size is within normal limits given portable technique."]
HEART_NORMAL_INFANT = ["The cardiothymic silhouette is within normal limits.", "Normal cardiothymic silhouette."]
MEDIASTINUM_NORMAL = ["Mediastinal contours are unremarkable.", "The mediastinum is not widened."]
HEART_ONLY_NORMAL = ["Heart size is normal.", "The heart is not enlarged."]
BONES_NORMAL = ["No acute osseous abnormality.", "Osseous structures are intact.", "No acute bony abnormality.",
                "The visualized osseous structures are unremarkable.", "No displaced rib fractures.",
                "Bony thorax is intact.", "No acute fracture identified.", "No acute osseous findings."]
INCIDENTAL = [
    "Degenerative changes of the thoracic spine.", "Atherosclerotic calcification of the aortic knob.",
    "Tortuous thoracic aorta.", "Cholecystectomy clips in the right upper quadrant.",
    "Mild thoracic dextroscoliosis.", "Mild elevation of the right hemidiaphragm.",
    "Degenerative changes of both shoulders.", "Aortic atherosclerosis.", "Calcified aortic arch.",
]
HYPERINFLATION = ["The lungs are hyperinflated, consistent with COPD.",
                  "Hyperinflated lungs with flattening of the hemidiaphragms, compatible with emphysema.",
                  "Hyperexpanded lungs."]
HYPERINFLATION_I = ["Hyperinflation consistent with COPD.", "Emphysematous changes.", "Chronic obstructive changes.",
                    "Hyperinflated lungs compatible with COPD."]

IMPRESSION_NORMAL = [
    "No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.",
    "No acute cardiopulmonary disease.", "No acute intrathoracic process.",
    "No radiographic evidence of acute cardiopulmonary disease.", "Normal chest radiograph.",
    "No acute findings in the chest.", "Clear lungs. No acute process.", "No evidence of pneumonia.",
    "No acute abnormality.", "Negative chest radiograph.", "No active cardiopulmonary disease.",
    "No focal consolidation, pleural effusion, or pneumothorax.", "No acute cardiopulmonary process identified.",
    "No acute disease in the chest.", "Normal radiographic appearance of the chest.",
]
IMPRESSION_NORMAL_PRIOR = [
    "No acute cardiopulmonary process. No significant change from prior.",
    "Stable chest radiograph without acute process.", "No interval change. No acute cardiopulmonary abnormality.",
    "Unchanged appearance of the chest. No acute findings.", "No acute cardiopulmonary process.",
    "Lungs remain clear. No acute process.",
]
IMPRESSION_REST = ["Otherwise no acute cardiopulmonary process.", "No other acute abnormality.",
                   "No pneumothorax.", "Otherwise unremarkable."]

# --------------------------------------------------------------------------------------------
# scenarios: clinical context -> indication bank, view mix, which abnormalities tend to occur
# items: (kind, probability, probability the mention is uncertain)

GENERAL_INDICATIONS = [
    "Chest pain", "Shortness of breath", "Cough", "Pre-operative evaluation", "Preop", "Dyspnea", "Fever",
    "Hypoxia", "Weakness", "Syncope", "Abdominal pain", "Routine", "Screening", "Tuberculosis screening",
    "Palpitations", "Hypertension", "Altered mental status", "Fall", "Chest pain, rule out acute process",
    "Nausea and vomiting", "Dizziness", "Pre-employment screening", "Tachycardia", "Back pain",
]

SCENARIOS = {
    "normal": dict(w=0.35, ap=0.25, items=[]),
    "infection": dict(w=0.13, ap=0.35, ind=[
        "Fever and cough", "Cough", "Fever", "Productive cough", "Pneumonia", "Rule out pneumonia",
        "r/o pneumonia", "Cough and fever", "Follow-up pneumonia", "Shortness of breath and fever", "Sepsis",
        "Leukocytosis", "Cough, fever, chills", "Evaluate for pneumonia", "Pneumonia follow-up",
        "Dyspnea and productive cough", "Aspiration", "Possible aspiration"],
        items=[("pneumonia", 0.75, 0.35), ("consolidation", 0.2, 0.3), ("opacity", 0.2, 0.3),
               ("effusion", 0.2, 0.2), ("atelectasis", 0.15, 0.5)]),
    "chf": dict(w=0.10, ap=0.5, ind=[
        "Shortness of breath", "Dyspnea", "CHF exacerbation", "Congestive heart failure", "Lower extremity edema",
        "SOB", "Dyspnea on exertion", "Orthopnea", "Fluid overload", "Heart failure",
        "Shortness of breath, leg swelling", "Chest pain and shortness of breath", "Volume overload", "Hypoxia"],
        items=[("edema", 0.7, 0.25), ("cardiomegaly", 0.7, 0.15), ("effusion", 0.5, 0.15),
               ("mediastinum", 0.08, 0.4), ("atelectasis", 0.2, 0.4)], devices=[("pacer", 0.15)]),
    "icu": dict(w=0.10, ap=0.97, ind=[
        "Respiratory failure", "Intubated patient", "Ventilator dependent", "ICU follow-up",
        "Hypoxic respiratory failure", "Tube position", "Evaluate line placement", "Evaluate tube position",
        "Post line placement"],
        items=[("atelectasis", 0.45, 0.4), ("effusion", 0.35, 0.2), ("edema", 0.3, 0.3), ("opacity", 0.3, 0.3),
               ("ptx", 0.05, 0.4), ("consolidation", 0.1, 0.4), ("cardiomegaly", 0.15, 0.3)],
        devices=[("ett", 0.6), ("ng", 0.55), ("cvc", 0.45), ("picc", 0.2), ("trach", 0.08)], min_devices=1),
    "postop": dict(w=0.05, ap=0.8, ind=[
        "Post CABG", "S/p CABG", "Status post cardiac surgery", "Postoperative", "Post-op check",
        "Chest tube removal", "Post op day 1", "s/p valve replacement", "Post sternotomy",
        "Status post chest tube removal"],
        items=[("atelectasis", 0.6, 0.3), ("effusion", 0.5, 0.2), ("ptx", 0.15, 0.3), ("mediastinum", 0.12, 0.5),
               ("cardiomegaly", 0.3, 0.3), ("edema", 0.2, 0.3)],
        devices=[("sternotomy", 0.95), ("chesttube", 0.35), ("cvc", 0.3), ("ett", 0.1)], min_devices=1),
    "trauma": dict(w=0.06, ap=0.7, ind=[
        "Trauma", "Fall", "MVC", "Motor vehicle collision", "Chest wall pain after fall", "Rib pain",
        "Trauma, chest pain", "Assault", "Fall from standing", "Blunt chest trauma", "{side} rib pain"],
        items=[("fracture", 0.7, 0.25), ("ptx", 0.3, 0.2), ("effusion", 0.12, 0.2), ("opacity", 0.2, 0.2),
               ("mediastinum", 0.06, 0.5)]),
    "mass": dict(w=0.05, ap=0.15, ind=[
        "Lung nodule", "Follow-up lung nodule", "Lung cancer", "History of lung cancer", "Metastatic disease",
        "Hemoptysis", "Weight loss", "Abnormal CT", "Lung mass", "Staging", "History of breast cancer",
        "Restaging", "Follow up mass"],
        items=[("lesion", 0.9, 0.15), ("effusion", 0.25, 0.2), ("pleural_other", 0.08, 0.2),
               ("atelectasis", 0.15, 0.3)], devices=[("port", 0.3)]),
    "pacer": dict(w=0.04, ap=0.3, ind=[
        "Pacemaker placement", "Post pacemaker placement", "Pacemaker check", "AICD placement", "Arrhythmia",
        "Atrial fibrillation", "Syncope", "Bradycardia", "Post device placement", "Lead check"],
        items=[("cardiomegaly", 0.5, 0.2), ("edema", 0.12, 0.3), ("effusion", 0.12, 0.2)],
        devices=[("pacer", 1.0)], min_devices=1),
    "ptx": dict(w=0.03, ap=0.6, ind=[
        "Pneumothorax", "Follow-up pneumothorax", "Pneumothorax follow-up",
        "Post chest tube removal", "Sudden chest pain", "Pleuritic chest pain", "Post thoracentesis",
        "Post lung biopsy", "Status post biopsy"],
        items=[("ptx", 1.0, 0.2), ("opacity", 0.1, 0.2), ("fracture", 0.08, 0.2), ("effusion", 0.15, 0.2)],
        devices=[("chesttube", 0.45)]),
    "pleural": dict(w=0.03, ap=0.1, ind=[
        "Asbestos exposure", "Pleural thickening", "Follow-up pleural plaque", "Occupational exposure",
        "Chronic cough", "Shortness of breath", "Abnormal chest x-ray"],
        items=[("pleural_other", 1.0, 0.15), ("effusion", 0.2, 0.3), ("lesion", 0.08, 0.3)]),
    "mediastinum": dict(w=0.02, ap=0.5, ind=[
        "Chest pain", "Chest pain radiating to back", "Widened mediastinum", "Hypertension",
        "Aortic aneurysm", "Evaluate mediastinum", "Chest pain, hypertension"],
        items=[("mediastinum", 1.0, 0.35), ("cardiomegaly", 0.3, 0.2)]),
    "copd": dict(w=0.04, ap=0.2, ind=[
        "COPD", "COPD exacerbation", "Shortness of breath", "Wheezing", "Emphysema", "Dyspnea", "Chronic cough",
        "Smoker", "Asthma exacerbation"],
        items=[("atelectasis", 0.2, 0.4), ("opacity", 0.12, 0.4), ("lesion", 0.08, 0.3), ("cardiomegaly", 0.1, 0.3)],
        hyperinflation=True),
}
PEDS_SCENARIOS = {
    "normal": dict(w=0.55, ap=0.4, items=[], ind=[
        "Fever", "Cough", "Fever and cough", "Wheezing", "Rule out pneumonia", "Tachypnea", "Chest pain",
        "Foreign body ingestion"]),
    "infection": dict(w=0.37, ap=0.5, ind=[
        "Fever", "Cough", "Fever and cough", "Respiratory distress", "Wheezing", "Tachypnea", "Rule out pneumonia",
        "Bronchiolitis"], items=[("pneumonia", 0.9, 0.35), ("atelectasis", 0.15, 0.5), ("effusion", 0.08, 0.3)]),
    "neonatal": dict(w=0.08, ap=1.0, ind=[
        "Respiratory distress", "Apnea of prematurity", "Prematurity", "Tube placement",
        "Desaturation"], items=[("opacity", 0.4, 0.3), ("atelectasis", 0.2, 0.3)],
        devices=[("uvc", 0.8), ("ng", 0.7), ("ett", 0.4)], min_devices=1),
}

DEVICE_INDICATION = {
    "ett": ["ETT placement", "Endotracheal tube placement", "Intubation", "Post intubation"],
    "ng": ["NG tube placement", "OG tube placement", "Enteric tube placement", "Feeding tube placement"],
    "cvc": ["Central line placement", "Post line placement", "Line placement", "Post central line placement"],
    "picc": ["PICC placement", "PICC line placement", "Post PICC placement"],
    "trach": ["Tracheostomy", "Trach check"],
    "chesttube": ["Chest tube placement", "Chest tube check", "Evaluate chest tube"],
    "uvc": ["UVC placement", "Umbilical line placement"],
}

MANUFACTURERS = [("GE Healthcare", 0.17), ("Philips", 0.11), ("Philips Medical Systems", 0.03), ("SIEMENS", 0.10),
                 ("Carestream Health", 0.16), ("FUJIFILM Corporation", 0.12), ("KONICA MINOLTA", 0.10),
                 ("Agfa", 0.07), ("Canon Inc.", 0.06), ("Samsung Electronics", 0.03), (None, 0.01)]
VENDOR_SHAPES = {
    "GE Healthcare": [[2022, 2022], [2021, 2021], [2500, 2048]],
    "Philips": [[2500, 2048], [3000, 2500], [2836, 2336]],
    "Philips Medical Systems": [[2500, 2048], [2836, 2336]],
    "SIEMENS": [[3000, 3000], [2880, 2880], [2500, 2048]],
    "Carestream Health": [[3052, 2500], [2500, 2048], [2048, 2500], [2320, 2828]],
    "FUJIFILM Corporation": [[2140, 1760], [2010, 1670], [2836, 2336]],
    "KONICA MINOLTA": [[2828, 2320], [3480, 2832], [2320, 2828]],
    "Agfa": [[2984, 2480], [2392, 2880]],
    "Canon Inc.": [[2800, 3408], [3408, 2800], [2736, 2736]],
    "Samsung Electronics": [[3072, 3072], [2560, 3072]],
    None: [[2500, 2048], [2048, 2048]],
}
CR_VENDORS = {"Carestream Health", "FUJIFILM Corporation", "KONICA MINOLTA", "Agfa"}
ETHNIC = [("White", 0.38), ("Black or African American", 0.15), ("Hispanic or Latino", 0.09), ("Asian", 0.05),
          ("Other", 0.05), ("Unknown", 0.06), ("Declined", 0.02), (None, 0.20)]

# --------------------------------------------------------------------------------------------
# one study


def make_indication(rng, scen, scen_name, patient, devices, items):
    if rng.random() < 0.05:
        return NAN
    bank = scen.get("ind")
    if scen_name == "normal" and not patient["peds"]:
        if rng.random() < 0.25:
            other = rng.choice([s for s in SCENARIOS if s != "normal"])
            bank = SCENARIOS[other]["ind"]
        else:
            bank = GENERAL_INDICATIONS
    dev_ind = [d for d in devices if d in DEVICE_INDICATION]
    if dev_ind and rng.random() < 0.6:
        text = rng.choice(DEVICE_INDICATION[rng.choice(dev_ind)])
    else:
        text = rng.choice(bank)
    if "{side}" in text:
        side = None
        for it in items:
            for token in ("right", "left"):
                if token in it.f.lower() and "Fracture" in it.labels:
                    side = token
        text = text.format(side=cap(side or rng.choice(["right", "left"])))
    r = rng.random()
    if r < 0.2:
        text += "."
    elif r < 0.28:
        text = text.lower()
    elif r < 0.33:
        text = rng.choice(["History: ", "Hx: ", "Reason for exam: "]) + text
    elif r < 0.45 and not patient["peds"]:
        who = {"M": rng.choice(["male", "man"]), "F": rng.choice(["female", "woman"])}[patient["sex"]]
        text = f"{patient['age_years']}-year-old {who} with {text[0].lower() + text[1:]}"
    elif r < 0.48 and not patient["peds"]:
        text = f"{patient['age_years']}{patient['sex']} {text[0].lower() + text[1:]}"
    return text


def make_views(rng, ap_prob):
    """Return the true views of the images and the header sentence describing them."""
    if rng.random() < ap_prob:
        if rng.random() < 0.9:
            return ["AP"], rng.choice(["Portable AP view of the chest.", "Single portable frontal view of the chest.",
                                       "AP upright view of the chest.", "Single frontal view of the chest."])
        return ["AP", "LATERAL"], "AP and lateral views of the chest."
    r = rng.random()
    if r < 0.88:
        return ["PA", "LATERAL"], rng.choice(["PA and lateral views of the chest.",
                                              "Frontal and lateral views of the chest.",
                                              "Two views of the chest were obtained."])
    if r < 0.95:
        return ["PA"], "Single PA view of the chest."
    return ["PA", "PA", "LATERAL"], "PA and lateral views of the chest."


def raw_view(rng, true_view):
    r = rng.random()
    if r < 0.04:
        return None
    if r < 0.06:
        return "UNKNOWN"
    if true_view == "LATERAL":
        return wchoice(rng, [("LATERAL", 0.65), ("LL", 0.3), ("RL", 0.05)])
    return true_view


def clean_view(v):
    if v is None or v == "UNKNOWN":
        return "UNKNOWN"
    if v in ("LL", "RL", "LAT", "LATERAL"):
        return "LATERAL"
    return v


def sample_items(rng, scen, ctx):
    items = []
    for kind, p, p_unc in scen.get("items", []):
        if rng.random() < p:
            items.append(RENDER[kind](rng, ctx, unc=rng.random() < p_unc))
    devices = [k for k, p in scen.get("devices", []) if rng.random() < p]
    if len(devices) < scen.get("min_devices", 0):
        devices = [scen["devices"][0][0]]
    devices = devices[:3]
    # occasional unrelated finding, so observations are not fully tied to a context
    if ctx["scenario"] != "normal" and not ctx["peds"] and rng.random() < 0.12:
        kind = rng.choice(sorted(RENDER))
        items.append(RENDER[kind](rng, ctx, unc=rng.random() < 0.25))
    # keep one item per observation label set (avoid "small effusion ... moderate effusion")
    seen, uniq = set(), []
    for it in items:
        key = tuple(sorted(it.labels))
        if key in seen or (set(it.labels) & {k for s in seen for k in s} and rng.random() < 0.5):
            continue
        seen.add(key)
        uniq.append(it)
    if devices:
        uniq.append(r_devices(rng, ctx, devices))
    return uniq, devices


def build_findings(rng, items, ctx, views_header):
    by = {c: [it.f for it in items if it.component == c] for c in ("devices", "lungs", "pleura", "heart", "bones")}
    labels = set()
    for it in items:
        labels.update(it.labels)
    optional = []  # (component, sentence) that may be dropped for length
    out = {c: list(v) for c, v in by.items()}
    out["other"] = []
    if ctx["hyperinflation"]:
        out["lungs"].insert(0, rng.choice(HYPERINFLATION))
    # lungs
    lung_abn = bool(by["lungs"])
    if not lung_abn:
        bank = [x for x in LUNGS_NORMAL if not (ctx["hyperinflation"] and x.startswith("Low lung volumes"))]
        s = rng.choice(bank)
        out["lungs"].append(s)
        if rng.random() < 0.2 and "edema" not in s.lower():
            optional.append(("lungs", rng.choice(LUNGS_NO_EDEMA)))
    else:
        if rng.random() < 0.4:
            optional.append(("lungs", rng.choice(LUNGS_REST)))
        if "Edema" not in labels and rng.random() < 0.3:
            optional.append(("lungs", rng.choice(LUNGS_NO_EDEMA)))
    # pleura
    eff, ptx = "Pleural Effusion" in labels, "Pneumothorax" in labels
    if not eff and not ptx:
        out["pleura"].append(rng.choice(PLEURA_BOTH))
    elif eff and not ptx:
        out["pleura"].append(rng.choice(PLEURA_NO_PTX))
    elif ptx and not eff:
        (out["pleura"].append if rng.random() < 0.6 else lambda s: optional.append(("pleura", s)))(rng.choice(PLEURA_NO_EFF))
    # heart
    cm, med = "Cardiomegaly" in labels, "Enlarged Cardiomediastinum" in labels
    if not cm and not med:
        if ctx["infant"]:
            bank = HEART_NORMAL_INFANT
        elif ctx["ap"] and rng.random() < 0.3:
            bank = HEART_NORMAL_AP
        else:
            bank = HEART_NORMAL
        s = rng.choice(bank)
        (out["heart"].append if rng.random() < 0.85 else lambda x: optional.append(("heart", x)))(s)
    elif cm and not med and rng.random() < 0.5:
        optional.append(("heart", rng.choice(MEDIASTINUM_NORMAL)))
    elif med and not cm and rng.random() < 0.5:
        optional.append(("heart", rng.choice(HEART_ONLY_NORMAL)))
    # bones
    if "Fracture" not in labels:
        if ctx["scenario"] == "trauma" or rng.random() < 0.45:
            out["bones"].append(rng.choice(BONES_NORMAL))
    if not ctx["peds"] and rng.random() < 0.15:
        optional.append(("other", rng.choice(INCIDENTAL)))
    header = views_header if rng.random() < 0.2 else None

    def render(opt, with_header):
        comp = {c: list(v) for c, v in out.items()}
        for c, s in opt:
            comp[c].append(s)
        order = ["devices", "lungs", "pleura", "heart", "bones", "other"]
        if rng_struct:
            heads = {"devices": "Lines/tubes", "lungs": "Lungs", "pleura": "Pleura",
                     "heart": "Heart and mediastinum", "bones": "Bones", "other": "Other"}
            parts = []
            for c in order:
                if comp[c]:
                    parts.append(f"{heads[c]}: {' '.join(comp[c])}")
                elif c == "devices" and rng_struct_none:
                    parts.append("Lines/tubes: None.")
            text = " ".join(parts)
        else:
            if rng_lungs_first:
                order = ["lungs", "pleura", "heart", "devices", "bones", "other"]
            text = " ".join(s for c in order for s in comp[c])
        if with_header:
            text = header + " " + text
        return text

    rng_struct = rng.random() < 0.1
    rng_struct_none = rng.random() < 0.5
    rng_lungs_first = rng.random() < 0.3
    text = render(optional, header is not None)
    # length: 10-80 words
    while words(text) > 80 and (optional or header):
        if header:
            header = None
        else:
            optional.pop()
        text = render(optional, header is not None)
    pad = [("bones", s) for s in BONES_NORMAL] + [("lungs", s) for s in LUNGS_NO_EDEMA]
    while words(text) < 10:
        if header is None:
            header = views_header
        else:
            c, s = pad[rng.randrange(len(pad))]
            if c == "lungs" and "Edema" in labels:
                continue
            if c == "bones" and ("Fracture" in labels or out["bones"]):
                continue
            optional.append((c, s))
        text = render(optional, header is not None)
    return text


def build_impression(rng, items, ctx):
    if ctx["hyperinflation"] and rng.random() < 0.6:
        items = items + [Item("lungs", "", rng.choice(HYPERINFLATION_I), {}, minor=True, priority=9)]
    if not items:
        return rng.choice(IMPRESSION_NORMAL_PRIOR if ctx["prior"] else IMPRESSION_NORMAL)
    ranked = sorted(items, key=lambda it: it.priority)
    if len(ranked) >= 2:
        keep = [ranked[0]] + [it for it in ranked[1:] if not (it.minor and rng.random() < 0.2)]
    else:
        keep = ranked
    sentences = [it.i for it in keep]
    recs = [it.recommend for it in keep if it.recommend]
    only_minor = all(it.minor for it in keep)
    numbered = len(sentences) >= 2 and rng.random() < 0.5
    if numbered:
        if recs and rng.random() < 0.5:
            sentences[-1] = sentences[-1] + " " + recs[0]
            recs = []
        text = " ".join(f"{n}. {s}" for n, s in enumerate(sentences, 1))
    else:
        text = " ".join(sentences)
    for r in recs[:1]:
        text += " " + r
    if (only_minor or len(keep) == 1) and rng.random() < 0.35:
        rest = rng.choice(IMPRESSION_REST)
        if not (rest == "No pneumothorax." and any("Pneumothorax" in it.labels for it in items)):
            text += (f" {len(sentences) + 1}. {rest}" if numbered else f" {rest}")
    # length: 3-40 words; trim trailing sentences if too long
    while words(text) > 40 and len(keep) > 1:
        keep = keep[:-1]
        text = " ".join(f"{n}. {it.i}" for n, it in enumerate(keep, 1)) if numbered else " ".join(it.i for it in keep)
    if words(text) < 3:
        text += " " + rng.choice(["Otherwise no acute cardiopulmonary process.", "No other acute abnormality.",
                                  "No acute cardiopulmonary process otherwise."])
    return text


def make_study(rng, patient, date, prior_date):
    peds = patient["peds"]
    table = PEDS_SCENARIOS if peds else SCENARIOS
    if patient["profile"] and rng.random() < 0.7:
        scen_name = patient["profile"]
    else:
        scen_name = wchoice(rng, [(k, v["w"]) for k, v in table.items()])
    if scen_name == "neonatal" and not patient["infant"]:
        scen_name = "infection"
    scen = table[scen_name]

    # comparison
    r = rng.random()
    if prior_date is not None and r < 0.8:
        d = prior_date
        has_prior = True
    elif r < 0.9 and prior_date is None and rng.random() < 0.3 and (date - patient["birth"]).days > 2:
        age_days = (date - patient["birth"]).days
        d = date - dt.timedelta(days=rng.randint(1 if age_days < 60 else 20, min(2000, age_days - 1)))
        has_prior = True
    else:
        d = None
        has_prior = False
    if has_prior:
        st = rng.randrange(3)
        ds = fmt_date(d, st)
        comparison = rng.choice([ds, f"{ds}.", f"Chest radiograph {ds}.", f"Prior chest radiograph from {ds}.",
                                 f"Chest x-ray dated {ds}.", f"Multiple prior studies, most recent {ds}.",
                                 f"PA and lateral chest {ds}.", f"CT chest {ds}."])
    else:
        comparison = wchoice(rng, [("None.", 0.55), ("None", 0.15), (NAN, 0.3)])

    ctx = {"prior": has_prior, "peds": peds, "infant": patient["infant"], "scenario": scen_name,
           "hyperinflation": bool(scen.get("hyperinflation")), "ap": False}
    views, header = make_views(rng, scen["ap"])
    ctx["ap"] = views[0] == "AP"
    items, devices = sample_items(rng, scen, ctx)
    if scen_name != "normal" and not items and not ctx["hyperinflation"]:
        kind, _, p_unc = scen["items"][0]
        items = [RENDER[kind](rng, ctx, unc=rng.random() < p_unc)]

    findings = build_findings(rng, items, ctx, header)
    while words(findings) > 80 and len(items) > 1:
        droppable = [it for it in items if it.component != "devices"] or items
        items.remove(max(droppable, key=lambda it: (it.minor, it.priority)))
        findings = build_findings(rng, items, ctx, header)
    impression = build_impression(rng, items, ctx)
    indication = make_indication(rng, scen, scen_name, patient, devices, items)

    r = rng.random()
    if r < 0.03:
        findings = NAN
    elif r < 0.05:
        impression = NAN

    labels = {}
    for it in items:
        for k, v in it.labels.items():
            if labels.get(k) != "pos":
                labels[k] = v
    if not any(k != "Support Devices" for k in labels):
        labels["No Finding"] = "pos"
    return dict(scenario=scen_name, views=views, comparison=comparison, indication=indication,
                findings=findings, impression=impression, labels=labels)


# --------------------------------------------------------------------------------------------
# patients, identifiers, images


def hexid(rng, n):
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(n))


def uid(rng, used):
    while True:
        u = UID_ROOT + str(rng.randint(10 ** 17, 10 ** 24 - 1))
        if u not in used:
            used.add(u)
            return u


def unique(rng, used, make):
    while True:
        v = make()
        if v not in used:
            used.add(v)
            return v


def dicom_age(patient, date):
    days = (date - patient["birth"]).days
    if days < 31:
        return f"{max(days, 1):03d}D"
    if days < 730:
        return f"{min(days // 30, 23):03d}M"
    years = days // 365
    return f"{years:03d}Y"


def make_patient(rng, used):
    pid = unique(rng, used, lambda: "GRDN" + hexid(rng, 12))
    sex = "M" if rng.random() < 0.49 else "F"
    r = rng.random()
    first = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 11))
    if r < 0.007:
        age_days = rng.randint(1, 25)  # neonate
    elif r < 0.014:
        age_days = rng.randint(40, 600)  # infant
    elif r < 0.03:
        age_days = rng.randint(2 * 365, 17 * 365)  # child
    else:
        age_days = int(rng.triangular(18, 96, 66) * 365.25)
    birth = first - dt.timedelta(days=age_days)
    peds = age_days < 18 * 365
    ethnic = wchoice(rng, ETHNIC)
    n = wchoice(rng, [(1, 0.78), (2, 0.13), (3, 0.06), (4, 0.03)])
    chronic = ["chf", "icu", "mass", "pacer", "copd", "postop", "pleural", "infection"]
    if age_days < 40 * 365:
        chronic = ["infection", "mass", "pleural"]
    profile = rng.choice(chronic) if (n > 1 and not peds and rng.random() < 0.6) else None
    return dict(id=pid, sex=sex, first=first, birth=birth, peds=peds, infant=age_days < 365, ethnic=ethnic,
                n=n, profile=profile, age_years=age_days // 365)


def make_split(split, n_studies, used, stats):
    rng = random.Random(f"rexbench-demo-{SEED}-{split}")
    records = []
    while len(records) < n_studies:
        patient = make_patient(rng, used)
        if patient["peds"]:
            patient["n"] = 1
        n = min(patient["n"], n_studies - len(records))
        date, prior = patient["first"], None
        for k in range(n):
            if k:
                date = date + dt.timedelta(days=rng.choice([1, 1, 2, 3, rng.randint(4, 60), rng.randint(60, 900)]))
            patient["age_years"] = (date - patient["birth"]).days // 365
            study = make_study(rng, patient, date, prior)
            prior = date
            acc = unique(rng, used, lambda: "GRDN" + hexid(rng, 10))
            suid = uid(rng, used)
            sid = f"p{patient['id']}_a{acc}_s{suid}"
            vendor = wchoice(rng, MANUFACTURERS)
            portable = study["views"][0] == "AP"
            cr_p = 0.85 if vendor in CR_VENDORS else 0.08
            if portable:
                cr_p = min(1.0, cr_p + 0.1)
            modality = "CR" if rng.random() < cr_p else "DX"
            shapes = VENDOR_SHAPES[vendor]
            frontal_shape = rng.choice(shapes)
            paths, raw, clean, img_shapes = [], [], [], []
            for v in study["views"]:
                iu = uid(rng, used)
                paths.append(f"../deid_png/{sid}/{iu}.png")
                rv = raw_view(rng, v)
                raw.append(rv)
                clean.append(clean_view(rv))
                shape = frontal_shape if v != "LATERAL" or rng.random() < 0.6 else rng.choice(shapes)
                img_shapes.append(list(shape))
            rec = {
                "id": sid,
                "PatientID": patient["id"],
                "AccessionNumber": acc,
                "StudyInstanceUid": suid,
                "StudyDate": date.strftime("%Y%m%d"),
                "PatientSex": patient["sex"],
                "PatientAge": dicom_age(patient, date),
                "EthnicGroup": patient["ethnic"] if patient["ethnic"] is not None else NAN,
                "Manufacturer": vendor if vendor is not None else NAN,
                "Indication": study["indication"],
                "Comparison": study["comparison"],
                "Findings": study["findings"],
                "Impression": study["impression"],
                "ImagePath": paths,
                "ImageViewPosition": raw,
                "ImageShape": img_shapes,
                "ImageModality": [modality] * len(paths),
                "ImageBodyPart": ["CHEST"] * len(paths),
            }
            records.append((rec, clean, study))
    records.sort(key=lambda t: t[0]["id"])
    # stats
    st = stats.setdefault(split, {"studies": 0, "images": 0, "patients": set(), "pos": {}, "unc": {},
                                  "scenario": {}, "no_findings": 0, "no_impression": 0})
    for rec, _, study in records:
        st["studies"] += 1
        st["images"] += len(rec["ImagePath"])
        st["patients"].add(rec["PatientID"])
        st["scenario"][study["scenario"]] = st["scenario"].get(study["scenario"], 0) + 1
        for k, v in study["labels"].items():
            st[v][k] = st[v].get(k, 0) + 1
        st["no_findings"] += not isinstance(rec["Findings"], str)
        st["no_impression"] += not isinstance(rec["Impression"], str)
    return records


# --------------------------------------------------------------------------------------------
# writers (the byte format of each file)


def dump_json(obj) -> bytes:
    return json.dumps(obj, indent=None, ensure_ascii=False).encode("utf-8")


def csv_cell(v):
    if isinstance(v, float) and math.isnan(v):
        return ""
    if isinstance(v, list):
        return str(v)  # Python-list repr, as pandas writes object columns holding lists
    return v


def dump_csv(recs) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for rec in recs:
        w.writerow([csv_cell(rec[c]) for c in COLUMNS])
    return buf.getvalue().encode("utf-8")


LICENSE_TEXT = """\
rexbench demo split: synthetic chest X-ray report metadata

This folder holds SYNTHETIC data written for rexbench by a template generator
(tools/make_demo_split.py). It contains no real patient data and no text copied from any
dataset: every identifier, date, demographic value, image path and report sentence was
produced by a seeded random generator from phrase banks written for rexbench. No images exist.

To the extent possible under law, the rexbench developers have waived all copyright and
related or neighboring rights to this synthetic data, under the Creative Commons CC0 1.0
Universal Public Domain Dedication: https://creativecommons.org/publicdomain/zero/1.0/

The data is provided "as is", without warranty of any kind. It is not medical advice and must
not be used to train or validate any clinical system.
"""


def readme_text(stats, hashes) -> str:
    lines = [
        "# rexbench demo split (SYNTHETIC)",
        "",
        "**This is synthetic data written for rexbench by a template generator. It contains no real",
        "patient text, no real identifiers and no images.** Every report sentence comes from phrase banks",
        "in `tools/make_demo_split.py`; identifiers, dates, ages, vendors and image paths are drawn at random.",
        "",
        "It mirrors the metadata layout of a local ReXGradient-160K copy, so the demo runs through the same",
        "loader as real data:",
        "",
        "```",
        "README.md, LICENSE",
        "metadata/{train,valid,test}_metadata.csv                one row per study",
        "metadata/{train,valid,test}_metadata.json               object keyed by study id",
        "metadata/{train,valid,test}_metadata_view_position.json same, with cleaner per-image view labels",
        "```",
        "",
        "(no `deid_png/` images and no `interstitial_pattern_bbox.json`: scoring does not need them).",
        "",
        "## How it was made",
        "",
        "```",
        "python tools/make_demo_split.py          # rewrites this folder, byte-identical every time",
        "python tools/make_demo_split.py --check  # verifies the files here match the generator",
        "```",
        "",
        f"Seed `{SEED}` (one `random.Random` per split, seeded with `rexbench-demo-{SEED}-<split>`),",
        f"generator version {GENERATOR_VERSION}, standard library only.",
        "",
        "## Counts",
        "",
        "| split | studies | patients | images | no Findings | no Impression |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for split, _ in SPLITS:
        s = stats[split]
        lines.append(f"| {split} | {s['studies']} | {len(s['patients'])} | {s['images']} | "
                     f"{s['no_findings']} | {s['no_impression']} |")
    lines += [
        "",
        "Studies whose report mentions each CheXpert observation, as the generator sampled it",
        "(positive / uncertain; the generator's own bookkeeping, not a labeler's output; No Finding = no",
        "other observation positive or uncertain, Support Devices allowed):",
        "",
        "| observation | " + " | ".join(s for s, _ in SPLITS) + " |",
        "|---|" + "---:|" * len(SPLITS),
    ]
    for obs in OBSERVATIONS:
        cells = [f"{stats[s]['pos'].get(obs, 0)} / {stats[s]['unc'].get(obs, 0)}" for s, _ in SPLITS]
        lines.append(f"| {obs} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Format details (same as ReXGradient-160K)",
        "",
        "- Study id `p<PatientID>_a<AccessionNumber>_s<StudyInstanceUid>`; ids are strings.",
        "- Fields: id, PatientID, AccessionNumber, StudyInstanceUid, StudyDate (YYYYMMDD), PatientSex (M/F),",
        "  PatientAge (DICOM age string: `066Y`, `007M`, `012D`), EthnicGroup, Manufacturer, Indication,",
        "  Comparison, Findings, Impression, and per-image lists ImagePath (`../deid_png/<id>/<uid>.png`,",
        "  relative to `metadata/`), ImageViewPosition, ImageShape, ImageModality, ImageBodyPart.",
        "- The JSON files contain bare `NaN` tokens for missing values (EthnicGroup, Manufacturer,",
        "  Indication, Comparison, Findings, Impression); Python's `json` reads them, strict parsers do not.",
        "- The CSV has one row per study; missing values are empty cells; lists are Python-list strings.",
        "  Two pandas traps, as with the real files: Comparison is sometimes the literal text `None`, which",
        "  `pandas.read_csv` turns into NaN by default (use `keep_default_na=False, na_values=['']`), and",
        "  StudyDate reads back as an integer unless `dtype=str`.",
        "- Findings run 10-80 words and Impressions 3-40 words; impressions summarise the sampled findings",
        "  (numbered `1. ... 2. ...` in about half of the multi-finding studies). Indication is correlated",
        "  with the findings, Comparison (`None.`, `None`, a prior date, or NaN) with the wording of change.",
        "- Raw `ImageViewPosition` has PA, AP, LATERAL, LL, RL, `UNKNOWN` and `None`; the `_view_position`",
        "  files map LL/RL to LATERAL and None to UNKNOWN.",
        "- Patients can have several studies within a split, never across splits.",
        "",
        "## sha256",
        "",
        "```",
    ]
    for name in sorted(hashes):
        lines.append(f"{hashes[name]}  metadata/{name}")
    lines += ["```", ""]
    return "\n".join(lines)


def generate():
    """Return {relative path: bytes} for the whole folder, plus stats."""
    used: set = set()
    stats: dict = {}
    files = {}
    for split, n in SPLITS:
        recs = make_split(split, n, used, stats)
        plain = {rec["id"]: rec for rec, _, _ in recs}
        viewpos = {}
        for rec, clean, _ in recs:
            r2 = dict(rec)
            r2["ImageViewPosition"] = clean
            viewpos[rec["id"]] = r2
        files[f"metadata/{split}_metadata.csv"] = dump_csv([rec for rec, _, _ in recs])
        files[f"metadata/{split}_metadata.json"] = dump_json(plain)
        files[f"metadata/{split}_metadata_view_position.json"] = dump_json(viewpos)
    hashes = {p.split("/", 1)[1]: hashlib.sha256(b).hexdigest() for p, b in files.items()}
    files["README.md"] = readme_text(stats, hashes).encode("utf-8")
    files["LICENSE"] = LICENSE_TEXT.encode("utf-8")
    return files, stats


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=here / "rexbench" / "data" / "demo")
    ap.add_argument("--check", action="store_true", help="compare with the files on disk; write nothing")
    args = ap.parse_args(argv)
    files, stats = generate()
    if args.check:
        bad = [p for p, b in sorted(files.items())
               if not (args.out / p).is_file() or (args.out / p).read_bytes() != b]
        for p in bad:
            print(f"differs: {p}", file=sys.stderr)
        print("demo split up to date" if not bad else f"{len(bad)} file(s) differ")
        return 1 if bad else 0
    for p, b in sorted(files.items()):
        path = args.out / p
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b)
    total = sum(len(b) for b in files.values())
    for split, _ in SPLITS:
        s = stats[split]
        print(f"{split}: {s['studies']} studies, {len(s['patients'])} patients, {s['images']} images")
    print(f"wrote {len(files)} files, {total / 1e6:.2f} MB, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
