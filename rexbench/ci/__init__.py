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
   TODO placeholders fails, naming each field. Results made by other metric code (a signature's `v`,
   parameters or model hashes, or the rexbench version differ from what this code produces, or another
   metric set) are *stale*: rescored with `--stale rescore`, rejected with `--stale reject`. Another
   version of a library (torch, transformers, nltk...) is not stale by itself: the rescore must reproduce
   within tolerance, and the summary names the version change.
   Submissions outside the check set get the cheap staleness check only (no scoring).
5. Rebuild the site from every submission without a problem (rexbench.pipeline.build_site_from).
6. Write a Markdown summary (a table of submissions with status and main scores with CIs, then one
   line per problem), for `--summary FILE`, $GITHUB_STEP_SUMMARY and a pull-request comment.

One module per job: changes (which submissions to check), staleness, checks (one submission), run (the
run), summary (the Markdown report); committed results are compared by rexbench.reproduction. Private
references (splits `private:<name>`) are loaded by rexbench.splits.private.
"""

from __future__ import annotations

from .changes import changed_submission_ids, metric_code_changed  # noqa: F401
from .checks import CiOptions, STALE_POLICIES, SubmissionReport, todo_fields, withhold_ids  # noqa: F401
from .run import CiReport, STATUS_TEXT, run_ci  # noqa: F401
from .staleness import library_drift, stale_reasons  # noqa: F401
from .summary import SUMMARY_MARKER, md, rank_of, rank_text, render_error_summary, render_summary  # noqa: F401
