"""Display formatting shared by the templates: numbers, CIs, p-values, sort keys, safe URLs."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit


def safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) URL without whitespace or control characters, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def fmt_num(v: Any, digits: int = 3) -> str:
    """Round for display only (storage keeps full precision)."""
    v = _finite(v)
    if v is None:
        return "–"
    if abs(v) >= 1000:
        s = f"{v:.0f}"
    elif abs(v) >= 100:
        s = f"{v:.1f}"
    else:
        s = f"{v:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def fmt_ci(ci: Any, digits: int = 3) -> str:
    if not isinstance(ci, (list, tuple)) or len(ci) != 2 or _finite(ci[0]) is None or _finite(ci[1]) is None:
        return ""
    return f"[{fmt_num(ci[0], digits)}, {fmt_num(ci[1], digits)}]"


def fmt_p(p: Any) -> str:
    p = _finite(p)
    if p is None:
        return "–"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def data_value(v: Any) -> str:
    """Full-precision value for sorting (data-v attribute); empty when missing."""
    v = _finite(v)
    return "" if v is None else repr(v)


def truncate(text: Any, n: int = 28) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"
