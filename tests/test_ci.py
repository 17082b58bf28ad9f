"""`rexbench ci`, `rexbench new-submission` and `rexbench import-rexrank`.

The ci tests run in a temporary git repository with its own submissions/ folder, on the embedded demo
split (cheap metrics, 50 bootstrap resamples): a valid new submission passes and lands on the site; an
invalid one fails with its reason in the Markdown summary; a tampered results.json (or per_study.jsonl)
is caught, naming the file and the field; stale results are rejected or rescored; private references
never reach the summary, stdout, stderr, results or the site.

WORKFLOW_COMMANDS are the exact `rexbench` command lines of .github/workflows/*.yml (checked by
tests/test_workflows.py); test_workflow_commands_end_to_end runs every one of them here.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from rexbench.ci import SUMMARY_MARKER, md

from .conftest import CHEAP_METRICS, REPO, CliResult, invoke, write_jsonl

# The rexbench command lines of the GitHub workflows, exactly as written there.
WORKFLOW_COMMANDS = (
    "rexbench ci --base origin/${{ github.base_ref }} --summary ci-summary.md",   # pr.yml
    "rexbench ci --all --stale rescore --summary pages-summary.md",               # pages.yml
    "rexbench leaderboard build --out _site",                                      # pages.yml
)
# What the GitHub expressions in them stand for in these tests.
EXPRESSIONS = {"${{ github.base_ref }}": "main"}
DISPLAY = REPO / "leaderboard_site" / "leaderboard.yaml"
BOOTSTRAP = "50"
FIXTURE_CSV = Path(__file__).parent / "fixtures" / "rexrank" / "findings_result_synthetic.csv"


# ---------------------------------------------------------------------------------------------
# a temporary repository with one scored reference submission
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def baseline_rows(name: str) -> tuple[str, ...]:
    from rexbench.baselines import make_predictions
    from rexbench.splits import load_split

    rows = make_predictions(name, load_split("demo:test"), load_split("demo:train"))
    return tuple(json.dumps(r) for r in rows)


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-c", "user.name=rexbench tests", "-c", "user.email=tests@example.org",
                           "-c", "commit.gpgsign=false", *args], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def submission_yaml(sid: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": sid, "model_name": f"Model {sid}", "institution": "Test Lab", "date": "2026-11-26",
        "license": "CC0-1.0", "trained_on": ["demo"],
        "splits": [{"split": "demo:test", "predictions": "predictions.jsonl",
                    "tracks": ["findings", "impression", "findings_impression"]}],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.subs = root / "submissions"
        self.site = root / "site"
        self.ran: list[str] = []

    def options(self, command: str) -> list[str]:
        where = ["--submissions", str(self.subs), "--display", str(DISPLAY)]
        if command == "ci":
            return where + ["--metrics", CHEAP_METRICS, "--bootstrap", BOOTSTRAP]
        return where

    def add(self, sid: str, *, rows: list[str] | tuple[str, ...] | None = None, baseline: str = "stable-template",
            **overrides: Any) -> Path:
        folder = self.subs / sid
        folder.mkdir(parents=True, exist_ok=True)
        write_jsonl(folder / "predictions.jsonl", list(rows if rows is not None else baseline_rows(baseline)))
        (folder / "submission.yaml").write_text(yaml.safe_dump(submission_yaml(sid, **overrides), sort_keys=False),
                                                encoding="utf-8")
        return folder

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.root, "rev-parse", "HEAD")

    def set_origin_main(self, ref: str = "HEAD") -> None:
        """What `actions/checkout` with fetch-depth 0 provides: the base branch as origin/<base_ref>."""
        git(self.root, "update-ref", "refs/remotes/origin/main", git(self.root, "rev-parse", ref))

    def ci(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        return invoke("ci", *args, "--out", self.site, *self.options("ci"), env=env)

    def workflow(self, line: str, env: dict[str, str] | None = None) -> CliResult:
        """Run one workflow command line exactly as written, in the repository root, pointed at this repo."""
        assert line in WORKFLOW_COMMANDS
        self.ran.append(line)
        for expr, value in EXPRESSIONS.items():
            line = line.replace(expr, value)
        argv = shlex.split(line)
        assert argv[0] == "rexbench"
        args = argv[1:]
        extra = self.options(args[0])
        if args[0] == "ci" and "--out" not in args:
            extra += ["--out", str(self.site)]
        return invoke(*args, *extra, env=env)

    def summary(self, name: str = "ci-summary.md") -> str:
        return (self.root / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def score_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One score cache for the module: every test scores the same few prediction files."""
    return tmp_path_factory.mktemp("ci-score-cache")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, score_cache: Path) -> Repo:
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(score_cache))
    for var in ("GITHUB_STEP_SUMMARY", "REXBENCH_PRIVATE_REFS"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    r = Repo(root)
    r.add("normal-template", baseline="normal-template", reference_baseline=True)
    r.commit("reference baseline")
    res = r.ci("--all", "--regenerate")
    assert res.exit_code == 0, res.text
    assert (r.subs / "normal-template" / "results.json").is_file()
    r.commit("scored reference baseline")
    r.set_origin_main()
    monkeypatch.chdir(root)
    return r


def site_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
                     if p.is_file() and p.suffix in (".html", ".json", ".jsonl", ".csv"))


