"""Phrase tables of the rule-based CheXpert-style labeler (rexbench's own lists).

Every entry is a regular expression over lower-cased text, matched at a word start and ending at a
word end. The tables are data only; `chexpert.py` compiles them into one mention pattern and one cue
pattern. Conventions (which phrase means what) are documented in metrics/chexpert_f1/README.md.

Mentions
  MENTIONS     phrase -> the observation(s) it names. A mention's status comes from the cues around it.
  ATTRIBUTES   size/contour phrases ("heart size", "cardiac silhouette", "mediastinal contours") that
               name an observation only when qualified: enlarged -> positive, normal -> negative,
               stable/unchanged -> uncertain; a bare "the heart" is no mention at all.
  HEDGED       phrases that are at most uncertain (CheXpert: "vascular congestion" -> Edema uncertain).
  HEART_FAILURE  phrases that also make Cardiomegaly uncertain when positive or uncertain ("chf").
  TIPS         a device's tip: Support Devices, positive whatever the cues ("the tip is not well seen").
  OTHER_FINDINGS  abnormalities outside the 13 pathologies; positive or uncertain ones rule out
               "No Finding" (emphysema, scoliosis, hiatal hernia, ...).
  UNMENTIONS   phrases that look like a mention but are not ("pericardial effusion", "kerley b lines").
"""

from __future__ import annotations

# Observation order of CheXpert's labeled_reports.csv.
OBSERVATIONS: tuple[str, ...] = (
    "No Finding",
    "Enlarged Cardiomediastinum",
    "Cardiomegaly",
    "Lung Lesion",
    "Lung Opacity",
    "Edema",
    "Consolidation",
    "Pneumonia",
    "Atelectasis",
    "Pneumothorax",
    "Pleural Effusion",
    "Pleural Other",
    "Fracture",
    "Support Devices",
)

OTHER = "Other finding"  # internal pseudo-observation: blocks No Finding, never reported

EC = "Enlarged Cardiomediastinum"
CM = "Cardiomegaly"
LL = "Lung Lesion"
LO = "Lung Opacity"
ED = "Edema"
CO = "Consolidation"
PN = "Pneumonia"
AT = "Atelectasis"
PX = "Pneumothorax"
PE = "Pleural Effusion"
PO = "Pleural Other"
FR = "Fracture"
SD = "Support Devices"

# ---- mentions -----------------------------------------------------------------------------------
# Prominent vessels: CheXpert's "vascular prominence", an uncertain Edema (a normal vasculature is no mention).
VASCULAR_PROMINENCE = (
    r"(?:prominent|increased|engorged|congested) (?:pulmonary )?vascula(?:rity|ture)",
    r"(?:pulmonary )?vascula(?:rity|ture) (?:is |are |appears? |remains? )?(?:\w+ )?"
    r"(?:prominent|increased|engorged|congested)",
    r"(?:prominence|engorgement) of the (?:pulmonary )?vascula(?:rity|ture)",
)

