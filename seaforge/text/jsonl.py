"""JSON Lines batch mode shared by the `seaforge text` commands.

Each input line is one JSON object with a `text` field; each output line is the same object with
fields added or replaced. A bad line never stops the run: it is reported on stderr with its line
number and passed through with an `error` field, so line N of the output always answers line N
of the input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

import orjson


@dataclass
class BatchStats:
    lines: int = 0
    ok: int = 0
    errors: int = 0


def _parse_line(raw: bytes, lineno: int) -> tuple[dict | None, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"line {lineno}: invalid UTF-8 at byte {err.start}"
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        return None, f"line {lineno}: invalid JSON ({err})"
    if not isinstance(record, dict):
        return None, f"line {lineno}: expected a JSON object, got {type(record).__name__}"
    if not isinstance(record.get("text"), str):
        return record, f"line {lineno}: field 'text' is missing or not a string"
    return record, None


def run_jsonl(
    transform: Callable[[dict], dict],
    stdin: BinaryIO | Iterable[bytes] | None = None,
    stdout: BinaryIO | None = None,
    stderr=None,
) -> BatchStats:
    """Apply `transform` to every record read from stdin, writing one line per input line."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout.buffer
    stderr = stderr if stderr is not None else sys.stderr
    stats = BatchStats()
    for lineno, raw in enumerate(stdin, start=1):
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        stats.lines += 1
        record, error = _parse_line(raw, lineno)
        if error is None:
            try:
                record = transform(record)
            except Exception as err:  # noqa: BLE001 - one bad record must not stop a batch
                error = f"line {lineno}: {type(err).__name__}: {err}"
        if error is not None:
            stats.errors += 1
            print(error, file=stderr)
            if record is None:
                record = {"raw": raw.decode("utf-8", errors="replace")}
            record = {**record, "error": error}
        else:
            stats.ok += 1
        stdout.write(orjson.dumps(record) + b"\n")
    stdout.flush()
    return stats
