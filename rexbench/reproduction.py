"""Do fresh results reproduce the committed ones? Each metric's declared tolerance decides.

Fields derived from a metric (its score, CI bounds, components, details, subgroup rows; its per-study
values, components and statistics) reproduce when |committed - fresh| <= that metric's `tolerance`
(0: exactly equal, bit for bit). Every other field (counts, ids, the split, bootstrap settings,
signatures) must be equal. `write_reproducible` keeps every committed value that reproduces, so
rescoring on another machine leaves the files byte-identical and a real change rewrites only itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .records import is_json_number

Parts = tuple[str, ...]
TolOf = Callable[[Parts], float]


def same(a: Any, b: Any, tol: float = 0.0) -> bool:
    """Equal, floats within the absolute tolerance `tol` (0: exactly equal)."""
    if is_json_number(a) and is_json_number(b):
        if isinstance(a, float) or isinstance(b, float):
            return a == b or abs(a - b) <= tol
        return a == b
    return type(a) is type(b) and a == b


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _exact(parts: Parts) -> float:
    return 0.0


def diff_fields(committed: Any, fresh: Any, path: str = "", *, skip: frozenset[str] = frozenset(),
                tol_of: TolOf = _exact, parts: Parts = ()) -> list[str]:
    """Dotted field paths where `committed` differs from `fresh`, with both values.

    `tol_of(parts)` is the absolute tolerance of the leaf at key path `parts` (default: exact).
    """
    out: list[str] = []
    if isinstance(committed, dict) and isinstance(fresh, dict):
        for key in sorted(set(committed) | set(fresh), key=str):
            if key in skip:
                continue
            sub = f"{path}.{key}" if path else str(key)
            if key not in fresh:
                out.append(f"field {sub} is not in a fresh rescore")
            elif key not in committed:
                out.append(f"field {sub} is missing (a fresh rescore has it)")
            else:
                out += diff_fields(committed[key], fresh[key], sub, skip=skip, tol_of=tol_of, parts=(*parts, str(key)))
        return out
    if isinstance(committed, list) and isinstance(fresh, list):
        if len(committed) != len(fresh):
            return [f"field {path} has {len(committed)} entries but a fresh rescore has {len(fresh)}"]
        for i, (a, b) in enumerate(zip(committed, fresh)):
            out += diff_fields(a, b, f"{path}[{i}]", skip=skip, tol_of=tol_of, parts=parts)
        return out
    tol = tol_of(parts)
    if not same(committed, fresh, tol):
        bound = f"beyond its tolerance {tol:g}" if tol else "(this metric reproduces exactly)"
        if not (is_json_number(committed) and is_json_number(fresh)):
            bound = ""
        out.append(f"field {path} is {_short(committed)} but rescoring gives {_short(fresh)}"
                   + (f" {bound}" if bound else ""))
    return out


def merge(committed: Any, fresh: Any, tol_of: TolOf = _exact, parts: Parts = ()) -> Any:
    """`fresh`, keeping every committed value that reproduces (same shape, within tolerance)."""
    if isinstance(committed, dict) and isinstance(fresh, dict):
        return {k: merge(committed[k], v, tol_of, (*parts, str(k))) if k in committed else v
                for k, v in fresh.items()}
    if isinstance(committed, list) and isinstance(fresh, list) and len(committed) == len(fresh):
        return [merge(a, b, tol_of, parts) for a, b in zip(committed, fresh)]
    return committed if same(committed, fresh, tol_of(parts)) else fresh


# ---------------------------------------------------------------------------------------------
# where each field's tolerance comes from
# ---------------------------------------------------------------------------------------------
def results_tol(tolerances: Mapping[str, float]) -> TolOf:
    """results.json: tracks.<track>.metrics.<key>.* and tracks.<track>.subgroups.<key>.* use <key>'s."""
    def tol_of(parts: Parts) -> float:
        if len(parts) >= 4 and parts[0] == "tracks" and parts[2] in ("metrics", "subgroups"):
            return tolerances.get(parts[3], 0.0)
        return 0.0
    return tol_of


def per_study_tol(tolerances: Mapping[str, float]) -> TolOf:
    """per_study.jsonl rows: `<key>`, `<key>.<component>` and stats.<key> use <key>'s."""
    def tol_of(parts: Parts) -> float:
        if not parts:
            return 0.0
        key = parts[1] if parts[0] == "stats" and len(parts) > 1 else parts[0]
        if key in tolerances:
            return tolerances[key]
        owners = [k for k in tolerances if key.startswith(k + ".")]
        return tolerances[max(owners, key=len)] if owners else 0.0
    return tol_of


def compare_results(committed: dict[str, Any], fresh: dict[str, Any], tolerances: Mapping[str, float]) -> list[str]:
    """Field-level differences between committed and freshly scored results.json (staleness excluded)."""
    from .signature import parse

    problems = []
    if committed.get("schema") != fresh.get("schema"):
        return [f"field schema is {_short(committed.get('schema'))}, expected {fresh.get('schema')!r}"]
    # signatures: compare fields, not strings
    for track in sorted(set(committed.get("tracks") or {}) & set(fresh.get("tracks") or {})):
        cm = committed["tracks"][track].get("metrics") or {}
        fm = fresh["tracks"][track].get("metrics") or {}
        for key in sorted(set(cm) & set(fm)):
            where = f"tracks.{track}.metrics.{key}.signature"
            try:
                a = parse(str(cm[key].get("signature", "")))
            except ValueError:
                problems.append(f"field {where} is not a readable signature")
                continue
            b = parse(str(fm[key]["signature"]))
            # another library version is noted by ci, not a difference: the values below decide
            for k, (x, y) in a.code_differences(b).items():
                problems.append(f"field {where} has {k}={x} but rescoring gives {k}={y}")
    problems += diff_fields(committed, fresh, skip=frozenset({"signature", "notice", "per_study_sha256"}),
                            tol_of=results_tol(tolerances))
    return problems