# (regex, observations). Multi-observation phrases name several observations at once.
MENTIONS: list[tuple[str, tuple[str, ...]]] = [
    # Enlarged Cardiomediastinum (plain mentions; size phrases are ATTRIBUTES below)
    (r"enlarged cardiomediastinum", (EC,)),
    (r"mediastinal (?:widening|enlargement|prominence)", (EC,)),
    (r"mediastinal mass(?:es)?", (EC,)),          # a mass in the mediastinum widens it; not a lung lesion
    # Cardiomegaly
    (r"cardiomegal\w*", (CM,)),
    (r"cardiac enlargement", (CM,)),
    (r"heart enlargement", (CM,)),
    # Lung Lesion
    (r"nodular (?:opacit\w*|opacification|infiltrat\w*)", (LL, LO)),
    (r"nodular (?:densit(?:y|ies)|foc(?:us|i)|lesions?)", (LL,)),
    (r"nodul\w*", (LL,)),
    (r"mass(?:es)?", (LL,)),
    (r"mass-?like", (LL,)),
    (r"lumps?", (LL,)),
    (r"(?:lung|pulmonary|cavitary|cavitating|parenchymal|spiculated|focal|apical|hilar) lesions?", (LL,)),
    (r"tumou?rs?", (LL,)),
    (r"neoplasm\w*", (LL,)),
    (r"carcinoma\w*", (LL,)),
    (r"malignan\w*", (LL,)),
    # Lung Opacity
    (r"opaci\w*", (LO,)),
    (r"air[- ]?space (?:disease|process|filling)", (LO,)),
    (r"alveolar (?:disease|process|filling|infiltrates?|pattern)", (LO,)),
    (r"infiltra\w*", (LO,)),
    (r"interstitial (?:markings?|pattern|thickening|lung disease|disease|abnormalit\w*|changes?|opacit\w*)", (LO,)),
    (r"(?:increased|prominent|coarse|coarsened) (?:lung|pulmonary|bronchovascular) markings", (LO,)),
    (r"reticul\w*", (LO,)),
    (r"(?:parenchymal )?scar(?:s|ring|red)?", (LO,)),
    (r"(?:peribronchial|bronchial wall) thickening", (LO,)),
    (r"ground[- ]glass", (LO,)),
    (r"haz(?:e|y|iness)", (LO,)),
    (r"densit(?:y|ies)", (LO,)),
    (r"decreased (?:translucency|lucency)", (LO,)),
    # Edema
    (r"edema", (ED,)),
    (r"oedema", (ED,)),
    (r"fluid overload", (ED,)),
    (r"volume overload", (ED,)),
    (r"(?:congestive )?(?:heart|cardiac) failure", (ED,)),
    (r"chf", (ED,)),
    (r"(?:pulmonary )?(?:vascular |venous )?congestion", (ED,)),
    (r"(?:pulmonary )?vascular (?:prominence|engorgement|redistribution)", (ED,)),
    (r"(?:vascular |perihilar |hilar )?indistinctness", (ED,)),
    *((pat, (ED,)) for pat in VASCULAR_PROMINENCE),
    # Consolidation
    (r"consolidat\w*", (CO,)),
    # Pneumonia
    (r"(?:broncho)?pneumonias?", (PN,)),
    (r"infections?", (PN,)),
    (r"infectious(?: process)?", (PN,)),
    # Atelectasis
    (r"atelecta\w*", (AT,)),
    (r"collaps\w*", (AT,)),
    # Pneumothorax
    (r"hydropneumothor\w*", (PX, PE)),
    (r"pneumothor\w*", (PX,)),                   # also a report cut off at "pneumothor"
    (r"ptx", (PX,)),
    # Pleural Effusion
    (r"effusions?", (PE,)),
    (r"pleural fluid", (PE,)),
    (r"fluid", (PE,)),                            # "fissural fluid", "decreased fluid" (not "fluid overload")
    (r"hydrothorax", (PE,)),
    (r"hemothorax", (PE,)),
    # Pleural Other
    (r"pleural (?:thickening|scar\w*|plaques?|calcifications?)", (PO,)),
    (r"pleuro-?parenchymal (?:scar\w*|thickening)", (PO,)),
    (r"pleural[- ]parenchymal (?:scar\w*|thickening)", (PO,)),
    (r"fibrothorax", (PO,)),
    (r"fibrosis", (PO,)),
    (r"fibrotic", (PO,)),                         # CheXpert lists fibrosis under Pleural Other
    (r"apical (?:pleural )?capp?(?:ing)?", (PO,)),
    # Fracture
    (r"fractur\w*", (FR,)),
    (r"fx", (FR,)),
    # Support Devices
    (r"(?:lines?|tubes?) (?:and|or|/) (?:lines?|tubes?)", (SD,)),
    (r"tubes?", (SD,)),
    (r"ett", (SD,)),
    (r"ngt", (SD,)),
    (r"dobhoffs?", (SD,)),
    (r"catheters?", (SD,)),
    (r"picc(?: lines?)?", (SD,)),
    (r"(?:central|venous|arterial|ij|subclavian|jugular|dialysis|hemodialysis|swan[- ]ganz|pa|midline|femoral|support|port|access|infusion) lines?", (SD,)),
    (r"line tips?", (SD,)),
    (r"swan[- ]ganz", (SD,)),
    (r"pacemakers?", (SD,)),
    (r"pacers?", (SD,)),
    (r"(?:pacing|pacer|pacemaker|ekg|ecg|monitoring|epicardial|transvenous|defibrillator|icd|aicd) (?:leads?|wires?)", (SD,)),
    (r"a?icds?", (SD,)),
    (r"defibrillators?", (SD,)),
    (r"(?:pacing|pacer|pacemaker|epicardial|guide|ecg|ekg|monitoring) wires?", (SD,)),
    (r"valve (?:replacement|prosthesis|prostheses)", (SD,)),
    (r"prosthetic valves?", (SD,)),
    (r"port-a-caths?", (SD,)),
    (r"portacaths?", (SD,)),
    (r"mediports?", (SD,)),
    (r"ports?", (SD,)),
    (r"stents?", (SD,)),
    (r"drains?", (SD,)),
    (r"hardware", (SD,)),
    (r"(?:fixation|surgical|orthopedic|metallic) (?:plates?|screws?|rods?)", (SD,)),
    (r"screws?", (SD,)),
    (r"cannula\w*", (SD,)),
    (r"coils?", (SD,)),
    (r"(?:support |monitoring |cardiac )?devices?", (SD,)),
    (r"(?:support|monitoring|life support) (?:equipment|apparatus)", (SD,)),
    (r"(?:fiducial |radiopaque )?markers?", (SD,)),
    (r"arthroplast\w*", (SD,)),
    (r"apparatus", (SD,)),
    (r"ecmo", (SD,)),
    (r"impella", (SD,)),
    (r"(?:intra-?aortic )?balloon pump", (SD,)),
    (r"iabp", (SD,)),
    (r"lvad", (SD,)),
    (r"ventricular assist device", (SD,)),
    (r"loop recorder", (SD,)),
    (r"electrodes?", (SD,)),
    (r"(?:introducer )?sheath", (SD,)),
]

