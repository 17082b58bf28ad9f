"""Report labelers: map report text to CheXpert's 14 observations.

    >>> from rexbench.labelers import label, OBSERVATIONS, POSITIVE
    >>> codes = label(["Stable cardiomegaly. No pleural effusion."])   # (1, 14) int8
    >>> dict(zip(OBSERVATIONS, codes[0]))["Cardiomegaly"] == POSITIVE
    True

Codes follow CheXpert's labeled_reports.csv: 1 positive, 0 negative, -1 uncertain; a blank cell
(not mentioned) is BLANK = 2. `explain(report)` says which phrase and which cue decided each label.
"""

from .chexpert import (
    BLANK,
    NEGATIVE,
    OBSERVATIONS,
    POSITIVE,
    STATUS_NAMES,
    UNCERTAIN,
    Evidence,
    chexpert_cell,
    explain,
    label,
    label_report,
    sentences,
    to_names,
)

# The common 5-observation subset of report-generation papers.
FIVE_OBSERVATIONS: tuple[str, ...] = (
    "Atelectasis",
    "Cardiomegaly",
    "Consolidation",
    "Edema",
    "Pleural Effusion",
)

__all__ = [
    "BLANK", "NEGATIVE", "OBSERVATIONS", "FIVE_OBSERVATIONS", "POSITIVE", "STATUS_NAMES", "UNCERTAIN",
    "Evidence", "chexpert_cell", "explain", "label", "label_report", "sentences", "to_names",
]
