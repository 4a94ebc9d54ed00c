"""JSON Lines batch mode shared by the `seaforge text` commands.

Each input line is one JSON object with a `text` field; each output line is the same object with
fields added or replaced. A bad line (blank, bad JSON, invalid UTF-8, not an object, no `text`)
never stops the run: it is reported on stderr with its line number and answered with an `error`
record, so line N of the output always answers line N of the input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import orjson

from seaforge.io import JsonlLine, iter_jsonl

STDIN_NAME = "stdin"  # how errors name a stream: "stdin:3: blank line"


@dataclass
class BatchStats:
    lines: int = 0
    ok: int = 0
    errors: int = 0


def _lines(source: str | os.PathLike | BinaryIO) -> Iterator[tuple[str, JsonlLine]]:
    """(name, line) for every line of a file or stream, parsed by seaforge.io.iter_jsonl."""
    name = str(source) if isinstance(source, (str, os.PathLike)) else STDIN_NAME
    for line in iter_jsonl(source, blank_lines=True, name=name):
        yield name, line


def run_jsonl(
    transform: Callable[[dict], dict],
    source: str | os.PathLike | BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr=None,
) -> BatchStats:
    """Apply `transform` to every record of `source` (a path or binary stream, default stdin),
    writing one output line per input line."""
    source = source if source is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout.buffer
    stderr = stderr if stderr is not None else sys.stderr
    stats = BatchStats()
    for name, line in _lines(source):
        stats.lines += 1
        record, error = line.record, line.error
        if error is None and not isinstance(record.get("text"), str):
            error = f"{name}:{line.lineno}: field 'text' is missing or not a string"
        if error is None:
            try:
                record = transform(record)
            except Exception as err:  # noqa: BLE001 - one bad record must not stop a batch
                error = f"{name}:{line.lineno}: {type(err).__name__}: {err}"
        if error is not None:
            stats.errors += 1
            print(error, file=stderr)
            record = {**(record or {}), "error": error}
        else:
            stats.ok += 1
        stdout.write(orjson.dumps(record) + b"\n")
    stdout.flush()
    return stats
