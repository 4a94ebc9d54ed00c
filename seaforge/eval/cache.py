"""On-disk inference cache keyed by content hash, so killed runs resume and re-scoring is free.

SQLite gives atomic commits: each finished batch is committed before the next starts, so a kill
loses at most the batch in flight and never leaves a half-written entry.

A key is the request plus the model's fingerprint, and the fingerprint describes what answers:
the weights, tokenizer and chat template (`weights_fingerprint`), not the path they were read
from, so a checkpoint overwritten at the same path never gets the old model's answers.
"""

from __future__ import annotations

import hashlib
import json
import os
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
    top_p: float | None = None  # nucleus sampling; None: the backend's default (1.0)
    stop: tuple[str, ...] = ()  # the answer ends at the first of these; they are not part of it

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
    top_p: float | None = None,
    stop: Sequence[str] = (),
) -> GenRequest:
    turns = tuple((message["role"], message["content"]) for message in messages) if messages else None
    sampling = temperature > 0
    stops = tuple(dict.fromkeys(text for text in stop if text))  # order kept, duplicates dropped
    return GenRequest(
        turns, prompt, max_tokens, temperature, seed if sampling else None, top_p if sampling else None, stops
    )


# Files up to this size are hashed whole (configs, tokenizers, safetensors index, chat templates).
# Larger ones (weights) by size, mtime and a hash of their first and last MiB: reading gigabytes
# on every run would cost more than some evaluations.
WHOLE_HASH_BYTES = 64 * 2**20
EDGE_BYTES = 2**20


def file_fingerprint(path: str | Path, whole_hash_bytes: int = WHOLE_HASH_BYTES) -> str:
    """A digest of one file: its content when small, else size + mtime + first and last MiB."""
    path = Path(path)
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        if stat.st_size <= whole_hash_bytes:
            for block in iter(lambda: handle.read(2**20), b""):
                digest.update(block)
            return "sha256:" + digest.hexdigest()
        digest.update(handle.read(EDGE_BYTES))
        handle.seek(max(0, stat.st_size - EDGE_BYTES))
        digest.update(handle.read(EDGE_BYTES))
    return f"size:{stat.st_size}|mtime:{stat.st_mtime_ns}|edges:{digest.hexdigest()}"


def weights_fingerprint(path: str | Path, whole_hash_bytes: int = WHOLE_HASH_BYTES) -> str:
    """sha256 over every file `from_pretrained` may read from a model folder (weights, index,
    config, tokenizer, chat template), or over one file (a .gguf); hidden files, subfolders (other
    checkpoints) and Markdown are left out. Raises OSError when `path` does not exist."""
    path = Path(path)
    if path.is_file():
        files = [path]
    else:
        files = sorted(
            entry
            for entry in path.iterdir()
            if entry.is_file() and not entry.name.startswith(".") and entry.suffix.lower() != ".md"
        )
        if not files:
            raise FileNotFoundError(f"{path}: no model files")
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.name}\0{file_fingerprint(file, whole_hash_bytes)}\n".encode())
    return digest.hexdigest()


def model_fingerprint(name_or_path: str) -> str:
    """`weights_fingerprint` of a local folder or file; for a hub id, of its cached snapshot.
    A name that is neither gives the name itself: an unknown model cannot be told apart."""
    if name_or_path and os.path.exists(name_or_path):
        return weights_fingerprint(name_or_path)
    try:
        from huggingface_hub import snapshot_download

        return weights_fingerprint(snapshot_download(name_or_path, local_files_only=True))
    except Exception:  # noqa: BLE001 - not in the local hub cache: no files to describe
        return f"name:{name_or_path}"


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
