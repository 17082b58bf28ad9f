"""Render the static leaderboard site from a leaderboard.json dict, and nothing else.

The input contract is documented in docs/leaderboard_json.md. Everything a submitter controls (model
name, institution, description, URLs, subgroup labels) is untrusted: templates autoescape, URLs become
links only when they are http(s), and the pages carry a Content-Security-Policy that allows only the
site's own script and stylesheet. Reference report text never reaches the site: the site carries ids
and scores only, and per-study files with a reference field are refused.

One module per job: contract (the leaderboard.json checks), schema (leaderboard.yaml), view (the view
model), pictures (what each page shows as pictures) over svg + plots_ranking + plots_details (the SVG
builders), format and markdown (template filters), export (CSV/JSON downloads), render (the build),
serve (HTTP).

Public API:
    build_site(leaderboard, out_dir, *, source_root=None, extra_files=None) -> list[Path]
    serve(out_dir, host="127.0.0.1", port=8000)
    load_display_schema(path) -> dict       (leaderboard_site/leaderboard.yaml)
    main_metric_for(schema, track, present) / ordered_columns(schema, present)
"""

from __future__ import annotations

from .contract import LEADERBOARD_SCHEMA, SiteError, TRACK_NAMES, TRACK_SCHEMA  # noqa: F401
from .export import INVERSE_FOR_PARITY, REXRANK_COLUMNS, figure_csv, track_csv, track_json  # noqa: F401
from .format import data_value, fmt_ci, fmt_num, fmt_p, safe_url, truncate  # noqa: F401
from .markdown import render_markdown  # noqa: F401
from .render import MARKER, STATIC_DIR, TEMPLATES_DIR, build_site  # noqa: F401
from .schema import DISPLAY_SCHEMA, load_display_schema, main_metric_for, ordered_columns  # noqa: F401
from .serve import make_server, serve  # noqa: F401
from .view import missing_rexrank_columns  # noqa: F401
