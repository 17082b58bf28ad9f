"""A tiny, safe markdown subset for metric cards (everything escaped first)."""

from __future__ import annotations

import re
from typing import Any


_MD_INLINE_CODE = re.compile(r"`([^`]+)`")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")
_MD_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def render_markdown(text: Any):
    """A tiny, safe markdown subset for metric cards: headings, paragraphs, lists, pipe tables,
    fenced code, `code`, **bold** and http(s) links. Everything is escaped first."""
    from markupsafe import Markup, escape

    def inline(s: str) -> str:
        s = str(escape(s))
        codes: list[str] = []

        def keep(m: re.Match) -> str:
            codes.append(f"<code>{m.group(1)}</code>")
            return f"\x00{len(codes) - 1}\x00"

        s = _MD_INLINE_CODE.sub(keep, s)
        s = _MD_LINK.sub(lambda m: f'<a href="{m.group(2)}" rel="nofollow noopener">{m.group(1)}</a>', s)
        s = _MD_BOLD.sub(r"<strong>\1</strong>", s)
        return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], s)

    out: list[str] = []
    para: list[str] = []
    lst: list[str] = []
    lst_tag = ""
    table: list[list[str]] = []

    def flush() -> None:
        nonlocal lst_tag
        if para:
            out.append("<p>" + " ".join(inline(p) for p in para) + "</p>")
            para.clear()
        if lst:
            out.append(f"<{lst_tag}>" + "".join(f"<li>{inline(i)}</li>" for i in lst) + f"</{lst_tag}>")
            lst.clear()
            lst_tag = ""
        if table:
            head, *body = table
            rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
            out.append('<div class="scroll"><table class="md"><thead><tr>'
                       + "".join(f"<th>{inline(c)}</th>" for c in head)
                       + f"</tr></thead><tbody>{rows}</tbody></table></div>")
            table.clear()

    lines = str(text or "").replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre><code>{escape(chr(10).join(block))}</code></pre>")
        elif not stripped:
            flush()
        elif m := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            flush()
            level = min(len(m.group(1)) + 1, 6)
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            if para or lst:
                flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                table.append(cells)
        elif m := re.match(r"^\s*([-*]|\d+[.)])\s+(.*)$", line):
            tag = "ol" if m.group(1)[0].isdigit() else "ul"
            if para or table or (lst and tag != lst_tag):
                flush()
            lst_tag = tag
            lst.append(m.group(2))
        elif lst and line.startswith((" ", "\t")):
            lst[-1] += " " + stripped
        else:
            if lst or table:
                flush()
            para.append(stripped)
        i += 1
    flush()
    return Markup("\n".join(out))