# A device's tip is reported only where there is a device: present whatever the cues say
# ("the tip is not well seen").
TIPS: list[tuple[str, tuple[str, ...]]] = [
    (r"(?:line |tube |catheter )?tips?", (SD,)),
]

# Size/contour phrases: an observation only when qualified (see module docstring).
ATTRIBUTES: list[tuple[str, tuple[str, ...]]] = [
    (r"cardiac and mediastinal (?:silhouettes?|contours?)", (CM, EC)),
    (r"cardiac silhouette(?= and (?:pulmonary )?vascularity)", (CM, EC)),
    (r"cardio[- ]?mediastinal (?:and hilar )?(?:silhouettes?|contours?|configuration|shadow|structures?|size|width)", (EC,)),
    (r"cardiomediastinum", (EC,)),
    (r"(?:superior )?mediastinal (?:and hilar )?(?:silhouettes?|contours?|configuration|shadow|width|structures?)", (EC,)),
    (r"hilar contours?", (EC,)),
    (r"(?:superior )?mediastinum", (EC,)),
    (r"heart size", (CM,)),
    (r"size of the heart", (CM,)),
    (r"cardiac (?:size|silhouette|contours?|shadow|diameter)", (CM,)),
    (r"heart", (CM,)),
]

# Mentions that are at most uncertain.
HEDGED: list[str] = [
    r"(?:pulmonary )?(?:vascular |venous )?congestion",
    r"(?:pulmonary )?vascular (?:prominence|engorgement|redistribution)",
    r"(?:vascular |perihilar |hilar )?indistinctness",
    *VASCULAR_PROMINENCE,
]

# Mentions that also make Cardiomegaly uncertain when they are positive or uncertain.
HEART_FAILURE: list[str] = [
    r"(?:congestive )?(?:heart|cardiac) failure",
    r"chf",
]

