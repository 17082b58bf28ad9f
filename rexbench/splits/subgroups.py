"""Per-study subgroup fields derived from raw metadata (sex, age band, view, manufacturer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_FRONTAL = ("PA", "AP")


def age_band_from_dicom(age: str) -> str | None:
    """DICOM age string ('045Y', '007M', '002D', '003W') -> age band label, None when unknown."""
    from ..stats import age_band, parse_dicom_age  # numpy-only; one definition of the bands

    return age_band(parse_dicom_age(age))


def frontal_view(views: Iterable[Any]) -> str | None:
    """The study's frontal projection: 'PA', 'AP', 'lateral only', or None when unknown."""
    labels = {str(v).strip().upper() for v in views if v is not None}
    for frontal in _FRONTAL:
        if frontal in labels:
            return frontal
    if labels & {"LATERAL", "LL", "RL", "LAT"}:
        return "lateral only"
    return None
