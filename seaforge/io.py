"""File helpers every area shares: atomic writes and forgiving JSON Lines reading.

Atomic: a reader, or a run resumed after a kill, never sees a half-written file or folder.
Forgiving: a batch job reads past a bad line and says which file and line it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson


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


@contextmanager
def atomic_dir(out: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temp folder beside ``out``; when the block succeeds it replaces ``out`` whole."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)


@dataclass
class JsonlLine:
    lineno: int
    record: dict | None  # None when the line is not a JSON object
    error: str | None  # "FILE:LINE: what is wrong", or None


def iter_jsonl(path: str | os.PathLike) -> Iterator[JsonlLine]:
    """Every non-blank line of a JSON Lines file, parsed; bad lines come with an error, never raise."""
    path = Path(path)
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError as err:
                yield JsonlLine(lineno, None, f"{where}: invalid JSON ({err})")
                continue
            if not isinstance(record, dict):
                yield JsonlLine(lineno, None, f"{where}: expected a JSON object, got {type(record).__name__}")
                continue
            yield JsonlLine(lineno, record, None)