OTHER_FINDINGS: list[str] = [
    r"pericardial effusions?",
    r"emphysema\w*",
    r"hyperinfla\w*",
    r"hyperexpan\w*",
    r"hyperaera\w*",
    r"hyperlucen\w*",
    r"flatten\w*",
    r"copd",
    r"bull(?:a|ae|ous)",
    r"\w*scolio\w*",
    r"kypho\w*",
    r"degenerat\w*",
    r"spondylo\w*",
    r"osteophyt\w*",
    r"osteopeni\w*",
    r"calcifi\w*",
    r"granulom\w*",
    r"hernia\w*",
    r"elevat\w*",
    r"eventration",
    r"blunt\w*",
    r"thicken\w*",
    r"pneumomediastinum",
    r"pneumoperitoneum",
    r"(?:free )?(?:intraperitoneal|subdiaphragmatic) (?:free )?air",
    r"free air",
    r"arthrit\w*",
    r"arthropath\w*",
    r"stenos[ie]s",
    r"atheroscl\w*",
    r"tortu\w*",
    r"unfold\w*",
    r"ecta(?:tic|sia)",
    r"aneurysm\w*",
    r"aspiration",
    r"bronchiecta\w*",
    r"cephalization",
    r"(?:pulmonary )?(?:arterial |venous )?hypertension",
    r"metasta\w*",
    r"(?:lymph)?adenopath\w*",
    r"deformit\w*",
    r"hematoma",
    r"hemorrhage",
    r"contusion",
    r"cuffing",
    r"bronchiti\w*",
    r"bronchioliti\w*",
    r"airways? disease",
    r"asthma",
    r"volume loss",
    r"cysts?",
    r"cavitation",
    r"soft tissue densit(?:y|ies)",
    r"interstitial prominence",
    r"bronchospasm",
    r"aortic disease",
    r"irregular lucenc\w*",
    r"inflam\w*",
    r"osteodystroph\w*",
    r"bullets?",
    r"aerophagia",
]

UNMENTIONS: list[str] = [
    r"kerley (?:b )?lines?",
    r"(?:visceral )?pleural lines?",
    r"septal lines?",
    r"(?:azygo-?esophageal|paraspinal|paratracheal|anterior junction|posterior junction|junction) lines?",
    r"skin fold lines?",
    r"mass effect",
    r"(?:joint|knee|shoulder) effusions?",
    r"(?:over|overlying|overlies|overly|in|at) the (?:heart|cardiac silhouette|mediastinum)",
    r"heart (?:rate|disease|valve)",
    r"(?:median )?sternotomy(?: wires?)?",
    r"(?:sternal|sternotomy|cerclage|surgical|suture) (?:suture )?wires?",
    r"wires?",
    r"(?:surgical |mediastinal |vascular |cholecystectomy |axillary )?clips?",
    r"air[- ]fluid levels?",
    r"nipple (?:shadows?|markers?)",
    r"fluid (?:overload|status|balance|filled|collections?)",
    r"xxxx",
]

# ---- cues -----------------------------------------------------------------------------------------
# Each cue: (regex, role before the mention, role after the mention). Roles:
#   neg          negation (before: anywhere earlier in the clause; after: within POST_WINDOW words)
#   neg_near     negation that must sit right next to the mention ("normal heart size")
#   unc          uncertainty (same windows as neg)
#   unc_first    uncertainty that wins over negation ("cannot exclude", "not excluded", "no new")
#   unc_adjacent uncertainty after a mention with no other mention in between ("X versus ...")
#   unc_attr     uncertainty for size/contour attributes only ("the mediastinum may be widened")
#   None         no role on that side
# Pseudo cues (PSEUDO) are matched and then ignored, so that "no change in X" does not negate X.
# Break cues end the scope of every cue: "but", "however", ";", ", likely ...".

