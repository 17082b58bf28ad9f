"""Checks of one submission: validate it, score it into a temporary folder, compare with the committed
results (rexbench.reproduction), and collect its problems with the ids a message may show."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RexbenchError
from ..splits import load_split
from ..splits.private import PRIVATE_ENV, is_private, scrub_private
from .changes import _entries
from .staleness import library_drift, stale_reasons


MAX_FIELD_PROBLEMS = 5
STALE_POLICIES = ("rescore", "reject")


@dataclass
class SubmissionReport:
    id: str
    status: str = "unchanged"            # see STATUS_TEXT
    checked: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)   # result files this run wrote (the contributor commits them)
    # (split id, track, n, {metric key: (score, low, high)})
    scores: list[tuple[str, str, int, dict[str, tuple[float, float | None, float | None]]]] = field(default_factory=list)


@dataclass
class CiOptions:
    metrics: list[str]
    bootstrap: int = 1000
    seed: int = 12345
    regenerate: bool = False
    stale: str | None = None              # rescore | reject; None: rescore with --regenerate, else reject
    data_dir: Path | None = None

    @property
    def stale_policy(self) -> str:
        return self.stale or ("rescore" if self.regenerate else "reject")


def _rel(path: Path, submissions_dir: Path) -> str:
    root = submissions_dir.resolve().parent
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def _lines(exc: BaseException, submissions_dir: Path) -> list[str]:
    """One line per problem, with paths relative to the repository and no private path."""
    root = str(submissions_dir.resolve().parent) + os.sep
    raw = getattr(exc, "problems", None) or (str(exc).splitlines() or [type(exc).__name__])
    return [scrub_private(str(line).replace(root, "").replace(str(submissions_dir) + os.sep,
                                                         submissions_dir.name + os.sep)) for line in raw]


def _unchanged_check(sub, metrics: list[str]) -> list[str] | None:
    """None: fine. []: results missing. Else the stale reasons."""
    from ..results import read_results

    entries = _entries(sub)
    if not all(e.results_path.is_file() and e.per_study_path.is_file() for e in entries):
        return []
    reasons = []
    for e in entries:
        try:
            reasons += stale_reasons(read_results(e.results_path), metrics)
        except RexbenchError as exc:
            reasons.append(str(exc).splitlines()[0])
    return reasons or None


_QUOTED_ID = re.compile(r"""\bid ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def withhold_ids(problems: list[str], hidden: set[str]) -> list[str]:
    """Problems with every study id of `hidden` (a private split's) replaced by <withheld>; lines that
    become identical are merged, with their count."""
    import ast

    if not hidden:
        return problems

    def swap(m: re.Match[str]) -> str:
        try:
            return "id <withheld>" if ast.literal_eval(m.group(1)) in hidden else m.group(0)
        except (ValueError, SyntaxError):
            return m.group(0)

    counts: dict[str, int] = {}
    for line in problems:
        line = _QUOTED_ID.sub(swap, line)
        counts[line] = counts.get(line, 0) + 1
    return [line if n == 1 else f"{line} ({n} studies)" for line, n in counts.items()]


def todo_fields(text: str) -> list[str]:
    """Fields of a submission.yaml whose line still carries a TODO mark (comment lines are not fields)."""
    fields = []
    for line in text.splitlines():
        body = line.strip()
        if "TODO" in body and not body.startswith("#"):
            key = body.lstrip("- ").split(":", 1)[0].strip()
            fields.append(key or body)
    return fields


