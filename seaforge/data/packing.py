"""Packed token shards: the contract between the corpus engine and training.

A packed dataset is a directory with ``index.json`` and ``.npy`` shards of shape
(sequences, seq_len), dtype uint32. Each shard holds ONE language, so training can weight
languages and measure per-language held-out perplexity.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from seaforge.errors import UserError
from seaforge.io import atomic_write_bytes, atomic_write_json

FORMAT = "seaforge-packed-v1"
INDEX_FILE = "index.json"
PROGRESS_FILE = "index.partial.json"  # shards finished so far; lets a killed run resume
DTYPE = "uint32"


class PackedFormatError(UserError, ValueError):
    """A packed dataset on disk does not match the seaforge-packed-v1 contract."""


@dataclass
class PackedShard:
    file: str
    lang: str
    sequences: int
    tokens: int
    sha256: str


@dataclass
class PackedIndex:
    path: Path
    seq_len: int
    eos_id: int
    tokenizer: str
    shards: list[PackedShard]
    dtype: str = DTYPE
    mixture: dict[str, float] | None = None

    def tokens_by_lang(self) -> dict[str, int]:
        """Total tokens per language."""
        out: dict[str, int] = {}
        for shard in self.shards:
            out[shard.lang] = out.get(shard.lang, 0) + shard.tokens
        return out

    def langs(self) -> list[str]:
        """Languages present, in shard order."""
        return list(dict.fromkeys(s.lang for s in self.shards))

    @property
    def total_tokens(self) -> int:
        return sum(s.tokens for s in self.shards)

    @property
    def total_sequences(self) -> int:
        return sum(s.sequences for s in self.shards)

    def load_shard(self, shard: PackedShard) -> np.ndarray:
        """Memory-map one shard (no copy)."""
        return np.load(self.path / shard.file, mmap_mode="r")

    def iter_rows(self, lang: str | None = None) -> Iterator[np.ndarray]:
        """Yield every row (length seq_len), optionally of one language, in shard order."""
        for shard in self.shards:
            if lang is not None and shard.lang != lang:
                continue
            yield from self.load_shard(shard)

    def to_json(self) -> dict:
        """The index.json content."""
        doc = {
            "format": FORMAT,
            "seq_len": self.seq_len,
            "dtype": self.dtype,
            "tokenizer": self.tokenizer,
            "eos_id": self.eos_id,
            "shards": [asdict(s) for s in self.shards],
        }
        if self.mixture is not None:
            doc["mixture"] = self.mixture
        return doc


def row_prefix(tokenizer) -> list[int]:
    """``[BOS]`` when the tokenizer starts every text with it (Gemma, Llama), else nothing. Such
    models score far worse on a row that does not start with BOS (Gemma 3 270M: held-out
    perplexity several times higher), so every packed row gets one, not only the first document."""
    bos = tokenizer.bos_token_id
    framed = tokenizer("a")["input_ids"]
    return [bos] if bos is not None and framed and framed[0] == bos else []


def pack_sequences(
    docs: Iterable[list[int]], seq_len: int, eos_id: int, prefix: list[int] | tuple[int, ...] = ()
) -> Iterator[np.ndarray]:
    """Concatenate token lists with ``eos_id`` after each and cut them into rows of ``seq_len``,
    each row starting with ``prefix`` (see ``row_prefix``).

    The final partial row is dropped (standard for pretraining packing): it would need padding,
    which the training loss would then have to mask.
    """
    body = seq_len - len(prefix)
    if body < 2:
        raise ValueError(f"seq_len must be >= {2 + len(prefix)}, got {seq_len}")
    buf = np.empty(seq_len, dtype=np.uint32)
    buf[: len(prefix)] = np.asarray(prefix, dtype=np.uint32)
    start = fill = len(prefix)
    for doc in docs:
        tokens = np.asarray(list(doc) + [eos_id], dtype=np.uint32)
        pos = 0
        while pos < len(tokens):
            take = min(seq_len - fill, len(tokens) - pos)
            buf[fill : fill + take] = tokens[pos : pos + take]
            fill += take
            pos += take
            if fill == seq_len:
                yield buf.copy()
                fill = start


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _batched(rows: Iterable[np.ndarray], n: int) -> Iterator[list[np.ndarray]]:
    batch: list[np.ndarray] = []
    for row in rows:
        batch.append(row)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_progress(out_dir: Path, seq_len: int, tokenizer_name: str, eos_id: int) -> dict[str, dict]:
    """Shards completed by an earlier (killed) run with the same settings, keyed by file name."""
    path = out_dir / PROGRESS_FILE
    if not path.exists():
        return {}
    doc = json.loads(path.read_text())
    if (doc.get("seq_len"), doc.get("tokenizer"), doc.get("eos_id")) != (seq_len, tokenizer_name, eos_id):
        return {}  # different settings: start over rather than mix incompatible shards
    return {s["file"]: s for s in doc.get("shards", []) if (out_dir / s["file"]).exists()}


def write_packed(
    out_dir: str | os.PathLike,
    rows_by_lang: dict[str, Iterable[np.ndarray]],
    seq_len: int,
    tokenizer_name: str,
    eos_id: int,
    rows_per_shard: int = 4096,
    mixture: dict[str, float] | None = None,
) -> PackedIndex:
    """Write rows into per-language shards ``{lang}-{n:05d}.npy`` and ``index.json``.

    Every file is written atomically. If a previous run was killed, shards it finished are
    skipped (their rows are consumed from the iterator, not rewritten), so rerunning with the
    same deterministic input gives the same files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = _load_progress(out, seq_len, tokenizer_name, eos_id)
    shards: list[PackedShard] = []
    header = {"seq_len": seq_len, "tokenizer": tokenizer_name, "eos_id": eos_id}
    for lang, rows in rows_by_lang.items():
        for n, batch in enumerate(_batched(rows, rows_per_shard)):
            name = f"{lang}-{n:05d}.npy"
            if name in done and done[name]["sequences"] == len(batch):
                shards.append(PackedShard(**done[name]))
                continue
            arr = np.stack(batch).astype(np.uint32, copy=False)
            if arr.shape[1] != seq_len:
                raise ValueError(f"{lang}: row of length {arr.shape[1]}, expected seq_len={seq_len}")
            atomic_write_bytes(out / name, lambda fh, a=arr: np.save(fh, a))
            shards.append(PackedShard(name, lang, arr.shape[0], int(arr.size), _sha256(out / name)))
            atomic_write_json(out / PROGRESS_FILE, {**header, "shards": [asdict(s) for s in shards]})
    index = PackedIndex(out, seq_len, eos_id, tokenizer_name, shards, mixture=mixture)
    atomic_write_json(out / INDEX_FILE, index.to_json())
    (out / PROGRESS_FILE).unlink(missing_ok=True)
    return index


