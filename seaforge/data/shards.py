"""Last stage: tokenise the deduplicated per-language documents, mix, and write packed shards.

Pass 1 tokenises each language once, streaming, into a token cache (``work/tokens/<lang>.bin``
plus ``<lang>.npz`` with per-document offsets, weights and id hashes), written atomically per
language so a killed run resumes at the next language. Pass 2 computes the mixture rates from the
cached counts and streams
documents epoch by epoch into ``pack_sequences``/``write_packed`` (resumable per shard).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xxhash
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from seaforge.data.mixing import doc_weight, plan_mixture, repeats
from seaforge.data.packing import pack_sequences, row_prefix, write_packed
from seaforge.io import atomic_write_bytes, atomic_write_json, iter_jsonl

TINY_ALIAS = {"tiny": "tiny:llama"}  # the demo recipes' old name; the same tokenizer, the same ids


def load_tokenizer(name: str):
    """The tokenizer a recipe names, through the one model resolver (``tiny:<arch>``, registered
    names, ``.gguf`` files, local folders, hub ids); a ``UserError`` when it cannot be loaded."""
    from seaforge.errors import UserError
    from seaforge.models.resolve import resolve_model
    from seaforge.tokenizer.load import load_tokenizer as load_any_tokenizer

    resolved = resolve_model(TINY_ALIAS.get(name, name))
    try:
        return load_any_tokenizer(resolved)  # the one tokenizer loader (also tiktoken, SentencePiece)
    except (OSError, ValueError) as err:
        raise UserError(f"field 'tokenize.tokenizer': cannot load tokenizer {name!r} ({resolved}): {err}") from None


def iter_docs(folder: Path) -> Iterator[dict]:
    """Documents of one language, files in name order (the order the final stage wrote them).

    Our own gzip output, whole by construction (atomic writers): a bad line here is a bug, so it raises.
    """
    import gzip

    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as fh:
            for line in iter_jsonl(fh, name=str(path)):
                if line.error is not None:
                    raise RuntimeError(f"corrupt curated shard: {line.error}")
                yield line.record


def _batches(docs: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def cache_language(
    folder: Path, cache: Path, lang: str, tokenizer, batch_size: int, upsample_dups: int, source_boost: dict[str, float]
) -> None:
    """Tokenise one language's documents, streaming, into ``cache``.bin (uint32 tokens) and
    ``cache``.npz (per document: token offsets, sampling weight, a hash of its id)."""
    tmp = cache.with_suffix(".bin.tmp")
    offsets, weights, keys = array("q", [0]), array("f"), array("Q")
    with open(tmp, "wb") as out:
        for batch in _batches(iter_docs(folder), batch_size):
            ids = tokenizer([doc["text"] for doc in batch], add_special_tokens=False)["input_ids"]
            for doc, toks in zip(batch, ids):
                out.write(np.asarray(toks, dtype=np.uint32).tobytes())
                offsets.append(offsets[-1] + len(toks))
                meta = doc.get("metadata", {})
                dups = int(meta.get("duplicate_count", 0) or 0) + int(meta.get("minhash_cluster_size", 1) or 1)
                weights.append(doc_weight(dups, upsample_dups, source_boost.get(meta.get("source"), 1.0)))
                keys.append(xxhash.xxh64_intdigest(f"{lang}/{doc.get('id')}".encode()))
    arrays = {
        "offsets": np.frombuffer(offsets, dtype=np.int64),
        "weights": np.frombuffer(weights, dtype=np.float32),
        "keys": np.frombuffer(keys, dtype=np.uint64),
    }
    atomic_write_bytes(cache.with_suffix(".npz"), lambda fh: np.savez(fh, **arrays))
    os.replace(tmp, cache.with_suffix(".bin"))  # the .bin appearing last marks the language done


def load_cache(cache: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Memory-mapped tokens and the per-document arrays of one language's cache."""
    with np.load(cache.with_suffix(".npz")) as npz:
        index = {k: npz[k] for k in npz.files}
    path = cache.with_suffix(".bin")
    tokens = np.memmap(path, dtype=np.uint32, mode="r") if path.stat().st_size else np.empty(0, np.uint32)
    return tokens, index


