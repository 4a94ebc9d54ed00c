"""File helpers every area shares: atomic writes and forgiving JSON Lines reading.

Atomic: a reader, or a run resumed after a kill, never sees a half-written file or folder.
Forgiving: a batch job reads past a bad line and says which file and line it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from seaforge.errors import UserError


class OutputExistsError(UserError, FileExistsError):
    """An output that is already there and may not be replaced without --overwrite."""


def current_umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


def check_writable(path: str | os.PathLike) -> Path:
    """Fail before any work when ``path`` (a file or folder to be written) cannot be created.

    Walks up to the nearest existing folder and creates a probe file there, so a read-only disk, a
    missing permission or a parent that is a file is reported at once, not after minutes of work.
    """
    path = Path(path)
    probe_dir = path if path.is_dir() else path.parent
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise UserError(f"{path}: cannot write here: {probe_dir} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".seaforge-probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UserError(f"{path}: cannot write to {probe_dir}: {err.strerror}") from None
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` (or call ``data(fh)``) into a temp file beside ``path``, fsync, rename into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; a normal write respects the umask
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj, indent: int | None = 2) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")


def atomic_write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def _aside_dirs(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)


@contextmanager
def atomic_dir(out: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temp folder beside ``out``; when the block succeeds it replaces ``out`` whole.

    The old ``out`` is renamed aside before the new one is renamed in, and removed only after, so a
    kill at any point leaves one complete copy (a later call puts an orphaned old copy back).
    """
    out = Path(out)
    asides = _aside_dirs(out) if out.parent.is_dir() else []
    if asides and not out.exists():
        os.replace(asides.pop(), out)  # killed between the two renames last time: restore
    for stale in asides:
        shutil.rmtree(stale, ignore_errors=True)
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} exists; pass --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes 0700
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
        os.replace(out, aside)
        os.replace(tmp, out)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(tmp, out)


@dataclass
class JsonlLine:
    lineno: int
    record: dict | None  # None when the line is not a JSON object
    error: str | None  # "FILE:LINE: what is wrong", or None
    kind: str | None = None  # why it is bad, for counters: blank, invalid_utf8, bad_json, not_an_object


def iter_jsonl(
    source: str | os.PathLike | BinaryIO, blank_lines: bool = False, name: str | None = None
) -> Iterator[JsonlLine]:
    """Every line of a JSON Lines file or binary stream, parsed; bad lines come with an error
    ("FILE:LINE: what") instead of raising. ``name`` is what errors call the source (default: its path,
    or "stdin" for a stream).

    Blank lines are skipped, or with ``blank_lines=True`` yielded as errors, for callers that
    promise one output line per input line. A missing or unreadable file is a ``UserError``.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            raise UserError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"{path}: is a folder, expected a JSON Lines file") from None
        except OSError as err:
            raise UserError(f"{path}: cannot read: {err.strerror}") from None
        with fh:
            yield from _parse_lines(fh, name or str(path), blank_lines)
    else:
        yield from _parse_lines(source, name or "stdin", blank_lines)


def _parse_lines(fh: Iterable[bytes], name: str, blank_lines: bool) -> Iterator[JsonlLine]:
    for lineno, raw in enumerate(fh, start=1):
        if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte order mark (Notepad, Excel exports) made line 1 "invalid JSON"
        where = f"{name}:{lineno}"
        if not raw.strip():
            if blank_lines:
                yield JsonlLine(lineno, None, f"{where}: blank line", "blank")
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                yield JsonlLine(lineno, None, f"{where}: not valid UTF-8 (byte offset {bad.start})", "invalid_utf8")
                continue
            yield JsonlLine(lineno, None, f"{where}: invalid JSON ({err})", "bad_json")
            continue
        if not isinstance(record, dict):
            yield JsonlLine(
                lineno, None, f"{where}: expected a JSON object, got {type(record).__name__}", "not_an_object"
            )
            continue
        yield JsonlLine(lineno, record, None)


def read_jsonl(path: str | os.PathLike, strict: bool = True) -> list[dict]:
    """All records of a JSON Lines file: the first bad line is a ``UserError`` naming file and line,
    or with ``strict=False`` bad lines are skipped (callers that count skips use ``iter_jsonl``)."""
    records = []
    for line in iter_jsonl(path):
        if line.error is not None:
            if strict:
                raise UserError(line.error)
            continue
        records.append(line.record)
    return records
