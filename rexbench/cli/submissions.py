"""`rexbench baseline` (standard baseline predictions for a split) and `rexbench new-submission` (scaffold one)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import DataDirOpt, ProjectOpt, SubmissionsOpt

DEFAULT_LICENSE = "CC-BY-4.0"


def baseline(
    name: str = typer.Argument(..., help="normal-template, stable-template, random-train or nearest-indication."),
    split: str = typer.Option("demo:test", "--split", "-s", help="Split to predict."),
    train: Optional[str] = typer.Option(None, "--train", help="Split to copy reports from (default: the train split of --split's dataset)."),
    out: Path = typer.Option(..., "--out", "-o", help="Predictions file to write (.jsonl)."),
    seed: int = typer.Option(0, "--seed", help="Seed for random-train (and its fallback in nearest-indication)."),
    data_dir: Optional[Path] = DataDirOpt,
) -> None:
    """Write baseline predictions (JSONL with findings and impression) for every study of a split."""
    from ..baselines import write_predictions
    from ..splits import load_split

    test = load_split(split, data_dir=data_dir)
    train_spec = train or (split.split(":")[0] + ":train" if ":" in split else None)
    if not train_spec:
        from ..errors import RexbenchError
        raise RexbenchError("--train is required when --split is a file")
    train_split = load_split(train_spec, data_dir=data_dir)
    write_predictions(name, test, train_split, out, seed=seed)
    typer.echo(f"wrote {len(test.studies)} {name} predictions for {test.id} to {out}")


def new_submission(
    submission_id: str = typer.Argument(..., metavar="ID", help="Submission id: 3-64 lowercase letters, digits and hyphens."),
    model_name: str = typer.Option(..., "--model-name", help="The model's name as the leaderboard shows it."),
    institution: str = typer.Option(..., "--institution", help="Who made the model."),
    split: str = typer.Option(..., "--split", "-s", help="The split the predictions are for, e.g. demo:test."),
    predictions: Path = typer.Option(..., "--predictions", "-p", help="Predictions file to copy in (.jsonl, .csv, .json)."),
    tracks: Optional[str] = typer.Option(None, "--tracks", "-t", help="Comma-separated tracks (default: all of the split's)."),
    license_id: Optional[str] = typer.Option(None, "--license", help=f"License of the predictions file (SPDX id; default {DEFAULT_LICENSE}, flagged TODO)."),
    date: Optional[str] = typer.Option(None, "--date", help="YYYY-MM-DD (default: today)."),
    url: Optional[str] = typer.Option(None, "--url", help="Model page (http/https)."),
    project: Optional[Path] = ProjectOpt,
    submissions_dir: Optional[Path] = SubmissionsOpt,
    data_dir: Optional[Path] = DataDirOpt,
) -> None:
    """Scaffold submissions/ID/: copy the predictions in, write a valid submission.yaml, validate both."""
    if submissions_dir is None:
        from ..project import find
        submissions_dir = find(project).submissions
    folder = scaffold(submission_id, model_name=model_name, institution=institution, split=split,
                      predictions=predictions, tracks=tracks, license_id=license_id, date=date, url=url,
                      submissions_dir=submissions_dir, data_dir=data_dir)
    typer.echo(f"created {folder}: submission.yaml and the predictions; fill in the lines marked TODO, "
               f"then open a pull request")


HEADER = """\
# rexbench leaderboard submission (schema: docs/submissions.md), scaffolded by `rexbench new-submission`.
# Lines marked TODO hold placeholders: check or fill them in and delete the TODO mark before you open a
# pull request. The pull-request check (`rexbench ci`) validates this file and scores the predictions.
"""


def _q(value: str) -> str:
    """A YAML scalar for any string (JSON strings are valid YAML double-quoted scalars)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def scaffold(submission_id: str, *, model_name: str, institution: str, split: str, predictions: Path,
             tracks: Optional[str], license_id: Optional[str], date: Optional[str], url: Optional[str],
             submissions_dir: Path, data_dir: Optional[Path]) -> Path:
    """Create submissions_dir/ID with the predictions and a valid submission.yaml; nothing is left on failure."""
    import datetime as dt
    import shutil

    from ..splits import load_split
    from ..errors import InputError, RexbenchError
    from ..predictions import read_predictions, validate
    from ..submission import DATE, FILENAME, SLUG, URL, load_submission
    from ..tracks import ALL_TRACKS

    if not SLUG.match(submission_id):
        raise RexbenchError(f"id {submission_id!r} must be a slug: 3-64 lowercase letters, digits and hyphens")
    if not (Path(predictions).exists() or Path(predictions).is_symlink()):   # a FIFO or folder: read_predictions names it
        raise InputError(f"{predictions}: predictions file not found")
    if date is not None:
        try:
            if not DATE.match(date):
                raise ValueError(date)
            dt.date.fromisoformat(date)
        except ValueError:
            raise RexbenchError(f"--date {date!r} must be YYYY-MM-DD") from None
    if url is not None and not URL.match(url):
        raise RexbenchError(f"--url {url!r} must be an http(s) URL")
    folder = Path(submissions_dir) / submission_id
    if folder.exists():
        raise RexbenchError(f"{folder} already exists: pick another id, or edit that submission")
    ref = load_split(split, data_dir=data_dir)
    if tracks:
        chosen = [t.strip() for t in tracks.split(",") if t.strip()]
        bad = [t for t in chosen if t not in ALL_TRACKS]
        if bad:
            raise RexbenchError(f"unknown track {bad[0]!r} (tracks: {', '.join(ALL_TRACKS)})")
    else:
        chosen = [t for t in ALL_TRACKS if ref.track_studies(t)]
    validate(read_predictions(predictions), ref, tuple(chosen))   # before anything is written
    target = f"predictions{Path(predictions).suffix.lower()}"
    today = dt.date.today().isoformat()
    lines = [
        f"id: {submission_id}",
        f"model_name: {_q(model_name)}",
        f"institution: {_q(institution)}",
        f"date: {date}" if date else f"date: {today}  # TODO: the date the predictions were made (YYYY-MM-DD)",
        f"license: {_q(license_id)}" if license_id else
        f"license: {DEFAULT_LICENSE}  # TODO: the license of the predictions file (an SPDX id)",
        f"url: {_q(url)}" if url else "# url: https://example.org/my-model  # TODO (optional): the model's page",
        "# paper_url: https://arxiv.org/abs/0000.00000  # optional",
        "# code_url: https://github.com/me/my-model      # optional",
        "# contact: someone@example.org                   # optional; never shown on the site",
        'description: ""  # TODO: one paragraph: the model, its training data, how the reports were generated',
        "trained_on: []  # TODO: datasets the model was trained on, e.g. [mimic-cxr, rexgradient]",
        "splits:",
        f"  - split: {_q(split)}",
        f"    predictions: {target}",
        f"    tracks: [{', '.join(chosen)}]",
    ]
    folder.mkdir(parents=True)
    try:
        shutil.copyfile(predictions, folder / target)
        (folder / FILENAME).write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
        sub = load_submission(folder)
        for entry in sub.splits:
            validate(read_predictions(entry.predictions), ref, entry.tracks)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def register(app: typer.Typer) -> None:
    app.command("baseline")(baseline)
    app.command("new-submission")(new_submission)
