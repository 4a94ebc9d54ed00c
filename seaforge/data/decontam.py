"""Decontamination: find training documents that share a long n-gram with an evaluation set.

n-grams are over OUR segmented words (lower-cased), so a Thai or Khmer test question is
matched as reliably as an English one. 13-grams follow GPT-3's decontamination; hashes are
64-bit xxhash, stable across processes (Python's ``hash`` is salted per process, and the
index is built once and shipped to workers).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from seaforge.errors import UserError
from seaforge.io import iter_jsonl

DEFAULT_FIELDS = ("text", "question", "context", "passage", "premise", "hypothesis", "answer", "choices")


def _ngram_hashes(words: list[str], n: int) -> Iterable[int]:
    low = [w.lower() for w in words]
    for i in range(len(low) - n + 1):
        yield xxhash.xxh3_64_intdigest("\x1f".join(low[i : i + n]).encode())


class EvalSetError(UserError, ValueError):
    """An evaluation set that cannot be read; the message names the file and line."""


@dataclass
class NgramIndex:
    """A set of hashed word n-grams from evaluation data; ``first_hit`` names the source.

    ``skipped`` counts evaluation texts that could not be indexed, by reason (``no_letters``:
    language ID says ``und``; ``unknown_language``: a ``lang`` we have no segmenter for).
    """

    n: int = 13
    hashes: dict[int, str] = field(default_factory=dict)
    short_lengths: set[int] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[str] = field(default_factory=list)  # the first few, "file:line (reason)"

    def add(self, words: list[str], source: str) -> None:
        # An item shorter than n (a one-line question) is indexed whole, as one len(words)-gram.
        size = min(self.n, len(words))
        if size == 0:
            return
        if size < self.n:
            self.short_lengths.add(size)
        for h in _ngram_hashes(words, size):
            self.hashes.setdefault(h, source)

    def first_hit(self, words: list[str]) -> str | None:
        """The eval source of the first shared n-gram, or None."""
        if not self.hashes:
            return None
        for size in (self.n, *sorted(self.short_lengths)):
            for h in _ngram_hashes(words, size):
                if h in self.hashes:
                    return self.hashes[h]
        return None

    def __len__(self) -> int:
        return len(self.hashes)


def _record_texts(record: dict, fields: tuple[str, ...]) -> list[str]:
    out = []
    for key in fields:
        value = record.get(key)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
    return out


def eval_task_records(spec: str, data: str = "samples") -> Iterable[tuple[dict, str]]:
    """Items of ``seaforge eval`` tasks (a suite, task names or YAML paths) as (record, source).

    ``data`` is what the eval harness reads: its bundled "samples", "hf", or a local folder.
    """
    from seaforge.eval.items import load_items
    from seaforge.eval.tasks import select_tasks

    for task in select_tasks(spec):
        for lang in task.languages:
            for item in load_items(task, lang, data).items:
                yield {"lang": item.lang, **item.fields, "references": item.references}, f"{task.name}:{item.id}"


def _jsonl_records(path: Path) -> Iterable[tuple[dict, str]]:
    """An evaluation set must be whole: its first bad line stops the run before anything is written."""
    for line in iter_jsonl(path):
        if line.error:
            raise EvalSetError(f"evaluation set {line.error}")
        yield line.record, f"{path.name}:{line.lineno}"


def build_index(
    paths: list[str | os.PathLike],
    n: int = 13,
    fields: tuple[str, ...] = DEFAULT_FIELDS,
    min_words: int = 8,
    eval_tasks: str | None = None,
    eval_data: str = "samples",
) -> NgramIndex:
    """Index every string field of every JSONL record in ``paths``.

    The record's ``lang`` field picks the segmenter; without one, language ID decides. Items
    shorter than ``min_words`` words are skipped: they would match ordinary phrases.
    ``eval_tasks`` adds the items of the eval harness's tasks (see ``eval_task_records``).
    """
    from seaforge.text.langid import detect
    from seaforge.text.languages import UnknownLanguage, resolve
    from seaforge.text.normalize import normalize
    from seaforge.text.segment import segment

    index = NgramIndex(n=n)
    records = [r for path in paths for r in _jsonl_records(Path(path))]
    if eval_tasks:
        records += list(eval_task_records(eval_tasks, eval_data))
    for record, source in records:
        for text in _record_texts(record, fields + ("references",)):
            text = normalize(text)
            lang = record.get("lang") or detect(text).lang
            try:
                lang = resolve(str(lang))
            except UnknownLanguage:
                # "und" (no letters: a number, a symbol) or a language we cannot segment: such an
                # item cannot leak as a 13-word n-gram anyway; count it instead of failing the run.
                reason = "no_letters" if lang == "und" else "unknown_language"
                index.skipped[reason] = index.skipped.get(reason, 0) + 1
                if len(index.skipped_examples) < 5:
                    index.skipped_examples.append(f"{source} ({reason.replace('_', ' ')}: {lang!r})")
                continue
            words = segment(text, lang)
            if len(words) >= min_words:
                index.add(words, source)
    return index