def compare_per_study(committed_path: Path, fresh_path: Path, tolerances: Mapping[str, float]) -> list[str]:
    from .errors import RexbenchError
    from .results import read_per_study

    try:
        committed = read_per_study(committed_path, verify_pair=False)  # every field is compared below
    except (OSError, ValueError, KeyError, TypeError, RexbenchError) as exc:
        return [f"not readable ({type(exc).__name__})"]
    fresh = read_per_study(fresh_path)
    tol_of = per_study_tol(tolerances)
    problems = []
    for track in sorted(set(committed) | set(fresh)):
        if track not in fresh or track not in committed:
            problems.append(f"track {track} is {'not ' if track not in fresh else 'missing, though '}"
                            f"in a fresh rescore")
            continue
        a, b = committed[track], fresh[track]
        if set(a) != set(b):
            extra, missing = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            problems.append(f"track {track}: {len(extra)} unexpected and {len(missing)} missing study ids "
                            f"(e.g. {(extra or missing)[0]!r})")
            continue
        for sid in sorted(a):
            for d in diff_fields(a[sid], b[sid], tol_of=tol_of):
                problems.append(f"track {track}, id {sid!r}: {d}")
    return problems


# ---------------------------------------------------------------------------------------------
# writing: keep what reproduces
# ---------------------------------------------------------------------------------------------
def tolerances_of(run) -> dict[str, float]:
    """Metric key -> its declared tolerance, for every metric of a scoring run."""
    return {key: float(ms.metric.tolerance) for track in run.tracks.values() for key, ms in track.metrics.items()}


def write_reproducible(run, out_dir: Path, *, submission_id: str | None = None) -> list[Path]:
    """Write results.json and per_study.jsonl into out_dir, keeping every committed value that reproduces.

    Returns the files whose bytes changed (none when the rescore reproduces the committed results).
    """
    from .errors import RexbenchError
    from .io import dumps_json, dumps_jsonl, read_json_lenient, refuse_overwrite, sha256_bytes
    from .pair import write_pair
    from .results import build_results, per_study_rows, read_per_study

    out_dir = Path(out_dir)
    results_path, per_study_path = out_dir / "results.json", out_dir / "per_study.jsonl"
    for target in (results_path, per_study_path):
        refuse_overwrite(target, [run.predictions.path, run.split.source], option="--out")
    tolerances = tolerances_of(run)
    fresh_rows = per_study_rows(run)
    per_study = dumps_jsonl(fresh_rows).encode("utf-8")
    old_bytes = _read_or_none(per_study_path)
    if old_bytes != per_study:   # equal bytes: every value reproduced exactly, nothing to merge (a rerun)
        try:
            old_rows = read_per_study(per_study_path, verify_pair=False) if old_bytes is not None else {}
        except (OSError, ValueError, KeyError, TypeError, RexbenchError):
            old_rows = {}                       # unreadable: replaced
        row_tol = per_study_tol(tolerances)
        rows = [merge(old_rows[r["track"]][r["id"]], r, row_tol) if r["id"] in old_rows.get(r["track"], {}) else r
                for r in fresh_rows]
        per_study = dumps_jsonl(rows).encode("utf-8")
    results = build_results(run, submission_id=submission_id, per_study_sha256=sha256_bytes(per_study))
    try:
        old = read_json_lenient(results_path, within=out_dir) if results_path.is_file() else None
        if isinstance(old, dict):
            results = merge(old, results, results_tol(tolerances))
            if old_bytes == per_study:
                _keep_signatures(old, results)      # every per-study value reproduced too
    except (OSError, ValueError, RexbenchError):
        pass                                    # unreadable: replaced
    data = {results_path: dumps_json(results).encode("utf-8"), per_study_path: per_study}
    before = {per_study_path: old_bytes, results_path: _read_or_none(results_path)}
    changed = [p for p in (per_study_path, results_path) if before[p] != data[p]]
    if changed:                                 # the two are always written together, as a pair
        write_pair(out_dir, data[results_path], data[per_study_path])
    return changed


def _read_or_none(path: Path) -> bytes | None:
    """The bytes of an earlier output file; None when there is none or it cannot be read (then replaced)."""
    from .errors import RexbenchError
    from .io import MAX_RESULTS_BYTES, read_regular

    if not path.is_file():
        return None
    try:
        return read_regular(path, limit=MAX_RESULTS_BYTES, what="earlier output", within=path.parent)
    except (OSError, RexbenchError):
        return None


def _keep_signatures(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Keep a committed signature where its metric fully reproduced and only library versions differ.

    The committed numbers are kept (they reproduce within tolerance), so the signature they were made
    with stays true of them; rewriting it would dirty a clone for a library patch release.
    """
    from .signature import parse

    for track, body in (new.get("tracks") or {}).items():
        old_metrics = ((old.get("tracks") or {}).get(track) or {}).get("metrics") or {}
        for key, block in (body.get("metrics") or {}).items():
            was = old_metrics.get(key)
            if not isinstance(was, dict) or not isinstance(was.get("signature"), str):
                continue
            rest = {k: v for k, v in block.items() if k != "signature"}
            if rest != {k: v for k, v in was.items() if k != "signature"}:
                continue
            try:
                a, b = parse(was["signature"]), parse(str(block["signature"]))
            except ValueError:
                continue
            if not a.code_differences(b):
                block["signature"] = was["signature"]
