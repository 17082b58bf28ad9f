"""`rexbench ci`: check new or changed submissions, score them, verify committed results, rebuild the site.

One run (docs/submissions.md has the user's view):

1. Pick the submissions to check: the folders under `submissions/` that `git diff --name-only
   BASE...HEAD` touches (`--base`), or all of them (`--all`). Removed folders are only noted.
2. Validate each: submission.yaml, its split, and the predictions (exact ids, no empties).
3. Score it into a temporary folder (metric outputs are cached, so an unchanged rerun is cheap).
4. Compare with the committed results.json / per_study.jsonl, field by field, each metric's values
   within that metric's declared tolerance (rexbench.reproduction): a value or signature that does not
   reproduce is a problem naming the file and the field; predictions changed since the results were
   written are said to be so. Missing results are written; `--regenerate` rewrites them, keeping every
   committed value that reproduces (so the files change only where numbers really moved); the
   contributor commits what ci writes. `--regenerate` without --base/--all picks the submissions whose
   predictions changed, or whose results are missing or stale. A submission.yaml that still holds
   TODO placeholders fails, naming each field. Results made by other metric code (a signature's `v`, library
   or model fields, or the rexbench version differ from what this code produces, or another metric
   set) are *stale*: rescored with `--stale rescore`, rejected with `--stale reject`.
   Submissions outside the check set get the cheap staleness check only (no scoring).
5. Rebuild the site from every submission without a problem (rexbench.pipeline.build_site_from).
6. Write a Markdown summary (a table of submissions with status and main scores with CIs, then one
   line per problem), for `--summary FILE`, $GITHUB_STEP_SUMMARY and a pull-request comment.

Private references: a submission whose split is `private:<name>` is scored against the file named
by $REXBENCH_PRIVATE_REFS (a ReXrank JSON or custom JSONL/CSV, or a folder holding <name>.json /
.jsonl / .csv). Neither that path nor any reference text is ever printed, written or committed: the
loaded split is renamed `private-<name>` and loader errors are replaced by a fixed message.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import RexbenchError

PRIVATE_ENV = "REXBENCH_PRIVATE_REFS"
PRIVATE_PREFIX = "private:"
_PRIVATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Signature fields that a ci run itself decides (study count, reference hash, bootstrap): a
# difference there is a mismatch, never staleness. Metric parameters also count as such (they are
# part of the metric spec). Every other field (v, library versions, model hashes, rexbench) is the
# metric's code: a difference there makes the committed results stale.
RUN_FIELDS = frozenset({"n", "refs", "boot", "seed", "ci"})
MAX_FIELD_PROBLEMS = 5
STALE_POLICIES = ("rescore", "reject")
SUMMARY_MARKER = "<!-- rexbench-ci-summary -->"


# ---------------------------------------------------------------------------------------------
# private references
# ---------------------------------------------------------------------------------------------
def is_private(spec: str) -> bool:
    return spec.startswith(PRIVATE_PREFIX)


def load_private_split(name: str):
    """The split `private:<name>`, read from $REXBENCH_PRIVATE_REFS; its path and text never printed.

    The returned split is renamed (id `private-<name>`, source `private:<name>`), so results.json,
    the site and every message carry the name only. Any loader error becomes one fixed line.
    """
    from .splits import load_split

    spec = PRIVATE_PREFIX + name
    if not _PRIVATE_NAME.match(name):
        raise RexbenchError(f"bad private split {spec!r}: the name must be 1-63 lowercase letters, digits, "
                            f"'-' or '_'")
    value = os.environ.get(PRIVATE_ENV, "").strip()
    if not value:
        raise RexbenchError(f"split {spec} needs the private references: set ${PRIVATE_ENV} to the references "
                            f"file (or a folder holding {name}.json / .jsonl / .csv); it is never committed")
    path = Path(value).expanduser()
    if path.is_dir():
        found = [path / f"{name}{ext}" for ext in (".json", ".jsonl", ".csv") if (path / f"{name}{ext}").is_file()]
        if len(found) != 1:
            raise RexbenchError(f"split {spec}: the folder in ${PRIVATE_ENV} holds "
                                f"{'no' if not found else 'more than one'} {name}.json / .jsonl / .csv")
        path = found[0]
    elif not path.is_file():
        raise RexbenchError(f"split {spec}: ${PRIVATE_ENV} names no file or folder on this machine")
    try:
        split = load_split(str(path))
    except Exception as exc:  # noqa: BLE001 - any loader message may quote the path or the text
        count = len(getattr(exc, "problems", None) or [exc])
        raise RexbenchError(f"split {spec}: the references in ${PRIVATE_ENV} could not be read ({count} "
                            f"problem(s); details are withheld so that no path or reference text is printed)") from None
    return dataclasses.replace(split, id=f"private-{name}", name=f"private {name}", dataset="private",
                               source=spec)


def load_split_any(spec: str, *, data_dir: Path | None = None):
    """load_split, plus `private:<name>` (until the split loader knows it itself)."""
    from .splits import load_split

    if is_private(spec):
        return load_private_split(spec[len(PRIVATE_PREFIX):])
    return load_split(spec, data_dir=data_dir)


def _scrub(text: str) -> str:
    """Remove the private references path from a message (belt and braces: loaders never see it printed)."""
    value = os.environ.get(PRIVATE_ENV, "").strip()
    if value:
        for form in {value, str(Path(value).expanduser()), str(Path(value).expanduser().resolve())}:
            if len(form) > 1:
                text = text.replace(form, f"${PRIVATE_ENV}")
    return text


# ---------------------------------------------------------------------------------------------
# which submissions changed
# ---------------------------------------------------------------------------------------------
def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RexbenchError("rexbench ci --base needs git on PATH") from None
    if proc.returncode != 0:
        msg = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise RexbenchError(f"git {' '.join(args)}: {msg}")
    return proc.stdout


def changed_submission_ids(submissions_dir: Path, base: str) -> list[str]:
    """Ids (first path component) of submission folders touched by `git diff BASE...HEAD`."""
    if not submissions_dir.is_dir():
        raise RexbenchError(f"{submissions_dir}: no such folder")
    out = _git(["diff", "--name-only", "--no-renames", "--relative", "-z", f"{base}...HEAD", "--", "."],
               submissions_dir)
    ids = set()
    for name in out.split("\0"):
        parts = Path(name).parts
        if len(parts) >= 2:  # files directly under submissions/ (a README) are no submission
            ids.add(parts[0])
    return sorted(ids)


def metric_code_changed(submissions_dir: Path, base: str) -> bool:
    """Whether `git diff BASE...HEAD` touches the metric folders (when they live in the same repository)."""
    from .paths import metrics_dir

    top = Path(_git(["rev-parse", "--show-toplevel"], submissions_dir).strip()).resolve()
    try:
        rel = metrics_dir().resolve().relative_to(top)
    except ValueError:
        return False
    return bool(_git(["diff", "--name-only", f"{base}...HEAD", "--", str(rel)], top).strip())


# ---------------------------------------------------------------------------------------------
# comparing committed results with a rescore
# ---------------------------------------------------------------------------------------------
def _param_keys(metric) -> set[str]:
    return {metric.param_keys.get(f.name, f.name) for f in dataclasses.fields(metric.params)}


def stale_reasons(results: dict[str, Any], metric_specs: list[str]) -> list[str]:
    """Why committed results differ from what this code would produce (empty: not stale).

    Stale: another rexbench version, another metric set than `metric_specs` (canonical specs), or a
    metric signature whose code fields (v, library versions, model hashes) differ from this code's.
    """
    from . import registry
    from .signature import library_version_fields, parse

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
    from .signature import library_version_fields, parse

    drift: dict[str, tuple[str, str]] = {}
    for body in (results.get("tracks") or {}).values():
        for m in ((body or {}).get("metrics") or {}).values():
            try:
                sig = dict(parse(str((m or {}).get("signature", ""))).fields)
            except ValueError:
                continue
            here = {k: _installed_version(k) for k in sig}
            for k in library_version_fields(here):
                if sig[k] != here[k]:
                    drift[k] = (sig[k], here[k])
    return [f"{k} {a} → {b}" for k, (a, b) in sorted(drift.items())]


def _installed_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except (PackageNotFoundError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------
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


STATUS_TEXT = {
    "reproduced": "✅ results reproduce",
    "scored": "✅ scored (new results)",
    "regenerated": "✅ results regenerated",
    "rescored": "✅ stale results rescored",
    "unchanged": "✅ unchanged",
    "removed": "➖ removed",
    "invalid": "❌ invalid",
    "mismatch": "❌ results do not reproduce",
    "stale": "❌ stale results",
    "error": "❌ error",
    "deferred": "⏳ private split: scored after merge",
}


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


@dataclass
class CiReport:
    mode: str                              # "--all" or "--base REF"
    submissions: list[SubmissionReport]
    problems: list[str] = field(default_factory=list)       # not tied to one submission
    notes: list[str] = field(default_factory=list)
    site: Path | None = None
    site_submissions: int = 0
    metrics: list[str] = field(default_factory=list)
    bootstrap: int = 0
    display: dict[str, Any] | None = None
    board: dict[str, Any] | None = None   # the rebuilt leaderboard (ranks for the summary)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(s.problems for s in self.submissions)

    def all_problems(self) -> list[str]:
        out = list(self.problems)
        for s in self.submissions:
            out += [f"{s.id}: {p}" for p in s.problems]
        return out


def run_ci(submissions_dir: Path, *, out_dir: Path, display_path: Path, options: CiOptions,
           base: str | None = None, all_submissions: bool = False, show_progress: bool | None = None,
           log=None) -> CiReport:
    """Check, score and verify submissions, then rebuild the site. Never raises for a submission's problem."""
    from .cache import ScoreCache
    from .scoring import load_metrics
    from .submission import FILENAME, load_submission

    log = log or (lambda msg: None)
    changed_only = base is None and not all_submissions and options.regenerate
    if (base is None) == (not all_submissions) and not changed_only:
        raise RexbenchError("give --base REF (check what changed since REF) or --all (or --regenerate alone: "
                            "rescore the submissions whose predictions changed since their results were written)")
    if options.stale_policy not in STALE_POLICIES:
        raise RexbenchError(f"--stale must be one of {', '.join(STALE_POLICIES)}, not {options.stale!r}")
    if options.bootstrap < 0:
        raise RexbenchError("--bootstrap must be 0 (no CIs) or a positive number of resamples")
    submissions_dir = Path(submissions_dir)
    mode = "--all" if all_submissions else (f"--base {base}" if base is not None else "--regenerate")
    report = CiReport(mode=mode, submissions=[], bootstrap=options.bootstrap)
    try:
        from .site import load_display_schema
        report.display = load_display_schema(display_path)
    except Exception as exc:  # noqa: BLE001 - reported, the summary falls back to metric ids
        report.problems.append(_scrub(f"display schema: {exc}"))

    metrics = [m.spec for m in load_metrics(options.metrics)]   # raises before any work
    report.metrics = metrics
    if not submissions_dir.is_dir():
        raise RexbenchError(f"{submissions_dir}: no such folder (pass --submissions DIR)")

    folders = sorted(p for p in submissions_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if all_submissions:
        check_ids = [p.name for p in folders]
    elif changed_only:
        check_ids = []   # decided per submission below: predictions changed, results missing or stale
    else:
        check_ids = changed_submission_ids(submissions_dir, base)
        if metric_code_changed(submissions_dir, base):
            check_ids = sorted(set(check_ids) | {p.name for p in folders})
            report.notes.append("metric code changed since the base: every submission is rescored and compared")
    by_id: dict[str, SubmissionReport] = {}
    loaded = {}
    for folder in folders:
        rep = by_id[folder.name] = SubmissionReport(folder.name, checked=folder.name in check_ids)
        if not (folder / FILENAME).is_file():
            if rep.checked:
                rep.status, rep.problems = "invalid", [f"{_rel(folder, submissions_dir)}: no {FILENAME}"]
            continue
        try:
            loaded[folder.name] = load_submission(folder)
        except RexbenchError as exc:
            rep.status = "invalid"
            rep.checked = True   # an unchanged but invalid submission is a problem as well
            rep.problems += _lines(exc, submissions_dir)
    for sid in check_ids:
        if sid not in by_id:
            by_id[sid] = SubmissionReport(sid, status="removed", checked=True)

    boot = None
    if options.bootstrap > 0:
        from .scoring import BootstrapConfig
        boot = BootstrapConfig(n_resamples=options.bootstrap, seed=options.seed)
    cache = ScoreCache()
    policy = options.stale_policy

    with tempfile.TemporaryDirectory(prefix="rexbench-ci-") as tmp:
        for sid, sub in sorted(loaded.items()):
            rep = by_id[sid]
            if changed_only and not rep.checked and _predictions_changed(sub):
                rep.checked = True
                rep.notes.append("predictions changed since the results were written")
            if not rep.checked:
                # outside the check set: cheap checks only, unless its results are missing or stale
                why = _unchanged_check(sub, metrics)
                if why is None:
                    continue
                if why and policy == "reject":
                    rep.status, rep.checked = "stale", True
                    rep.problems += [f"stale results: {r}" for r in why]
                    rep.problems.append("rescore: `rexbench ci --all --regenerate`, then commit the results")
                    continue
                rep.checked = True
                rep.notes.append("results missing" if not why else "stale: " + "; ".join(why))
            log(f"checking {sid} ...")
            hidden: set[str] = set()   # study ids of private splits: never printed
            try:
                _check_one(sub, rep, Path(tmp) / sid, metrics=metrics, boot=boot, options=options, cache=cache,
                           submissions_dir=submissions_dir, show_progress=show_progress, hidden=hidden,
                           defer_private=base is not None)
            finally:
                rep.problems = withhold_ids(rep.problems, hidden)

        site_subs = [sub for sid, sub in sorted(loaded.items()) if not by_id[sid].problems
                     and all(e.results_path.is_file() for e in _entries(sub))]
        try:
            from .pipeline import build_site_from
            board = build_site_from(site_subs, display_path, out_dir)
            report.site, report.site_submissions = Path(out_dir), len(board.get("submissions", {}))
            report.board = board
        except Exception as exc:  # noqa: BLE001 - any build failure is a ci problem, reported in the summary
            report.problems.append(_scrub(f"site: the leaderboard did not build: {exc}"))
    report.submissions = [by_id[k] for k in sorted(by_id) if by_id[k].checked]
    report.submissions += [by_id[k] for k in sorted(by_id) if not by_id[k].checked]
    return report


def _entries(sub):
    from .leaderboard import entries_for
    return entries_for(sub)


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
    return [_scrub(str(line).replace(root, "").replace(str(submissions_dir) + os.sep,
                                                         submissions_dir.name + os.sep)) for line in raw]


def _predictions_changed(sub) -> bool:
    """Whether a predictions file's sha256 differs from the one its committed results.json records."""
    from .io import read_json_lenient, sha256_file

    for entry, out in zip(sub.splits, _entries(sub)):
        try:
            results = read_json_lenient(out.results_path, within=out.results_path.parent)
            recorded = (results.get("submission") or {}).get("predictions_sha256")
        except (OSError, ValueError, AttributeError, RexbenchError):
            continue                     # missing or unreadable results: the unchanged check handles them
        if recorded != sha256_file(entry.predictions):
            return True
    return False


def _unchanged_check(sub, metrics: list[str]) -> list[str] | None:
    """None: fine. []: results missing. Else the stale reasons."""
    from .results import read_results

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
    from .io import read_json_lenient
    from .predictions import read_predictions, validate
    from .reproduction import compare_per_study, compare_results, tolerances_of, write_reproducible
    from .results import read_results, write
    from .scoring import score

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
            split = load_split_any(entry.split, data_dir=options.data_dir)
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


# ---------------------------------------------------------------------------------------------
# the Markdown summary
# ---------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")


def md(text: Any) -> str:
    """Escape untrusted text for one line of GitHub Markdown (no HTML, links, mentions or tables)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split())).replace("@", "@\u200b")


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.4f}"


def render_summary(report: CiReport) -> str:
    from .site import ordered_columns

    display = report.display or {"columns": [], "ranking": {"default": []}}
    names = {c["metric"]: c.get("display") for c in display.get("columns", [])}
    checked = [s for s in report.submissions if s.checked]
    others = [s for s in report.submissions if not s.checked]
    problems = report.all_problems()
    head = "✅ all checks passed" if report.ok else f"❌ {len(problems)} problem(s)"
    lines = [SUMMARY_MARKER, f"## rexbench ci: {head}", ""]
    lines.append(f"Checked {len(checked)} submission(s) ({md(report.mode)}); metrics "
                 f"{', '.join(md(m) for m in report.metrics)}; bootstrap {report.bootstrap} resamples; "
                 f"rexbench {__version__}.")
    lines.append("")
    if checked:
        lines += ["| submission | status | split | track | n | main score (95% CI) | rank |",
                  "|---|---|---|---|---|---|---|"]
        for s in checked:
            status = STATUS_TEXT.get(s.status, s.status)
            if not s.scores:
                lines.append(f"| {md(s.id)} | {status} | — | — | — | — | — |")
            for split, track, n, values in s.scores:
                main = _main_metric(display, track, values)
                cell = "—"
                if main:
                    score, low, high = values[main]
                    cell = f"{md(names.get(main) or main)} {_fmt(score)}"
                    if low is not None:
                        cell += f" ({_fmt(low)}–{_fmt(high)})"
                lines.append(f"| {md(s.id)} | {status} | {md(split)} | {md(track)} | {n} | {cell} | "
                             f"{md(rank_text(report.board, s.id, split, track))} |")
        lines.append("")
        scored = [s for s in checked if s.scores]
        if scored:
            keys = ordered_columns(display, {k for s in scored for *_, v in s.scores for k in v})
            lines += ["<details><summary>All scores (95% CI)</summary>", ""]
            lines.append("| submission | track | " + " | ".join(md(names.get(k) or k) for k in keys) + " |")
            lines.append("|---|---|" + "---|" * len(keys))
            for s in scored:
                for split, track, n, values in s.scores:
                    cells = []
                    for k in keys:
                        if k not in values:
                            cells.append("—")
                            continue
                        score, low, high = values[k]
                        cells.append(_fmt(score) + (f" ({_fmt(low)}–{_fmt(high)})" if low is not None else ""))
                    lines.append(f"| {md(s.id)} | {md(track)} | " + " | ".join(cells) + " |")
            lines += ["", "</details>", ""]
    if problems:
        lines += ["### Problems", ""]
        lines += [f"- {md(p)}" for p in problems]
        lines.append("")
    notes = report.notes + [f"{s.id}: {n}" for s in report.submissions for n in s.notes]
    if notes:
        lines += ["### Notes", ""] + [f"- {md(n)}" for n in notes] + [""]
    if report.site is not None:
        lines.append(f"Site rebuilt from {report.site_submissions} submission(s)"
                     + (f" ({len(others)} unchanged)." if others else "."))
    else:
        lines.append("Site not rebuilt.")
    return "\n".join(lines) + "\n"


def rank_of(board: dict | None, submission: str, split: str, track: str) -> tuple[int | None, int, str] | None:
    """(rank or None if unranked, ranked rows, main metric) of a submission on the built leaderboard."""
    for sp in (board or {}).get("splits", []):
        t = sp["tracks"].get(track) if sp.get("id") == split else None
        if not t:
            continue
        ranked = [r for r in t["rows"] if r.get("rank") is not None]
        for r in t["rows"]:
            if r["submission"] == submission:
                return r.get("rank"), len(ranked), t.get("main_metric") or ""
    return None


def rank_text(board: dict | None, submission: str, split: str, track: str) -> str:
    found = rank_of(board, submission, split, track)
    if found is None:
        return "—"
    rank, of, metric = found
    return f"unranked (no {metric})" if rank is None else f"{rank} of {of}"


def render_error_summary(exc: BaseException) -> str:
    """The summary when ci could not run at all (bad arguments, a metric that cannot run here, git)."""
    lines = [SUMMARY_MARKER, "## rexbench ci: ❌ could not run", ""]
    lines += [f"- {md(_scrub(line))}" for line in (str(exc).splitlines() or [type(exc).__name__])]
    return "\n".join(lines) + "\n"


def _main_metric(display: dict, track: str, values: dict) -> str | None:
    """The site's main metric; the first scored one where no ranking candidate was scored."""
    from .site import main_metric_for

    return main_metric_for(display, track, values) or next(iter(values), None)
