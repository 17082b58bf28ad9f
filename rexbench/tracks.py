"""The three scoring tracks and how their reference text is built (as ReXrank does)."""

from __future__ import annotations

TRACKS: tuple[str, ...] = ("findings", "impression", "findings_impression")
# `report`: a single reference text per study, for custom splits that give no sections.
ALL_TRACKS: tuple[str, ...] = TRACKS + ("report",)

TRACK_NAMES = {
    "findings": "Findings",
    "impression": "Impression",
    "findings_impression": "Findings + Impression",
    "report": "Report",
}


def combine(findings: str, impression: str) -> str:
    """ReXrank's combined report text: `Findings: {findings} Impression: {impression}`."""
    return f"Findings: {findings} Impression: {impression}"


def section_text(findings: str, impression: str, track: str, report: str = "") -> str:
    """The text of one track from two sections; "" when a needed section is empty.

    Unlike CXR-Report-Metric's f-string (which writes a missing section as the literal "None"),
    an empty section makes the study leave the track.
    """
    if track == "findings":
        return findings
    if track == "impression":
        return impression
    if track == "findings_impression":
        return combine(findings, impression) if findings and impression else ""
    if track == "report":
        return report
    raise ValueError(f"unknown track {track!r} (tracks: {', '.join(ALL_TRACKS)})")


def parse_tracks(value: str | None) -> tuple[str, ...]:
    if not value or value == "all":
        return ALL_TRACKS
    tracks = tuple(t.strip() for t in value.split(",") if t.strip())
    for t in tracks:
        if t not in ALL_TRACKS:
            from .errors import RexbenchError
            raise RexbenchError(f"unknown track {t!r} (tracks: {', '.join(ALL_TRACKS)})")
    return tracks