# ---------------------------------------------------------------------------------------------
# the three "done when" cases
# ---------------------------------------------------------------------------------------------
def test_valid_submission_passes_and_updates_the_site(repo: Repo, tmp_path: Path) -> None:
    preds = write_jsonl(tmp_path / "my-preds.jsonl", list(baseline_rows("stable-template")))
    made = invoke("new-submission", "good-model", "--model-name", "Good Model", "--institution", "Test Lab",
                  "--split", "demo:test", "--predictions", preds, "--submissions", repo.subs)
    assert made.exit_code == 0, made.text
    repo.commit("add good-model")
    # TODO placeholders left in submission.yaml fail the check, naming each field
    todo = repo.workflow(WORKFLOW_COMMANDS[0])
    assert todo.exit_code == 1 and "good-model: invalid" in todo.stdout
    assert {line.split(": field ")[1].split()[0] for line in todo.error_lines if "TODO" in line} == {
        "date", "license", "description", "trained_on"}, todo.stderr
    yaml_path = repo.subs / "good-model" / "submission.yaml"
    filled = []
    for line in yaml_path.read_text(encoding="utf-8").splitlines():
        key = line.split(":", 1)[0]
        if "TODO" in line and not line.startswith("#"):
            line = {"date": "date: 2026-11-26", "license": "license: CC-BY-4.0",
                    "description": "description: A test model.", "trained_on": "trained_on: [demo]"}[key]
        filled.append(line)
    yaml_path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    repo.commit("fill in good-model")
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n", encoding="utf-8")

    res = repo.workflow(WORKFLOW_COMMANDS[0], env={"GITHUB_STEP_SUMMARY": str(step_summary)})

    assert res.exit_code == 0, res.text
    assert "good-model: scored" in res.stdout and not res.error_lines
    summary = repo.summary()
    assert summary.startswith(SUMMARY_MARKER) and "all checks passed" in summary
    assert "| good-model | ✅ scored (new results) | demo-test | findings | 390 |" in summary
    assert " of 2 |" in summary                               # where it ranks on each track
    assert "| normal-template |" not in summary            # unchanged: on the site, not re-checked
    assert "BLEU 0." in summary and "–" in summary           # main score with its CI
    assert "commit them with the submission" in summary      # ci's results are the contributor's to commit
    assert step_summary.read_text(encoding="utf-8") == "earlier step\n" + summary
    assert (repo.subs / "good-model" / "results.json").is_file()
    text = site_text(repo.site)
    assert "good-model" in text and "normal-template" in text
    assert "Good Model" in (repo.site / "index.html").read_text(encoding="utf-8")


def test_invalid_submissions_fail_with_the_reason_in_the_summary(repo: Repo) -> None:
    repo.add("no-license", license=None)
    rows = list(baseline_rows("stable-template"))
    first_id = json.loads(rows[0])["id"]
    rows[0] = json.dumps({"id": "not-a-study", "report": "No acute process."})
    repo.add("bad-ids", rows=rows)
    (repo.subs / "stray-folder").mkdir()
    (repo.subs / "stray-folder" / "predictions.jsonl").write_text("{}\n", encoding="utf-8")
    repo.commit("add broken submissions")

    res = repo.workflow(WORKFLOW_COMMANDS[0])

    assert res.exit_code == 1
    summary = repo.summary()
    assert "❌" in summary and "### Problems" in summary
    problem_lines = [line for line in summary.splitlines() if line.startswith("- ")]
    assert any("no-license" in line and "missing field 'license'" in line for line in problem_lines)
    assert any(md(f"missing prediction for id '{first_id}'") in line for line in problem_lines)
    assert any("'not-a-study' is not in split demo-test" in line for line in problem_lines)
    assert any("stray-folder: no submission.yaml" in line for line in problem_lines)
    assert "| no-license | ❌ invalid |" in summary and "| bad-ids | ❌ invalid |" in summary
    assert str(repo.root) not in summary                      # paths relative to the repository
    assert any("missing field 'license'" in line for line in res.error_lines)
    text = site_text(repo.site)                               # the site still builds, without them
    assert "normal-template" in text and "bad-ids" not in text and "no-license" not in text