def _check_one(sub, rep: SubmissionReport, tmp: Path, *, metrics: list[str], boot, options: CiOptions,
               cache, submissions_dir: Path, show_progress: bool | None, hidden: set[str],
               defer_private: bool) -> None:
    from ..io import read_json_lenient
    from ..predictions import read_predictions, validate
    from ..reproduction import compare_per_study, compare_results, tolerances_of, write_reproducible
    from ..results import read_results, write
    from ..scoring import score

    entries = _entries(sub)
    paths = [e.results_path for e in entries]
    rel_yaml = f"{_rel(sub.folder, submissions_dir)}/submission.yaml"
    if len(set(paths)) != len(paths):
        rep.status = "invalid"
        rep.problems.append(f"{rel_yaml}: splits: one split per "
                            f"submission folder (its results.json would be shared); make one submission per split")
        return
    for key in todo_fields((sub.folder / "submission.yaml").read_text(encoding="utf-8")):
        rep.problems.append(f"{rel_yaml}: field {key} still holds a TODO placeholder: fill it in and delete the "
                            f"TODO mark")
    # 1. validate everything before scoring anything
    runs = []
    for entry, out in zip(sub.splits, entries):
        try:
            if is_private(entry.split) and defer_private and not os.environ.get(PRIVATE_ENV, "").strip():
                read_predictions(entry.predictions, within=sub.folder)   # the file itself is checked now
                rep.notes.append(f"{entry.split}: pull-request jobs get no private references; the trusted "
                                 f"job scores it after merge")
                continue
            split = load_split(entry.split, data_dir=options.data_dir)
            if is_private(entry.split):
                hidden.update(s.id for s in split.studies)
            preds = read_predictions(entry.predictions, within=sub.folder)
            validate(preds, split, entry.tracks)
            runs.append((entry, out, split, preds))
        except RexbenchError as exc:
            rep.problems += _lines(exc, submissions_dir)
    if rep.problems:
        rep.status = "invalid"
        return
    if not runs:
        rep.status = "deferred"
        return
    # 2. score into a temporary folder
    fresh_dirs = []
    for i, (entry, out, split, preds) in enumerate(runs):
        try:
            run = score(split, preds, metrics=metrics, tracks=entry.tracks, bootstrap=boot, cache=cache,
                        show_progress=show_progress)
        except RexbenchError as exc:
            rep.status = "error"
            rep.problems += [f"scoring {entry.split}: {line}" for line in _lines(exc, submissions_dir)]
            return
        fresh = tmp / str(i)
        write(run, fresh, submission_id=sub.id)
        fresh_dirs.append((out, fresh, run))
        _collect_scores(rep, read_results(fresh / "results.json"))
    # 3. compare with what is committed, or write (keeping every committed value that reproduces)
    statuses = []
    for out, fresh, run in fresh_dirs:
        rel_results = _rel(out.results_path, submissions_dir)
        rel_per_study = _rel(out.per_study_path, submissions_dir)
        committed_exists = out.results_path.is_file() or out.per_study_path.is_file()
        write_fresh = options.regenerate or not committed_exists
        if not write_fresh:
            try:
                committed = read_json_lenient(out.results_path, within=out.results_path.parent)
                if not isinstance(committed, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError, RexbenchError) as exc:
                rep.problems.append(f"{rel_results}: not readable ({type(exc).__name__}); "
                                    f"regenerate it (`rexbench ci --regenerate`), never edit it by hand")
                statuses.append("mismatch")
                continue
            fresh_results = read_results(fresh / "results.json")
            was = (committed.get("submission") or {}).get("predictions_sha256")
            if was != fresh_results["submission"]["predictions_sha256"]:
                rep.problems.append(f"{rel_results}: the predictions changed since the results were written: run "
                                    f"`rexbench ci --regenerate --base REF` (or `rexbench ci --regenerate`) "
                                    f"and commit the results")
                statuses.append("mismatch")
                continue
            why = stale_reasons(committed, metrics)
            if why:
                if options.stale_policy == "reject":
                    rep.problems += [f"{rel_results}: stale results: {r}" for r in why]
                    rep.problems.append(f"{rel_results}: rescore with `rexbench ci --base <ref> --regenerate` "
                                        f"(or --all --regenerate) and commit the results")
                    statuses.append("stale")
                    continue
                rep.notes += [f"stale, rescored: {r}" for r in why]
                statuses.append("rescored")
                write_fresh = True
            else:
                tolerances = tolerances_of(run)
                diffs = [f"{rel_results}: {d}" for d in compare_results(committed, fresh_results, tolerances)]
                if out.per_study_path.is_file():
                    diffs += [f"{rel_per_study}: {d}" for d in compare_per_study(out.per_study_path,
                                                                                 fresh / "per_study.jsonl", tolerances)]
                else:
                    diffs.append(f"{rel_per_study}: missing (results.json is committed without it)")
                if diffs:
                    shown = diffs[:MAX_FIELD_PROBLEMS]
                    if len(diffs) > len(shown):
                        shown.append(f"... and {len(diffs) - len(shown)} more field(s) that do not reproduce")
                    rep.problems += shown
                    rep.problems.append(f"{rel_results}: the committed results do not reproduce within each "
                                        f"metric's declared tolerance: results are generated "
                                        f"(`rexbench ci --regenerate`), never edited by hand")
                    statuses.append("mismatch")
                    continue
                drift = library_drift(committed)
                if drift:
                    rep.notes.append(f"{rel_results}: reproduced within tolerance under other library versions "
                                     f"({', '.join(drift)})")
                statuses.append("reproduced")
        else:
            statuses.append("regenerated" if committed_exists else "scored")
        if write_fresh:
            changed = write_reproducible(run, out.results_path.parent, submission_id=sub.id)
            if changed:
                names = " and ".join(_rel(p, submissions_dir) for p in changed)
                rep.written += [_rel(p, submissions_dir) for p in changed]
                rep.notes.append(f"wrote {names}: commit them with the submission")
            else:
                rep.notes.append(f"{rel_results}: the committed results reproduce; files left unchanged")
                if statuses[-1] == "regenerated":
                    statuses[-1] = "reproduced"
    order = ["mismatch", "stale", "rescored", "regenerated", "scored", "reproduced"]
    rep.status = next(s for s in order if s in statuses) if statuses else "error"


def _collect_scores(rep: SubmissionReport, results: dict[str, Any]) -> None:
    split = results["split"]["id"]
    for track, body in results["tracks"].items():
        values = {}
        for key, m in body["metrics"].items():
            ci = m.get("ci") or {}
            values[key] = (m["score"], ci.get("low"), ci.get("high"))
        rep.scores.append((split, track, body["n"], values))