PSEUDO: list[str] = [
    r"no (?:significant |substantial |appreciable |definite |interval |short[- ]interval )*(?:change|increase|progression)",
    r"not (?:significantly |substantially |appreciably )?(?:changed|increased|progressed)",
    r"without (?:significant |substantial |appreciable |interval )*(?:change|increase|progression)",
    r"not (?:been )?(?:seen|present|visible|evident|identified|demonstrated|appreciated|noted) (?:on|in) (?:the )?(?:prior|previous|preceding|earlier|recent)\w*(?: \w+)?",
    r"not (?:seen|present|visible|evident|identified) previously",
    r"not previously (?:seen|present|visible|evident|identified|demonstrated|noted)",
    r"no more than",
    r"not only",
    r"gram[- ]negative",
]

BREAKS: list[str] = [
    r"but",
    r"however",
    r"although",
    r"though",
    r"except(?: for)?",
    r"aside from",
    r"apart from",
    r"other than",
    r"besides",
    r"whereas",
    r"while",
    r"with",
    r"after",
    r"following",
    r"otherwise",
    r"and (?=there |the |a |an |no |new |now |is |are |small |mild |moderate |large |stable |persistent )",
    r", (?=there |the |which |and there )",
    # (not ", suspicious X" or ", concerning X": adjectives inside a list, "no A, suspicious B or C")
    r", (?=(?:most |more |less )?(?:likely|probabl\w*|possibl\w*|may |might |could |concern\w* (?:for|of)|suspicious (?:for|of)|worrisome|suggest\w*|question\w*|compatible|consistent|in keeping)\b)",
]

