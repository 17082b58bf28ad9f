"""Stale results: made by other metric code (a signature's `v`, library or model fields, or the rexbench
version differ from what this code produces) or another metric set."""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import __version__


# Signature fields that a ci run itself decides (study count, reference hash, bootstrap): a
# difference there is a mismatch, never staleness. Metric parameters also count as such (they are
# part of the metric spec). Every other field (v, library versions, model hashes, rexbench) is the
# metric's code: a difference there makes the committed results stale.
RUN_FIELDS = frozenset({"n", "refs", "boot", "seed", "ci"})


def _param_keys(metric) -> set[str]:
    return {metric.param_keys.get(f.name, f.name) for f in dataclasses.fields(metric.params)}


def stale_reasons(results: dict[str, Any], metric_specs: list[str]) -> list[str]:
    """Why committed results differ from what this code would produce (empty: not stale).

    Stale: another rexbench version, another metric set than `metric_specs` (canonical specs), or a
    metric signature whose code fields (v, library versions, model hashes) differ from this code's.
    """
    from .. import registry
    from ..signature import library_version_fields, parse

    reasons = []
    made_with = results.get("rexbench_version")
    if made_with != __version__:
        reasons.append(f"made with rexbench {made_with}, this is rexbench {__version__}")
    current: dict[str, Any] = {}
    tracks = results.get("tracks") or {}
    for track, body in sorted(tracks.items()):
        metrics = (body or {}).get("metrics") or {}
        have, want = set(metrics), set(metric_specs)
        if have != want:
            parts = []
            if want - have:
                parts.append(f"lacks {', '.join(sorted(want - have))}")
            if have - want:
                parts.append(f"has {', '.join(sorted(have - want))} that ci does not run")
            reasons.append(f"track {track}: scored with another metric set ({'; '.join(parts)})")
        for key in sorted(have & want):
            if key not in current:
                metric = registry.load(key)
                expected = dict(metric.signature_fields())
                expected["rexbench"] = __version__
                current[key] = (expected, _param_keys(metric))
            expected, params = current[key]
            try:
                sig = dict(parse(str(metrics[key].get("signature", ""))).fields)
            except ValueError:
                continue  # an unreadable signature is a mismatch, reported by the comparison
            # another version of a library is not stale by itself: the rescore and each metric's
            # tolerance decide (library_drift names it); code, parameters and model hashes are
            code_keys = (set(sig) | set(expected)) - RUN_FIELDS - params - library_version_fields(expected)
            for k in sorted(code_keys):
                if sig.get(k) != expected.get(k):
                    reasons.append(f"track {track}, metric {key}: signature field {k} is {sig.get(k)}, "
                                   f"this code gives {expected.get(k)}")
    # one line per distinct reason text after the track prefix is enough
    seen, unique = set(), []
    for r in reasons:
        tail = r.split(": ", 1)[-1] if r.startswith("track ") else r
        if tail not in seen:
            seen.add(tail)
            unique.append(r)
    return unique


def library_drift(results: dict[str, Any]) -> list[str]:
    """Libraries whose version here differs from the one the committed results were made with
    (`transformers 5.24.0 → 5.25.0`), once each: the numbers must still reproduce within tolerance."""
    from ..signature import installed_version, library_version_fields, parse

    drift: dict[str, tuple[str, str]] = {}
    for body in (results.get("tracks") or {}).values():
        for m in ((body or {}).get("metrics") or {}).values():
            try:
                sig = dict(parse(str((m or {}).get("signature", ""))).fields)
            except ValueError:
                continue
            here = {k: installed_version(k) for k in sig}
            for k in library_version_fields(here):
                if sig[k] != here[k]:
                    drift[k] = (sig[k], here[k])
    return [f"{k} {a} → {b}" for k, (a, b) in sorted(drift.items())]

