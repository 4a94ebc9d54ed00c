"""On-disk inference cache keyed by content hash, so killed runs resume and re-scoring is free.

SQLite gives atomic commits: each finished batch is committed before the next starts, so a kill
loses at most the batch in flight and never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GenRequest:
    """Generate text from a chat (`messages`) or a raw completion `prompt`."""

    messages: tuple | None = None  # tuple of (role, content) pairs, hashable
    prompt: str | None = None
    max_tokens: int = 64
    temperature: float = 0.0
    seed: int | None = None  # only meaningful when sampling; None under greedy decoding

    def chat(self) -> list[dict]:
        return [{"role": role, "content": content} for role, content in self.messages or ()]


@dataclass(frozen=True)
class LLRequest:
    """Log-probability of `continuation` given `context`."""

    context: str
    continuation: str


def make_gen(
    messages: list[dict] | None = None,
    prompt: str | None = None,
    max_tokens: int = 64,
    temperature: float = 0.0,
    seed: int | None = None,
) -> GenRequest:
    turns = tuple((message["role"], message["content"]) for message in messages) if messages else None
    return GenRequest(turns, prompt, max_tokens, temperature, seed if temperature > 0 else None)


def request_key(fingerprint: str, request: GenRequest | LLRequest) -> str:
    payload = {"model": fingerprint, "type": type(request).__name__, **asdict(request)}
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=list)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    by_task: dict[str, list[int]] = field(default_factory=dict)


class InferenceCache:
    """A key -> JSON value store in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path))
        self.db.execute("CREATE TABLE IF NOT EXISTS inference (key TEXT PRIMARY KEY, value TEXT)")
        self.db.commit()
        self.stats = CacheStats()

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):  # SQLite caps the number of ? parameters
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT key, value FROM inference WHERE key IN ({marks})", chunk)
            found.update({key: json.loads(value) for key, value in rows})
        return found

    def put_many(self, pairs: Sequence[tuple[str, Any]]) -> None:
        with self.db:  # one transaction: all of the batch or none of it
            self.db.executemany(
                "INSERT OR REPLACE INTO inference VALUES (?, ?)",
                [(key, json.dumps(value, ensure_ascii=False)) for key, value in pairs],
            )

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM inference").fetchone()[0]

    def close(self) -> None:
        self.db.close()


def cached_call(
    cache: InferenceCache,
    fingerprint: str,
    requests: Sequence,
    compute: Callable[[list], list],
    chunk: int = 64,
    on_done: Callable[[int], None] | None = None,
) -> list:
    """Answer `requests` from the cache, computing only the misses, committing chunk by chunk."""
    keys = [request_key(fingerprint, request) for request in requests]
    found = cache.get_many(keys)
    todo = list(dict.fromkeys(key for key in keys if key not in found))
    cache.stats.hits += len(keys) - sum(1 for key in keys if key not in found)
    cache.stats.misses += len(todo)
    by_key = dict(zip(keys, requests))
    if on_done:
        on_done(len(keys) - len(todo))
    for start in range(0, len(todo), chunk):
        batch_keys = todo[start : start + chunk]
        values = compute([by_key[key] for key in batch_keys])
        cache.put_many(list(zip(batch_keys, values)))
        found.update(zip(batch_keys, values))
        if on_done:
            on_done(len(batch_keys))
    return [found[key] for key in keys]
