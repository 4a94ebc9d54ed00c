"""Decontamination: find training documents that share a long n-gram with an evaluation set.

n-grams are over OUR segmented words (lower-cased), so a Thai or Khmer test question is
matched as reliably as an English one. 13-grams follow GPT-3's decontamination; hashes are
64-bit xxhash, stable across processes (Python's ``hash`` is salted per process, and the
index is built once and shipped to workers).

Evaluation sets are read whole, whatever their shape: JSON Lines (``.jsonl``, ``.jsonl.gz``),
a JSON array (``.json``, or a ``.jsonl`` that is really one pretty-printed array, as IndoNLI's
diagnostic file is), CSV, or a folder of those. Every string in a record is indexed, however
deeply nested (SEA-HELM keeps its text in ``prompts[0]``), except fields that are not the
item's content (``NOT_CONTENT``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from seaforge.errors import UserError
from seaforge.io import iter_jsonl

# Keys whose values are bookkeeping, not the text a model is tested on. ``prompt_templates``:
# SEA-HELM repeats the same instructions in every record of a task ("Jawaban mung nganggo format
# iki: ..."); they are not item content, and indexing them would mark every training page that
# quotes such boilerplate as contaminated. ``metadata``: ids, subjects, annotators' notes
# (Global-MMLU-Lite keeps stringified lists of regions and countries there); its ``language``
# still picks the segmenter. Any key ending in ``_id``/``_ids`` (pair_id, sample_id) is skipped too.
NOT_CONTENT = frozenset(
    {
        "id", "ids", "idx", "uid", "guid", "label", "labels", "lang", "language", "languages", "locale",
        "metadata", "meta", "prompt_templates", "prompt_template", "templates", "template",
        "subject", "subject_category", "country", "region", "culture",
    }
)  # fmt: skip
EVAL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".csv")
MIN_WORDS = 8  # shorter texts are not indexed: they would match ordinary phrases
# datatrove stat label + a set's position in ``NgramIndex.sets``: documents it removed or flagged.
# No "/" (set names are paths): summary.py reads "<lang>/<what>" labels as per-language figures.
SET_LABEL = "decontam_set_"
_ID_KEY = re.compile(r"_ids?$")


def _ngram_hashes(words: list[str], n: int) -> Iterable[int]:
    low = [w.lower() for w in words]
    for i in range(len(low) - n + 1):
        yield xxhash.xxh3_64_intdigest("\x1f".join(low[i : i + n]).encode())


class EvalSetError(UserError, ValueError):
    """An evaluation set that cannot be read; the message names the file and line.

    ``set_no``: which of ``build_index``'s paths it is (the recipe's ``eval_sets.<i>``)."""

    def __init__(self, message: str, set_no: int | None = None):
        super().__init__(message)
        self.set_no = set_no


@dataclass
class SetStats:
    """What one evaluation set (a path in the recipe, or the eval tasks) put into the index."""

    name: str  # the path as written in the recipe, or "eval_tasks:<spec>"
    files: int = 0
    records: int = 0
    texts: int = 0  # strings in content fields (before the length limit)
    indexed: int = 0  # texts with at least min_words words
    ngrams: int = 0  # distinct n-grams of this set (shared ones counted for each set)
    skipped: dict[str, int] = field(default_factory=dict)  # texts not indexed, by reason
    fields: dict[str, int] = field(default_factory=dict)  # content key path -> texts
    not_content: set[str] = field(default_factory=set)  # keys left out (NOT_CONTENT)

    def report(self) -> dict:
        """The figures ``summary.json`` records for the set (removals are added after the run)."""
        return {
            "files": self.files,
            "records": self.records,
            "texts": self.texts,
            "ngrams": self.ngrams,
            "skipped": dict(self.skipped),
        }

    def why_empty(self, min_words: int) -> str:
        """Why the set indexed nothing, for the recipe error."""
        seen = ", ".join(f"{key} ({count})" for key, count in sorted(self.fields.items())) or "none"
        why = f"0 texts of >= {min_words} words in {self.records} records; fields seen: {seen}"
        if self.skipped:
            why += "; not indexed: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(self.skipped.items()))
        if self.not_content:
            why += f"; left out as not content: {', '.join(sorted(self.not_content))}"
        return why


@dataclass
class NgramIndex:
    """A set of hashed word n-grams from evaluation data; ``first_hit`` names the source.

    ``skipped`` counts evaluation texts that could not be indexed, by reason (``no_letters``:
    language ID says ``und``; ``unknown_language``: a ``lang`` we have no segmenter for).
    ``sets`` has each evaluation set's figures; ``set_of`` says which set a source came from.
    """

    n: int = 13
    min_words: int = MIN_WORDS
    hashes: dict[int, str] = field(default_factory=dict)
    short_lengths: set[int] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[str] = field(default_factory=list)  # the first few, "file:line (reason)"
    sets: list[SetStats] = field(default_factory=list)
    source_sets: dict[str, int] = field(default_factory=dict)  # "file:line" -> position in sets

    def hashes_of(self, words: list[str]) -> list[int]:
        # An item shorter than n (a one-line question) is indexed whole, as one len(words)-gram.
        return list(_ngram_hashes(words, min(self.n, len(words)))) if words else []

    def add(self, words: list[str], source: str) -> None:
        self.insert(self.hashes_of(words), len(words), source)

    def insert(self, hashes: list[int], size: int, source: str) -> None:
        if size < self.n:
            self.short_lengths.add(size)
        for h in hashes:
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

    def set_of(self, source: str) -> int:
        """Position in ``sets`` of the set a ``first_hit`` source came from."""
        return self.source_sets.get(source, 0)

    def set_label(self, source: str) -> str:
        """The stat label that counts a hit on ``source`` for its set (see ``SET_LABEL``)."""
        return f"{SET_LABEL}{self.set_of(source)}"

    def __len__(self) -> int:
        return len(self.hashes)


def _key_lang(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def record_lang(record: dict) -> str | None:
    """The language a record declares: ``lang``, ``language`` or ``metadata.language``."""
    meta = record.get("metadata")
    return (
        _key_lang(record.get("lang"))
        or _key_lang(record.get("language"))
        or (_key_lang(meta.get("language")) if isinstance(meta, dict) else None)
    )


def record_texts(record, stats: SetStats | None = None, path: str = "") -> Iterator[str]:
    """Every string in ``record``'s content fields, depth first in the record's own order."""
    if isinstance(record, str):
        if stats is not None:
            stats.fields[path or "(value)"] = stats.fields.get(path or "(value)", 0) + 1
        yield record
    elif isinstance(record, dict):
        for key, value in record.items():
            key_s = str(key)
            if key_s.lower() in NOT_CONTENT or _ID_KEY.search(key_s.lower()):
                if stats is not None and value not in (None, "", [], {}):
                    stats.not_content.add(key_s)
                continue
            yield from record_texts(value, stats, f"{path}.{key_s}" if path else key_s)
    elif isinstance(record, list):
        for value in record:
            yield from record_texts(value, stats, path)


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


def eval_set_files(path: str | os.PathLike) -> list[Path]:
    """The files of one evaluation set: the file itself, or every eval file under a folder, sorted."""
    path = Path(path)
    if not path.exists():
        raise EvalSetError(f"{path} does not exist")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(EVAL_SUFFIXES))
    if not files:
        raise EvalSetError(f"{path} is a folder with no {', '.join(EVAL_SUFFIXES)} files")
    return files


def _read_bytes(path: Path) -> bytes:
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
        else:
            raw = path.read_bytes()
    except (OSError, EOFError) as err:
        raise EvalSetError(f"{path}: cannot read: {err}") from None
    return raw.removeprefix(b"\xef\xbb\xbf")  # a BOM, as spreadsheet exports write


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = raw.count(b"\n", 0, bad.start) + 1
        raise EvalSetError(f"evaluation set {name}:{line}: not valid UTF-8 (byte offset {bad.start})") from None


def _json_array_records(text: str, name: str) -> Iterator[tuple[dict, str]]:
    """Objects of a JSON array, each named by the line it starts on (``diagnostic.jsonl:14``)."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")
    pos, line, counted = text.index("[") + 1, 1, 0
    while True:
        pos = ws.match(text, pos).end()
        if text.startswith("]", pos):
            return
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise EvalSetError(f"evaluation set {name}:{err.lineno}: invalid JSON ({err.msg})") from None
        if not isinstance(value, dict):
            raise EvalSetError(f"evaluation set {name}:{line}: expected a JSON object, got {type(value).__name__}")
        yield value, f"{name}:{line}"
        pos = ws.match(text, pos).end()
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            bad_line = text.count("\n", 0, pos) + 1
            raise EvalSetError(f"evaluation set {name}:{bad_line}: expected ',' or ']' in the JSON array")


