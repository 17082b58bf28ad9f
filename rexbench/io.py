"""File helpers: atomic writes, bounded reads of untrusted files, lenient JSON (bare NaN), hashing.

Nothing is ever half-written. Every input file is opened the same way (`read_regular`): a regular file
only (never a FIFO, device or folder, so nothing can hang or stream forever), of bounded size, and,
where a folder is given, resolving (symlinks followed) inside that folder. SECURITY.md lists the caps.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import InputError, RexbenchError

MiB = 1 << 20
# Size caps for files read from users (SECURITY.md): big enough for any real split, small enough to refuse
# a runaway or hostile file at once instead of running out of memory.
MAX_INPUT_BYTES = 1024 * MiB        # predictions and references files
MAX_RESULTS_BYTES = 256 * MiB       # results.json, per_study.jsonl
MAX_YAML_BYTES = 1 * MiB            # submission.yaml, leaderboard.yaml
MAX_TEXT_CHARS = 100_000            # one report (a real report is a few thousand characters)
MAX_YAML_DEPTH = 64


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def require_inside(path: str | os.PathLike, folder: str | os.PathLike, *, what: str = "file") -> None:
    """Refuse a path whose real location (every symlink resolved) is not inside `folder`'s real location."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    if os.path.commonpath([real, root]) != root or real == root:
        raise InputError(f"{path}: the {what} resolves outside {folder} (a symlink?); "
                         f"only regular files inside the folder are read")


def _open_regular(path: Path, what: str) -> int:
    """An fd for a regular file. O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError(f"{path}: the {what} is {_kind_of(mode)}, not a regular file")
    return fd


def read_regular(path: str | os.PathLike, *, limit: int = MAX_INPUT_BYTES, what: str = "file",
                 within: str | os.PathLike | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (resolving inside `within` when given)."""
    path = Path(path)
    if within is not None:
        require_inside(path, within, what=what)
    fd = _open_regular(path, what)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise InputError(f"{path}: the {what} is {size:,} bytes, over the {limit:,}-byte limit")
        chunks, total = [], 0
        while block := os.read(fd, min(MiB, limit + 1 - total)):
            chunks.append(block)
            total += len(block)
            if total > limit:   # grew while being read
                raise InputError(f"{path}: the {what} is over the {limit:,}-byte limit")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    finally:
        os.close(fd)


def decode_utf8(path: str | os.PathLike, raw: bytes) -> str:
    """UTF-8 text (a BOM is accepted); bad bytes are reported with their line number."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None


def lines_of(text: str) -> list[str]:
    """Lines split on \\n only (a trailing \\r dropped): JSON strings may hold U+2028, U+0085 or form feeds
    (json.dumps(ensure_ascii=False) writes them raw), which str.splitlines() would wrongly break on."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def loads_json(text: str | bytes, where: str, *, one_line: bool = False, **kwargs: Any) -> Any:
    """json.loads with one-line errors: bad syntax, nesting too deep for the parser, giant numbers.
    `where` names the file (`one_line`: the file and line, for a JSON Lines record)."""
    try:
        return json.loads(text, **kwargs)
    except json.JSONDecodeError as exc:
        line = "" if one_line else f":{exc.lineno}"
        raise InputError(f"{where}{line}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:   # e.g. an integer with more digits than Python converts
        raise InputError(f"{where}: not valid JSON ({str(exc).splitlines()[0][:120]})") from None


def require_writable_dir(folder: str | os.PathLike, *, option: str = "--out") -> None:
    """Fail before any work when results could not be written into `folder` (a file there, no permission)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RexbenchError(f"{option} {folder}: exists and is not a folder")
    parent = folder
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise RexbenchError(f"{option} {folder}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RexbenchError(f"{option} {folder}: {parent} is not writable")


def require_writable_file(path: str | os.PathLike, *, option: str) -> None:
    """Fail before any work when `path` could not be written (a folder there, or an unwritable folder)."""
    path = Path(path)
    if path.is_dir():
        raise RexbenchError(f"{option} {path}: is a folder, not a file")
    if path.exists() and not path.is_file():   # a device or FIFO: an atomic write would replace it
        raise RexbenchError(f"{option} {path}: exists and is not a regular file")
    require_writable_dir(path.parent, option=option)
    if path.exists() and not os.access(path, os.W_OK):
        raise RexbenchError(f"{option} {path}: is not writable")


def refuse_overwrite(output: str | os.PathLike, inputs: Iterable[str | os.PathLike | None], *,
                     option: str = "--out") -> None:
    """Refuse to write `output` when it is (the same file as) one of the inputs."""
    out = Path(output)
    for src in inputs:
        if src is None:
            continue
        src = Path(src)
        same = os.path.realpath(out) == os.path.realpath(src)
        if not same and out.exists() and src.exists():
            try:
                same = os.path.samefile(out, src)
            except OSError:
                same = False
        if same:
            raise RexbenchError(f"{option} {out} would overwrite the input {src}; write somewhere else")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target. A failure (no
    permission, a full disk) leaves the target as it was and is one line naming it."""
    path = Path(path)
    try:
        _atomic_write(path, data)
    except OSError as exc:
        raise RexbenchError(f"{path}: cannot write ({exc.strerror or exc}); the file was not changed") from None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def write_temp(target: Path, data: bytes) -> Path:
    """`data` in a new, fsynced temporary file next to `target` (removed again if writing fails)."""
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return Path(tmp)


def _unlink_quietly(path: str | os.PathLike) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _create_temp(path: Path) -> tuple[int, str]:
    """A new temp file next to `path`, created with mode 0o666 less the umask, like any ordinary write
    (tempfile.mkstemp would make every generated file owner-only, 0o600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path.parent}: could not create a temporary file")


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, full float precision, NaN refused, trailing newline."""
    return _dumps(obj, indent=2) + "\n"


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, dumps_json(obj))


def dumps_jsonl(rows: Iterable[Any]) -> str:
    """Deterministic JSON Lines (sorted keys, NaN refused)."""
    return "".join(_dumps(r) + "\n" for r in rows)


def atomic_write_jsonl(path: str | os.PathLike, rows: Iterable[Any]) -> None:
    atomic_write_text(path, dumps_jsonl(rows))


def _dumps(obj: Any, indent: int | None = None) -> str:
    """json.dumps with numpy scalars written as Python numbers; json's own allow_nan=False refuses NaN
    and infinities (numpy's too, after `.item()`), with no Python-level walk over every value."""
    try:
        return json.dumps(obj, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False, default=_plain)
    except ValueError as exc:
        if str(exc).startswith("Out of range float values"):
            raise ValueError("refusing to write a non-finite number (NaN or infinity)") from None
        raise


def _plain(obj: Any) -> Any:
    """numpy scalars (and 0-d arrays) as Python scalars; anything else json cannot write is a TypeError."""
    item = getattr(obj, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def read_json_lenient(path: str | os.PathLike, *, limit: int = MAX_INPUT_BYTES,
                      within: str | os.PathLike | None = None) -> Any:
    """Read JSON that may contain bare NaN tokens (ReXGradient and ReXrank files do); InputError when bad."""
    raw = read_regular(path, limit=limit, what="JSON file", within=within)
    return loads_json(decode_utf8(path, raw), str(path))  # Python's json accepts NaN/Infinity by default


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with os.fdopen(_open_regular(Path(path), "file"), "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_texts(texts: Iterable[str]) -> str:
    """Order-sensitive hash of a sequence of strings (length-prefixed, so no ambiguity)."""
    h = hashlib.sha256()
    for t in texts:
        b = t.encode("utf-8")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()
