"""Render the whole site into a folder, atomically (built beside it, then swapped in)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..io import dumps_json
from .contract import SiteError, _check
from .export import _copy_per_study, figure_csv, track_csv, track_json
from .format import data_value, fmt_ci, fmt_num, fmt_p, truncate
from .markdown import render_markdown
from .view import _build_view


MARKER = ".rexbench-site"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "site"
STATIC_DIR = TEMPLATES_DIR / "static"


def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, ci=fmt_ci, p=fmt_p, dv=data_value, markdown=render_markdown,
                       trunc=truncate)
    return env


def build_site(leaderboard: Mapping, out_dir: str | os.PathLike, *, source_root: str | os.PathLike | None = None,
               extra_files: Mapping[str, str | os.PathLike] | None = None) -> list[Path]:
    """Render the whole site into out_dir, atomically (built in a temp sibling folder, then swapped in).

    source_root: per-study download files named in submissions.*.results.*.*.downloads are copied
        from source_root/<that path>. extra_files: {site-relative path: source file} for files that
        live elsewhere (e.g. submissions/<id>/per_study.jsonl); it wins over source_root. A download
        that is neither found nor given is not linked (the page says "not included").
    Returns the written files (paths inside out_dir), sorted.
    """
    lb = leaderboard
    _check(lb)
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).exists())):
        raise SiteError(f"{out_dir} exists and is not a rexbench site build; refusing to replace it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        os.chmod(tmp, 0o755)
        _render_into(lb, tmp, Path(source_root) if source_root is not None else None, extra_files or {})
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.rmdir(old)
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != MARKER)


def _render_into(lb: Mapping, root: Path, source_root: Path | None, extra: Mapping[str, Any]) -> None:
    # per-study downloads first: a page links only the files that are really there
    available: set[str] = set()
    for sid, s in lb["submissions"].items():
        for tracks in (s.get("results") or {}).values():
            for res in (tracks or {}).values():
                for rel in ((res or {}).get("downloads") or {}).values():
                    src = Path(extra[rel]) if rel in extra else (source_root / rel if source_root else None)
                    if src is None or rel in available:     # one file serves every track of a split
                        continue
                    if not src.is_file():
                        raise SiteError(f"download file for {sid} not found: {src}")
                    _copy_per_study(src, root / rel)
                    available.add(rel)

    view = _build_view(lb)
    env = _env()
    common = {
        "lb": lb, "v": view, "title": str(lb.get("title") or "rexbench leaderboard"),
        "subtitle": str(lb.get("subtitle") or ""), "version": str(lb.get("rexbench_version") or ""),
        "notice": str(lb.get("notice") or ""), "available": available,
    }

    def page(template: str, rel: str, **ctx: Any) -> None:
        depth = rel.count("/")
        html = env.get_template(template).render(**common, root="../" * depth, page_path=rel, **ctx)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")

    page("index.j2", "index.html", nav="index")
    for sp in view["splits"]:
        page("dataset.j2", f"datasets/{sp['id']}.html", nav="index", sp=sp)
    page("about.j2", "about.html", nav="about")
    page("downloads.j2", "downloads.html", nav="downloads")
    page("metrics_index.j2", "metrics/index.html", nav="metrics")
    for mp in view["metric_pages"]:
        page("metric.j2", f"metrics/{mp['metric']['id']}.html", nav="metrics", mp=mp)
    for sid, sv in view["submissions"].items():
        page("submission.j2", f"submissions/{sid}.html", nav="", s=sv)

    static = root / "static"
    static.mkdir()
    for f in sorted(STATIC_DIR.iterdir()):
        if f.is_file():
            shutil.copyfile(f, static / f.name)

    dl = root / "downloads"
    dl.mkdir(exist_ok=True)
    (dl / "figures").mkdir()
    shared: dict[str, dict] = {}
    for fig in view["figures"]:
        if fig.csv.endswith(".json"):
            shared.setdefault(fig.csv, {})[fig.id] = {"title": fig.title, "columns": fig.columns, "rows": fig.rows}
        else:
            (root / fig.csv).write_text(figure_csv(fig), encoding="utf-8")
    for rel, figs in shared.items():
        (root / rel).write_text(dumps_json(figs), encoding="utf-8")
    (dl / "leaderboard.json").write_text(dumps_json(dict(lb)), encoding="utf-8")
    for sp in lb["splits"]:
        for tid in sp.get("tracks") or {}:
            (dl / f"{sp['id']}-{tid}.csv").write_text(track_csv(lb, sp, tid), encoding="utf-8")
            (dl / f"{sp['id']}-{tid}.json").write_text(dumps_json(track_json(lb, sp, tid)), encoding="utf-8")
    (root / MARKER).write_text("built by rexbench.site.build_site; safe to delete and rebuild\n", encoding="utf-8")