def _require(doc: dict, key: str, kind: type, where: str):
    if key not in doc:
        raise PackedFormatError(f"{where}: missing field {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise PackedFormatError(f"{where}: field {key!r} must be {kind.__name__}, got {value!r}")
    return value


def _read_shard(out: Path, i: int, raw, seq_len: int, verify: bool) -> PackedShard:
    where = f"{out / INDEX_FILE}: shards[{i}]"
    if not isinstance(raw, dict):
        raise PackedFormatError(f"{where}: must be an object")
    shard = PackedShard(
        file=_require(raw, "file", str, where),
        lang=_require(raw, "lang", str, where),
        sequences=_require(raw, "sequences", int, where),
        tokens=_require(raw, "tokens", int, where),
        sha256=_require(raw, "sha256", str, where),
    )
    path = out / shard.file
    if not path.is_file():
        raise PackedFormatError(f"{where}: field 'file' names {path}, which does not exist")
    try:
        arr = np.load(path, mmap_mode="r")
    except (ValueError, OSError, EOFError) as err:  # truncated or not an .npy file at all
        raise PackedFormatError(f"{path}: not a readable .npy shard ({err})") from None
    if arr.dtype != np.uint32 or arr.ndim != 2 or arr.shape != (shard.sequences, seq_len):
        raise PackedFormatError(
            f"{path}: array is {arr.dtype}{arr.shape}, index says uint32({shard.sequences}, {seq_len})"
        )
    if shard.tokens != shard.sequences * seq_len:
        raise PackedFormatError(f"{where}: field 'tokens'={shard.tokens} != sequences * seq_len")
    if verify and _sha256(path) != shard.sha256:
        raise PackedFormatError(f"{path}: sha256 does not match field 'sha256' in the index")
    return shard


def read_packed(path: str | os.PathLike, verify: bool = False) -> PackedIndex:
    """Load and validate a packed dataset; ``verify=True`` also checks every shard's sha256."""
    out = Path(path)
    index_path = out / INDEX_FILE
    if not index_path.is_file():
        raise PackedFormatError(f"{index_path}: not found (is {out} a packed dataset?)")
    try:
        doc = json.loads(index_path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise PackedFormatError(f"{index_path}: not valid UTF-8 (offset {err.start})") from None
    except json.JSONDecodeError as err:
        raise PackedFormatError(f"{index_path}: invalid JSON at line {err.lineno}: {err.msg}") from None
    where = str(index_path)
    if not isinstance(doc, dict):
        raise PackedFormatError(f"{where}: top level must be an object, got {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise PackedFormatError(f"{where}: field 'format' is {doc.get('format')!r}, expected {FORMAT!r}")
    if doc.get("dtype") != DTYPE:
        raise PackedFormatError(f"{where}: field 'dtype' is {doc.get('dtype')!r}, expected {DTYPE!r}")
    seq_len = _require(doc, "seq_len", int, where)
    if seq_len < 2:
        raise PackedFormatError(f"{where}: field 'seq_len' must be >= 2")
    eos_id = _require(doc, "eos_id", int, where)
    tokenizer = _require(doc, "tokenizer", str, where)
    raw_shards = _require(doc, "shards", list, where)
    shards = [_read_shard(out, i, raw, seq_len, verify) for i, raw in enumerate(raw_shards)]
    mixture = doc.get("mixture")
    if mixture is not None and not isinstance(mixture, dict):
        raise PackedFormatError(f"{where}: field 'mixture' must be an object")
    return PackedIndex(out, seq_len, eos_id, tokenizer, shards, mixture=mixture)
