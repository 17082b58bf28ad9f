"""results.json + per_study.jsonl written as a pair or not at all, safely under concurrent writers.

write_pair, holding an exclusive flock on the output folder itself (no lock file is left behind):
1. writes both files to fsynced temporaries next to their targets;
2. writes a journal naming the two temporaries (atomically), then renames per_study.jsonl, then
   results.json into place, then removes the journal.
A writer killed at any point leaves either the old pair, or temporaries that nothing reads (removed by
the next writer), or a journal whose two complete temporaries the next writer renames into place
first (roll forward). Readers check the pair independently: results.json records the sha256 of its
per_study.jsonl (rexbench.results.read_per_study).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import RexbenchError
from .io import write_temp

RESULTS, PER_STUDY = "results.json", "per_study.jsonl"
JOURNAL = ".rexbench-pair.pending"


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on `folder` (flock on the folder's own fd; waits for other holders)."""
    try:
        import fcntl
    except ImportError:   # not POSIX: no cross-process lock, the journal still makes each write whole
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # releases the lock


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temps(folder: Path) -> list[Path]:
    return [p for name in (RESULTS, PER_STUDY) for p in folder.glob(f".{name}.*.tmp")]


def recover(folder: Path) -> None:
    """Finish a pair write that a killed writer journaled, and remove orphaned temporaries. Caller holds the lock."""
    journal = folder / JOURNAL
    if journal.is_file():
        try:
            pending = json.loads(journal.read_text(encoding="utf-8"))
            moves = [(folder / pending[name], folder / name) for name in (PER_STUDY, RESULTS)]
        except (OSError, ValueError, KeyError, TypeError):
            moves = []   # the journal is renamed into place whole, so this is not one of ours: drop it
        if moves and all(src.is_file() for src, _ in moves):
            for src, dst in moves:
                os.replace(src, dst)
            _fsync_dir(folder)
        journal.unlink()
    for tmp in _temps(folder):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_pair(folder: Path, results: bytes, per_study: bytes) -> None:
    """Put results.json and per_study.jsonl into `folder` together (see the module docstring)."""
    folder = Path(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with folder_lock(folder):
            recover(folder)
            for name in (PER_STUDY, RESULTS):   # the renames below cannot replace a folder: fail before either
                if (folder / name).is_dir() and not (folder / name).is_symlink():
                    raise IsADirectoryError(errno.EISDIR, f"{name} is a folder")
            temps: list[Path] = []
            try:
                temps = [write_temp(folder / PER_STUDY, per_study), write_temp(folder / RESULTS, results)]
                journal = write_temp(folder / RESULTS, json.dumps(
                    {PER_STUDY: temps[0].name, RESULTS: temps[1].name}).encode("utf-8"))
                os.replace(journal, folder / JOURNAL)
                _fsync_dir(folder)
            except BaseException:
                for tmp in temps:
                    with contextlib.suppress(FileNotFoundError):
                        tmp.unlink()
                raise
            os.replace(temps[0], folder / PER_STUDY)
            os.replace(temps[1], folder / RESULTS)
            _fsync_dir(folder)
            (folder / JOURNAL).unlink()
    except OSError as exc:
        if created:   # leave nothing behind, not even the empty folder
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise RexbenchError(f"{folder}: cannot write {RESULTS} and {PER_STUDY} ({exc.strerror or exc}); "
                            f"nothing was changed") from None