def _emit(tokens: np.ndarray, index: dict, rate: float) -> Iterator[list[int]]:
    """Documents epoch by epoch: repeats are spread over passes instead of sitting side by side."""
    offsets = index["offsets"]
    copies = repeats(index["keys"] / 2.0**64, rate * index["weights"].astype(np.float64))
    for epoch in range(int(copies.max(initial=0))):
        for i in np.flatnonzero(copies > epoch):
            yield tokens[offsets[i] : offsets[i + 1]].tolist()


class TokenizeAndPack(PipelineStep):
    """One-task datatrove step, so the last stage resumes and runs on any executor like the rest."""

    type = "🔢 - TOKENIZER"
    name = "tokenise, mix and pack"

    def __init__(
        self,
        docs_dir: str,
        work_dir: str,
        out_dir: str,
        languages: list[str],
        tokenizer: str,
        seq_len: int,
        rows_per_shard: int,
        batch_size: int,
        mix: dict,
        source_boost: dict[str, float],
    ):
        super().__init__()
        self.docs_dir, self.work_dir, self.out_dir = Path(docs_dir), Path(work_dir), Path(out_dir)
        self.languages, self.tokenizer_name, self.mix = languages, tokenizer, mix
        self.seq_len, self.rows_per_shard, self.batch_size = seq_len, rows_per_shard, batch_size
        self.source_boost = source_boost

    def _caches(self, tokenizer) -> dict[str, tuple[np.ndarray, dict]]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        out = {}
        for lang in self.languages:
            cache = self.work_dir / lang
            if not cache.with_suffix(".bin").exists():
                cache_language(
                    self.docs_dir / lang,
                    cache,
                    lang,
                    tokenizer,
                    self.batch_size,
                    self.mix.get("upsample_duplicates", 1),
                    self.source_boost,
                )
            out[lang] = tokens, index = load_cache(cache)
            self.stat_update(f"{lang}/docs", value=len(index["keys"]))
            self.stat_update(f"{lang}/tokens", value=len(tokens))
        return out

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> None:
        tokenizer = load_tokenizer(self.tokenizer_name)
        eos = tokenizer.eos_token_id
        prefix = row_prefix(tokenizer)  # BOS at the start of every row for models that need it
        if eos is None:
            raise ValueError(f"tokenizer {self.tokenizer_name!r} has no eos token; packing needs one")
        caches = self._caches(tokenizer)
        weighted = {
            lang: int(np.sum(np.diff(doc_index["offsets"]) * doc_index["weights"]))
            for lang, (_, doc_index) in caches.items()
        }
        plan = plan_mixture(
            weighted,
            self.mix.get("proportions"),
            self.mix.get("temperature"),
            self.mix.get("replay"),
            self.mix.get("total_tokens"),
            self.mix.get("max_epochs", 4.0),
        )
        rows = {
            lang: pack_sequences(_emit(tokens, doc_index, plan[lang].rate), self.seq_len, eos, prefix)
            for lang, (tokens, doc_index) in caches.items()
            if plan[lang].rate > 0
        }
        index = write_packed(
            self.out_dir,
            rows,
            self.seq_len,
            self.tokenizer_name,
            eos,
            rows_per_shard=self.rows_per_shard,
            mixture={lang: round(mix.target_share, 6) for lang, mix in plan.items()},
        )
        for lang, mix in plan.items():
            mix.tokens_out = index.tokens_by_lang().get(lang, 0)
        total = sum(mix.tokens_out for mix in plan.values()) or 1
        report = {
            lang: {
                **mix.as_dict(),
                "docs": len(caches[lang][1]["keys"]),
                "achieved_share": round(mix.tokens_out / total, 6),
            }
            for lang, mix in plan.items()
        }
        atomic_write_json(self.out_dir.parent / "mixture.json", report)
        logger.info(f"packed {index.total_sequences} sequences of {self.seq_len} tokens into {self.out_dir}")