def test_tampered_results_are_caught(repo: Repo) -> None:
    repo.add("good-model")
    repo.commit("add good-model")
    assert repo.ci("--base", "main", "--regenerate").exit_code == 0
    repo.commit("results for good-model")
    assert repo.workflow(WORKFLOW_COMMANDS[0]).exit_code == 0     # committed results reproduce

    results_path = repo.subs / "good-model" / "results.json"
    data = json.loads(results_path.read_text(encoding="utf-8"))
    data["tracks"]["findings"]["metrics"]["rouge_l"]["score"] += 0.05
    results_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    repo.commit("nudge a score")

    res = repo.workflow(WORKFLOW_COMMANDS[0])

    assert res.exit_code == 1
    field = "submissions/good-model/results.json: field tracks.findings.metrics.rouge_l.score is"
    assert any(field in line and "but rescoring gives" in line for line in res.error_lines)
    summary = repo.summary()
    assert md(field) in summary and "results do not reproduce" in summary
    assert "good-model" not in site_text(repo.site)             # tampered numbers are not published


def test_tampered_per_study_and_signature_are_caught(repo: Repo) -> None:
    base = repo.subs / "normal-template"
    rows = (base / "per_study.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(rows[3])
    row["bleu2_rexrank"] = 0.99
    rows[3] = json.dumps(row)
    (base / "per_study.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = json.loads((base / "results.json").read_text(encoding="utf-8"))
    m = data["tracks"]["impression"]["metrics"]["rouge_l"]
    m["signature"] = m["signature"].replace("|boot:50|", "|boot:1000|")
    (base / "results.json").write_text(json.dumps(data), encoding="utf-8")
    repo.commit("edit the reference baseline's results")

    res = repo.workflow(WORKFLOW_COMMANDS[0])

    assert res.exit_code == 1
    errors = "\n".join(res.error_lines)
    assert (f"submissions/normal-template/per_study.jsonl: track {row['track']}, id {row['id']!r}: "
            f"field bleu2_rexrank is 0.99 but rescoring gives") in errors
    assert ("submissions/normal-template/results.json: field tracks.impression.metrics.rouge_l.signature "
            "has boot=1000 but rescoring gives boot=50") in errors


# ---------------------------------------------------------------------------------------------
# stale results, --regenerate, removed submissions, bad arguments
# ---------------------------------------------------------------------------------------------
def _make_stale(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for track in data["tracks"].values():
        for m in track["metrics"].values():
            m["signature"] = m["signature"].replace("|v:1|", "|v:0|")
            m["version"] = 0
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_stale_results_are_rejected_or_rescored(repo: Repo) -> None:
    results_path = repo.subs / "normal-template" / "results.json"
    _make_stale(results_path)
    repo.commit("results from an older metric version")

    # changed in this pull request: checked; stale is rejected by default
    res = repo.workflow(WORKFLOW_COMMANDS[0])
    assert res.exit_code == 1
    assert any("stale results: track findings, metric bleu2_rexrank: signature field v is 0, this code gives 1"
               in line for line in res.error_lines)
    assert "❌ stale results" in repo.summary()

    # unchanged since the base (the stale file is on main already): still found, by the cheap check
    repo.set_origin_main()
    res = repo.workflow(WORKFLOW_COMMANDS[0])
    assert res.exit_code == 1 and "stale results" in res.stderr and "--regenerate" in res.stderr

    res = repo.ci("--base", "origin/main", "--stale", "rescore", "--summary", "s.md")
    assert res.exit_code == 0, res.text
    assert "normal-template: rescored" in res.stdout
    assert "|v:1|" in results_path.read_text(encoding="utf-8")
    assert "stale, rescored" in repo.summary("s.md")
    assert repo.workflow(WORKFLOW_COMMANDS[0]).exit_code == 0


def test_regenerate_rewrites_results_that_do_not_reproduce(repo: Repo) -> None:
    results_path = repo.subs / "normal-template" / "results.json"
    good = results_path.read_bytes()
    data = json.loads(good)
    data["tracks"]["findings"]["n"] = 1
    results_path.write_text(json.dumps(data), encoding="utf-8")
    repo.commit("break")
    assert repo.ci("--all").exit_code == 1
    res = repo.ci("--all", "--regenerate")
    assert res.exit_code == 0, res.text
    assert "normal-template: regenerated" in res.stdout
    assert results_path.read_bytes() == good                  # deterministic, byte for byte


def test_changed_predictions_are_named_and_regenerate_alone_rescores_them(repo: Repo) -> None:
    preds = repo.subs / "normal-template" / "predictions.jsonl"
    rows = preds.read_text(encoding="utf-8").splitlines()
    first = json.loads(rows[0])
    first["impression"] = "Small right pleural effusion."
    preds.write_text("\n".join([json.dumps(first), *rows[1:]]) + "\n", encoding="utf-8")
    repo.commit("new predictions")

    res = repo.ci("--all")
    assert res.exit_code == 1
    assert any("normal-template/results.json: the predictions changed since the results were written: run "
               "`rexbench ci --regenerate --base REF`" in line for line in res.error_lines), res.stderr
    assert "by hand" not in res.stderr

    repo.add("good-model")           # results missing: --regenerate alone scores it too
    repo.commit("add good-model")
    res = repo.ci("--regenerate", "--summary", "s.md")
    assert res.exit_code == 0, res.text
    assert "normal-template: regenerated" in res.stdout and "good-model: scored" in res.stdout
    assert "commit them with the submission: git add submissions/" in res.stdout
    assert "predictions changed since the results were written" in repo.summary("s.md")
    assert repo.ci("--all").exit_code == 0
    again = repo.ci("--regenerate")                      # nothing changed since: nothing checked
    assert again.exit_code == 0 and "normal-template:" not in again.stdout


def test_removed_submission_is_noted(repo: Repo) -> None:
    repo.add("good-model")
    repo.commit("add")
    repo.set_origin_main()
    git(repo.root, "rm", "-q", "-r", "submissions/good-model")
    repo.commit("remove")
    res = repo.workflow(WORKFLOW_COMMANDS[0])
    assert res.exit_code == 0, res.text
    assert "| good-model | ➖ removed |" in repo.summary()


def test_bad_arguments(repo: Repo) -> None:
    res = repo.ci()
    assert res.exit_code == 1 and "give --base REF" in res.stderr
    res = repo.ci("--base", "no-such-ref")
    assert res.exit_code == 1 and "git diff" in res.stderr and "Traceback" not in res.text
    res = repo.ci("--all", "--stale", "ignore")
    assert res.exit_code == 1 and "--stale must be one of rescore, reject" in res.stderr
    res = invoke("ci", "--all", "--submissions", repo.subs, "--display", DISPLAY, "--out", repo.site,
                 "--metrics", "no_such_metric",
                 "--summary", "s.md")
    assert res.exit_code == 1 and "no_such_metric" in res.stderr
    assert "could not run" in repo.summary("s.md") and "no\\_such\\_metric" in repo.summary("s.md")


def test_workflow_commands_end_to_end(repo: Repo) -> None:
    """Every command of the workflows: a pull request adds a submission (pr.yml), it is merged without
    its generated results, and main scores it and builds the site for Pages (pages.yml)."""
    repo.add("good-model")
    repo.commit("add good-model")
    res = repo.workflow(WORKFLOW_COMMANDS[0])
    assert res.exit_code == 0, res.text

    for generated in ("results.json", "per_study.jsonl"):      # merged as submitted: no results
        (repo.subs / "good-model" / generated).unlink()
    repo.set_origin_main()
    res = repo.workflow(WORKFLOW_COMMANDS[1])
    assert res.exit_code == 0, res.text
    assert "good-model: scored" in res.stdout and (repo.subs / "good-model" / "results.json").is_file()
    assert "all checks passed" in repo.summary("pages-summary.md")
    res = repo.workflow(WORKFLOW_COMMANDS[2])
    assert res.exit_code == 0, res.text
    text = site_text(repo.root / "_site")
    assert "good-model" in text and "normal-template" in text
    assert repo.ran == list(WORKFLOW_COMMANDS)


# ---------------------------------------------------------------------------------------------
# private references
# ---------------------------------------------------------------------------------------------
SECRET_WORDS = ("zebracornish", "quokkaflavour")


def _private_refs(folder: Path, n: int = 40, *, bad_line: bool = False) -> Path:
    folder.mkdir(parents=True)
    rows: list[Any] = [{"id": f"priv-{i:03d}", "findings": f"{SECRET_WORDS[0]} opacity number {i}. Lungs clear.",
                        "impression": f"{SECRET_WORDS[1]} {i}."} for i in range(n)]
    if bad_line:
        rows.append({"findings": f"{SECRET_WORDS[0]} without an id"})
    return write_jsonl(folder / "hidden-test.jsonl", rows)


def _private_preds(n: int = 40, skip: int | None = None) -> list[str]:
    return [json.dumps({"id": f"priv-{i:03d}", "findings": "Lungs are clear.", "impression": "No acute process."})
            for i in range(n) if i != skip]


def _assert_no_leak(texts: list[str], refs: Path) -> None:
    for text in texts:
        for secret in (*SECRET_WORDS, str(refs), str(refs.parent), refs.parent.name):
            assert secret not in text


def test_private_split_is_scored_and_never_printed(repo: Repo, tmp_path: Path) -> None:
    refs = _private_refs(tmp_path / "SECRET-LOCATION-7f3a")
    repo.add("private-model", rows=_private_preds(),
             splits=[{"split": "private:hidden-test", "predictions": "predictions.jsonl"}])
    repo.commit("add a private-split submission")
    env = {"REXBENCH_PRIVATE_REFS": str(refs)}

    res = repo.workflow(WORKFLOW_COMMANDS[0], env=env)

    assert res.exit_code == 0, res.text
    summary = repo.summary()
    assert "| private-model | ✅ scored (new results) | private-hidden-test | findings | 40 |" in summary
    results = json.loads((repo.subs / "private-model" / "results.json").read_text(encoding="utf-8"))
    assert results["split"]["id"] == "private-hidden-test" and results["split"]["source"] == "private:hidden-test"
    files = [p.read_text(encoding="utf-8", errors="replace") for p in repo.root.rglob("*")
             if p.is_file() and ".git" not in p.parts]
    _assert_no_leak([summary, res.stdout, res.stderr, site_text(repo.site), *files], refs)

    # a folder of private splits works as well: <name>.jsonl inside it
    assert repo.ci("--all", env={"REXBENCH_PRIVATE_REFS": str(refs.parent)}).exit_code == 0


def test_private_split_problems_are_reported_without_the_references(repo: Repo, tmp_path: Path) -> None:
    refs = _private_refs(tmp_path / "SECRET-LOCATION-9c1d")
    repo.add("private-model", rows=_private_preds(skip=7),
             splits=[{"split": "private:hidden-test", "predictions": "predictions.jsonl"}])
    repo.commit("add a private-split submission that misses a study")

    res = repo.workflow(WORKFLOW_COMMANDS[0], env={"REXBENCH_PRIVATE_REFS": str(refs)})
    assert res.exit_code == 1
    assert "missing prediction for id <withheld>" in res.stderr and "priv-0" not in res.stderr + repo.summary()
    _assert_no_leak([repo.summary(), res.stdout, res.stderr], refs)

    broken = _private_refs(tmp_path / "SECRET-LOCATION-broken", bad_line=True)
    res = repo.workflow(WORKFLOW_COMMANDS[0], env={"REXBENCH_PRIVATE_REFS": str(broken)})
    assert res.exit_code == 1 and "details are withheld" in res.stderr
    _assert_no_leak([repo.summary(), res.stdout, res.stderr], broken)

    # pull-request jobs get no private references: the file is checked, scoring waits for the trusted job
    res = repo.workflow(WORKFLOW_COMMANDS[0])
    assert res.exit_code == 0 and "private-model: deferred" in res.stdout
    assert "scored after merge" in repo.summary()
    res = repo.ci("--all")                                   # the trusted job without them: an error
    assert res.exit_code == 1 and "needs the private references: set $REXBENCH_PRIVATE_REFS" in res.stderr


def test_private_split_name_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rexbench.splits.private import load_private_split
    from rexbench.errors import RexbenchError

    monkeypatch.setenv("REXBENCH_PRIVATE_REFS", str(_private_refs(tmp_path / "refs")))
    assert load_private_split("any-name").id == "private-any-name"
    with pytest.raises(RexbenchError, match="bad private split"):
        load_private_split("../etc")
    monkeypatch.setenv("REXBENCH_PRIVATE_REFS", str(tmp_path / "nowhere"))
    with pytest.raises(RexbenchError) as exc:
        load_private_split("x")
    assert "nowhere" not in str(exc.value)


# ---------------------------------------------------------------------------------------------
# new-submission
# ---------------------------------------------------------------------------------------------
def test_new_submission_scaffolds_a_valid_submission(tmp_path: Path) -> None:
    from rexbench.submission import load_submission

    preds = write_jsonl(tmp_path / "out.jsonl", list(baseline_rows("normal-template")))
    subs = tmp_path / "submissions"
    res = invoke("new-submission", "my-model-v1", "--model-name", 'My "Model": v1', "--institution", "Lab #1",
                 "--split", "demo:test", "--predictions", preds, "--submissions", subs,
                 "--url", "https://example.org/m")
    assert res.exit_code == 0, res.text
    folder = subs / "my-model-v1"
    text = (folder / "submission.yaml").read_text(encoding="utf-8")
    assert "# TODO" in text and "license: CC-BY-4.0  # TODO" in text
    sub = load_submission(folder)
    assert sub.model_name == 'My "Model": v1' and sub.institution == "Lab #1" and sub.url == "https://example.org/m"
    assert sub.splits[0].split == "demo:test"
    assert sub.splits[0].tracks == ("findings", "impression", "findings_impression")
    assert (folder / "predictions.jsonl").read_bytes() == preds.read_bytes()

    again = invoke("new-submission", "my-model-v1", "--model-name", "M", "--institution", "L",
                   "--split", "demo:test", "--predictions", preds, "--submissions", subs)
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_new_submission_refuses_bad_input_and_leaves_nothing(tmp_path: Path) -> None:
    subs = tmp_path / "submissions"
    short = write_jsonl(tmp_path / "short.jsonl", list(baseline_rows("normal-template"))[:-1])
    res = invoke("new-submission", "short-model", "--model-name", "M", "--institution", "L",
                 "--split", "demo:test", "--predictions", short, "--submissions", subs)
    assert res.exit_code == 1 and "missing prediction for id" in res.stderr
    assert not (subs / "short-model").exists()
    res = invoke("new-submission", "Bad_Id", "--model-name", "M", "--institution", "L",
                 "--split", "demo:test", "--predictions", short, "--submissions", subs)
    assert res.exit_code == 1 and "must be a slug" in res.stderr
    full = write_jsonl(tmp_path / "full.jsonl", list(baseline_rows("normal-template")))
    res = invoke("new-submission", "dated", "--model-name", "M", "--institution", "L", "--date", "2026-13-01",
                 "--split", "demo:test", "--predictions", full, "--submissions", subs)
    assert res.exit_code == 1 and "must be YYYY-MM-DD" in res.stderr and not (subs / "dated").exists()


# ---------------------------------------------------------------------------------------------
# import-rexrank
# ---------------------------------------------------------------------------------------------
def test_import_rexrank_fixture(tmp_path: Path) -> None:
    out = tmp_path / "reported" / "synthetic.json"
    res = invoke("import-rexrank", FIXTURE_CSV, "--out", out)
    assert res.exit_code == 0, res.text
    assert "3 reported rows for synthetic / findings" in res.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "rexbench.reported/1" and data["reproduced"] is False and data["dataset"] == "synthetic"
    track = data["tracks"]["findings"]
    assert track["source"]["file"] == FIXTURE_CSV.name and len(track["source"]["sha256"]) == 64
    assert track["columns"]["1/RadCliQ-v1"] == "radcliq_v1" and track["columns"]["1/FineRadScore"] == "other"
    alpha, beta, gamma = track["rows"]
    assert alpha["model_name"] == "Synthetic-Alpha" and alpha["year"] == 2024 and alpha["url"] == "https://example.org/alpha"
    assert set(alpha["scores"]) == {"bleu2_rexrank", "bertscore", "semb_score", "radgraph_combined", "radcliq_v1",
                                    "ratescore", "green"}
    assert alpha["scores"]["radcliq_v1"] == {"value": 1.25, "shown": 0.8, "shown_as": "1/x", "column": "1/RadCliQ-v1"}
    assert alpha["scores"]["bleu2_rexrank"]["value"] == 0.125 and alpha["other"] == {"1/FineRadScore": 0.36}
    assert beta["institution"] == "Invented Institute" and beta["url"] is None and beta["other"] == {}
    assert gamma["scores"]["bertscore"]["value"] == -0.01
    assert "ci" not in json.dumps(data).replace("notice", "")  # no CIs anywhere

    # the other track of the same dataset goes into the same file
    report_csv = tmp_path / "result_synthetic.csv"
    report_csv.write_text("Model,Institution,Year,1/RadCliQ-v1,BLEU,BertScore,SembScore,RadGraph,RaTEScore,GREEN\n"
                          "Synthetic-Delta,Invented Lab,2025,0.9,0.1,0.3,0.3,0.1,0.5,0.2\n", encoding="utf-8")
    res = invoke("import-rexrank", report_csv, "--out", out)
    assert res.exit_code == 0, res.text
    data = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(data["tracks"]) == ["findings", "findings_impression"]
    assert data["tracks"]["findings_impression"]["rows"][0]["model_name"] == "Synthetic-Delta"


def test_import_rexrank_older_raw_radcliq_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "result_olddata.csv"
    csv_path.write_text("Rank,Date,Model Name,Institution,Model URL,BLEU,BertScore,SembScore,RadGraph,RadCliQ-v0,RadCliQ-v1\n"
                        "1,2024,Synthetic-Old,Invented Lab,https://example.org,0.07,0.28,0.35,0.09,3.9,1.5\n",
                        encoding="utf-8")
    res = invoke("import-rexrank", csv_path, "--out", tmp_path / "o.json")
    assert res.exit_code == 0, res.text
    row = json.loads((tmp_path / "o.json").read_text())["tracks"]["findings_impression"]["rows"][0]
    assert row["scores"]["radcliq_v1"] == {"value": 1.5, "shown": 1.5, "shown_as": "x", "column": "RadCliQ-v1"}
    assert row["other"] == {"RadCliQ-v0": 3.9}


@pytest.mark.parametrize("body, message", [
    ("Model Name,Institution,BLEU\nA,L,abc\n", ":2: model 'A': column BLEU: 'abc' is not a number"),
    ("Model Name,Institution,BLEU\nA,L,0.1\nA,L,0.2\n", ":3: model 'A' is listed twice (first on line 2)"),
    ("Model Name,Institution,BLEU,Shiny\nA,L,0.1,1\n", ":1: unknown column 'Shiny'"),
    ("Model Name,Institution,BLEU\nA,L,0.1,0.2\n", ":2: 4 cells but the header has 3 columns"),
    ("Institution,BLEU\nL,0.1\n", ":1: no model name column"),
    ("Model Name,Institution,1/RadCliQ-v1\nA,L,0\n", ":2: model 'A': column 1/RadCliQ-v1: 0 is outside > 0"),
    ("Model Name,Institution,BLEU\nA,L,1.5\n", ":2: model 'A': column BLEU: 1.5 is outside [0, 1]"),
    ("Model Name,Institution,Date,BLEU\nA,L,last year,0.1\n", ":2: model 'A': Date 'last year' is not a year"),
    ("Model Name,Institution,BLEU\n", ":1: no rows after the header"),
    ("", ":1: empty file"),
])
def test_import_rexrank_errors_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    csv_path = tmp_path / "result_x.csv"
    csv_path.write_text(body, encoding="utf-8")
    res = invoke("import-rexrank", csv_path, "--out", tmp_path / "o.json")
    assert res.exit_code == 1
    assert any(line.startswith("error: ") and f"{csv_path}{message}" in line for line in res.error_lines), res.stderr
    assert not (tmp_path / "o.json").exists()


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def test_markdown_escaping_of_untrusted_text() -> None:
    assert md("<img src=x> | [a](b) @team `x`") == r"\<img src=x\> \| \[a\](b) @" + "\u200b" + r"team \`x\`"
    assert md("two\nlines") == "two lines"