def _csv_records(text: str, name: str) -> Iterator[tuple[dict, str]]:
    """Rows of a CSV with a header line, as {column: cell}, named by the line each row starts on."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    start = 2
    try:
        for row in reader:
            yield {k: v for k, v in row.items() if k is not None}, f"{name}:{start}"
            start = reader.line_num + 1
    except csv.Error as err:
        raise EvalSetError(f"evaluation set {name}:{reader.line_num}: bad CSV ({err})") from None


def _file_records(path: Path, name: str) -> Iterator[tuple[dict, str]]:
    """An evaluation set must be whole: its first bad record stops the run before anything is written."""
    raw = _read_bytes(path)
    if path.name.lower().endswith(".csv"):
        csv.field_size_limit(1 << 30)  # a long passage in one cell is fine
        yield from _csv_records(_decode(raw, name), name)
        return
    head = raw.lstrip()[:1]
    if head == b"[":  # a JSON array, whatever the extension says (IndoNLI's diagnostic.jsonl is one)
        yield from _json_array_records(_decode(raw, name), name)
        return
    if path.name.lower().endswith(".json") and head == b"{":
        try:  # one (possibly pretty-printed) object; else it is JSON Lines under a .json name
            yield json.loads(_decode(raw, name)), f"{name}:1"
            return
        except json.JSONDecodeError:
            pass
    for line in iter_jsonl(io.BytesIO(raw), name=name):
        if line.error:
            raise EvalSetError(f"evaluation set {line.error}")
        yield line.record, f"{name}:{line.lineno}"


def _display_names(sets: list[list[Path]], roots: list[Path]) -> dict[Path, str]:
    """Short names for sources: the file name for a file, folder/relative path inside a folder;
    the full path where two files would otherwise share a name."""
    names: dict[Path, str] = {}
    for files, root in zip(sets, roots):
        for path in files:
            folder = root.name or root.resolve().name  # "." names the current folder
            names[path] = path.name if path == root else f"{folder}/{path.relative_to(root).as_posix()}"
    taken: dict[str, int] = {}
    for short in names.values():
        taken[short] = taken.get(short, 0) + 1
    return {path: (short if taken[short] == 1 else str(path)) for path, short in names.items()}


def build_index(
    paths: list[str | os.PathLike],
    n: int = 13,
    min_words: int = MIN_WORDS,
    eval_tasks: str | None = None,
    eval_data: str = "samples",
) -> NgramIndex:
    """Index every content string of every record of the evaluation sets in ``paths``.

    Each path is a file (JSONL, JSON array, CSV) or a folder of them; each is one set in
    ``index.sets``, named as given. The record's ``lang``/``language``/``metadata.language``
    picks the segmenter; without one, language ID decides per text. Texts shorter than
    ``min_words`` words are skipped: they would match ordinary phrases. ``eval_tasks`` adds the
    items of the eval harness's tasks (see ``eval_task_records``) as one more set.
    """
    from seaforge.text.langid import detect
    from seaforge.text.languages import UnknownLanguage, resolve
    from seaforge.text.normalize import normalize
    from seaforge.text.segment import segment

    index = NgramIndex(n=n, min_words=min_words)
    file_sets, roots = [], []
    for i, path in enumerate(paths):
        try:
            file_sets.append(eval_set_files(path))
        except EvalSetError as err:
            raise EvalSetError(str(err), set_no=i) from None
        roots.append(Path(path))
    names = _display_names(file_sets, roots)

    def sources() -> Iterator[tuple[SetStats, Iterable[tuple[dict, str]], int | None]]:
        for i, (path, files) in enumerate(zip(paths, file_sets)):
            name = str(path) if str(path) not in map(str, paths[:i]) else f"{path} (#{i})"  # listed twice
            stats = SetStats(name=name, files=len(files))
            yield stats, (r for f in files for r in _file_records(f, names[f])), i
        if eval_tasks:
            yield SetStats(name=f"eval_tasks:{eval_tasks}"), eval_task_records(eval_tasks, eval_data), None

    # One segmentation per (text, language) for the whole build: SEA-HELM and IndoNLI repeat
    # passages across records, and the same text may sit in two sets.
    done: dict[tuple[str, str | None], tuple[list[int], int] | str] = {}
    for stats, records, set_no in sources():
        set_pos = len(index.sets)
        index.sets.append(stats)
        own: set[int] = set()
        try:
            for record, source in records:
                stats.records += 1
                index.source_sets[source] = set_pos
                declared = record_lang(record)
                for text in record_texts(record, stats):
                    stats.texts += 1
                    key = (text, declared)
                    result = done.get(key)
                    if result is None:
                        clean = normalize(text)
                        lang = declared or detect(clean).lang
                        try:
                            lang = resolve(str(lang))
                        except UnknownLanguage:
                            # "und" (no letters: a number, a symbol) or a language we cannot segment:
                            # such an item cannot leak as a 13-word n-gram anyway; count it, don't fail.
                            result = "no_letters" if lang == "und" else f"unknown_language:{lang}"
                        else:
                            words = segment(clean, lang)
                            result = (index.hashes_of(words), len(words)) if len(words) >= min_words else ([], 0)
                        done[key] = result
                    if isinstance(result, str):
                        reason, _, lang = result.partition(":")
                        stats.skipped[reason] = stats.skipped.get(reason, 0) + 1
                        index.skipped[reason] = index.skipped.get(reason, 0) + 1
                        if len(index.skipped_examples) < 5:
                            shown = lang if reason == "unknown_language" else "und"
                            index.skipped_examples.append(f"{source} ({reason.replace('_', ' ')}: {shown!r})")
                        continue
                    hashes, size = result
                    if hashes:
                        stats.indexed += 1
                        own.update(hashes)
                        index.insert(hashes, size, source)
        except EvalSetError as err:
            raise EvalSetError(str(err), set_no=set_no) from None
        stats.ngrams = len(own)
    return index