CUES: list[tuple[str, str | None, str | None]] = [
    # uncertainty that wins over negation
    (r"(?:cannot|can ?not|can't|could not|couldn't) (?:be )?(?:entirely |completely |totally |definitely |fully )?(?:exclude[ds]?|ruled? out)", "unc_first", "unc_first"),
    (r"(?:is |are |was |were )?not (?:be )?(?:entirely |completely |totally |definitely |fully )?(?:excluded|ruled out)", None, "unc_first"),
    (r"(?:difficult|hard|impossible|unable) to (?:entirely |completely )?(?:exclude|rule out)", "unc_first", "unc_first"),
    (r"no new", "unc_first", None),
    (r"no (?:new|increasing|worsening) or (?:new|increasing|worsening)", "unc_first", None),
    # negation
    (r"no (?:definite |obvious |convincing |significant |radiographic |clear |acute |other |residual |focal |frank )*(?:evidence|signs?|findings?) (?:of|for|to suggest|suggest\w*)", "neg", None),
    (r"without (?:definite |obvious |convincing |significant |radiographic |clear |acute |other )*(?:evidence|signs?|findings?) (?:of|for|to suggest|suggest\w*)", "neg", None),
    (r"no longer (?:\w+ )?(?:seen|present|visible|visualized|evident|identified|demonstrated|apparent|noted|appreciated|detected)", "neg", "neg"),
    (r"no longer", "neg", "neg"),
    (r"no", "neg", None),
    (r"none", "neg", None),
    (r"neither", "neg", None),
    (r"nor", "neg", None),
    (r"without", "neg", None),
    (r"absence of", "neg", None),
    (r"(?:is |are |was |were )?absent", "neg", "neg"),
    (r"negative for", "neg", None),
    (r"(?:is |are )?negative", None, "neg"),
    (r"free of", "neg", None),
    (r"clear of", "neg", None),
    (r"(?:with )?(?:interval )?(?:resolution|disappearance|clearing|removal) of", "neg", None),
    (r"(?:with )?(?:interval )?(?:resolution|removal)", None, "neg"),
    (r"(?:has |have |had )?(?:since )?(?:completely |entirely |nearly |largely )?resolved", "neg", "neg"),
    (r"(?:has |have |had )?(?:since )?(?:completely |entirely )?cleared", "neg", "neg"),
    (r"(?:has |have |had )?(?:been )?(?:since )?removed", "neg", "neg"),
    (r"rather than", "neg", None),
    (r"(?:to )?(?:rule|ruled) out", "neg", "neg"),
    (r"r/o", "neg", None),
    (r"(?:to )?exclude[ds]?", "neg", "neg"),
    (r"history of", "neg", None),
    (r"(?:is |are |was |were |appears? |remains? )?not (?:currently |significantly |substantially |markedly |appreciably |definitely |convincingly )?(?:seen|identified|visualized|appreciated|present|demonstrated|evident|visible|noted|detected|apparent|enlarged|widened|dilated|increased in size)", None, "neg"),
    (r"(?:at |within )?(?:the )?upper limits? of normal", "neg_near", "neg"),
    (r"(?:is |are |remains? |appears? )?within (?:the )?normal limits", "neg_near", "neg"),
    (r"(?:normal|unremarkable)", "neg_near", "neg"),
    (r"top[- ]normal", "neg_near", "neg"),
    # uncertainty
    (r"not (?:clearly|well|adequately|fully|optimally) (?:seen|visualized|evaluated|assessed|demonstrated)", None, "unc"),
    (r"(?:poorly|incompletely|suboptimally) (?:seen|visualized|evaluated|assessed)", None, "unc"),
    (r"(?:is |are |may be |could be )?obscur\w*", None, "unc"),
    (r"(?:is |are |was |were |appears? |seems? |remains? )(?:less likely|possible|probable|questionable|questioned|equivocal|suspected|favou?red|considered|uncertain|indeterminate|unlikely|a (?:possibility|consideration|concern))", None, "unc"),
    (r"(?:may|might|could|can) (?:also )?(?:have|appear)", None, "unc"),
    (r"(?:may|might|could|can) (?:also |still )?(?:be|have been) (?:present|seen|noted|developing|evolving|forming|hidden|masked)", None, "unc"),
    (r"(?:if any|cannot be assessed|not assessed)", "unc", "unc"),
    (r"less likely", "unc", None),          # CheXpert: "likely X" is positive, "less likely X" uncertain
    (r"unlikely", "unc", None),
    (r"probabl\w*", "unc", None),
    (r"possibl\w*", "unc", None),
    (r"presum\w*", "unc", None),
    (r"questionabl\w*", "unc", None),
    (r"question(?:ed)? (?:of|for)", "unc", None),
    (r"\?", "unc", None),
    (r"suspicio(?:us|n) (?:for|of)", "unc", None),
    (r"suspect\w*", "unc", "unc"),
    (r"concern(?:ing|s)? (?:for|of)", "unc", None),
    (r"worrisome (?:for|of)", "unc", None),
    (r"suggest\w*(?: of)?", "unc", None),
    (r"(?:clinical )?correlat\w* (?:clinically )?(?:for|with)", "unc", None),
    (r"(?:to )?(?:evaluate|eval|assess) for", "unc", None),
    (r"differential(?: diagnosis| diagnoses| considerations?)?(?: would)?(?: includes?| is| are)?", "unc", None),
    (r"consider\w*", "unc", None),
    (r"equivocal", "unc", "unc"),
    (r"indeterminate", "unc", None),
    (r"borderline", "unc", "unc"),
    (r"(?:may|might|could|would|can)", "unc", "unc_attr"),
    (r"(?:versus|vs\.?|and ?/ ?or|and or)", "unc", "unc_adjacent"),
    (r"or", None, None),  # "X or Y": handled by the coordination rule
]

# Qualifiers of ATTRIBUTES mentions.
ENLARGED = (r"\b(?:enlarg\w*|large|larger|increased?|increasing|prominen\w*|widen\w*|wide|"
            r"dilat\w*|cardiomegal\w*|big|bigger)\b")
STABLE = (r"\b(?:stable|unchanged|similar|no (?:significant |interval )?change|"
          r"not (?:significantly )?changed|again (?:seen|noted|demonstrated))\b")

# Sentences that are not findings (CheXpert labels the impression only): dropped before labelling.
SKIP_HEADERS = (r"indication|history|clinical history|clinical information|reason for (?:exam|examination|study)|"
                r"comparison|technique|examination|exam|procedure")
