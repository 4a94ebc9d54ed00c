"""Evaluation items from our bundled samples, a local JSONL file or a Hugging Face dataset.

Both our flat records (`{"id", "lang", "label", <fields>}`) and SEA-HELM's hub format
(`{"id", "label", "prompts": [{<fields>}], "metadata": {"language"}}`) are read, so the same
task YAML runs on the samples offline and on SEA-HELM's data on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaforge.eval.tasks import Task, TaskError, bundled_dir
from seaforge.io import iter_jsonl

_META_KEYS = {"id", "lang", "label", "sample", "metadata", "prompts", "prompt_templates"}


@dataclass
class Item:
    id: str
    lang: str
    fields: dict[str, Any]
    label: str | None = None  # canonical label of a choice task
    references: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    items: list[Item]
    fewshot: list[Item]
    source: str  # what was read, for the results file
    skipped: int = 0  # records in the source that could not be used


def _canonical_label(task: Task, lang: str, raw: Any) -> str | None:
    if raw is None:
        return None
    raw = task.source.label_map.get(str(raw), str(raw))
    if raw in task.labels:
        return raw
    spec = task.languages.get(lang)
    by_native = {v.strip().lower(): k for k, v in (spec.options if spec else {}).items()}
    by_label = {lab.lower(): lab for lab in task.labels}
    key = raw.strip().lower()
    return by_label.get(key) or by_native.get(key)


def record_to_item(task: Task, record: dict, lang: str, where: str) -> Item:
    """Turn one source record into an Item; raises TaskError naming `where` and the field."""
    if not isinstance(record, dict):
        raise TaskError(f"{where}: a record must be a JSON object")
    fields = dict(record["prompts"][0]) if record.get("prompts") else {
        k: v for k, v in record.items() if k not in _META_KEYS}
    fields = {task.source.fields.get(k, k): v for k, v in fields.items()}
    # Upstream files name their ids differently (XCOPA `idx`, IndoNLI `pair_id`).
    raw_id = next((record[k] for k in ("id", "idx", "pair_id") if record.get(k) is not None),
                  (record.get("metadata") or {}).get("sample_id", ""))
    item_id = str(raw_id)
    if not item_id:
        raise TaskError(f"{where}: field `id` is missing")
    label = None
    if task.kind == "choice":
        raw_label = record.get(task.source.label_field, record.get("label"))
        label = _canonical_label(task, lang, raw_label)
        if label is None:
            raise TaskError(f"{where}: field `{task.source.label_field}`: {raw_label!r} is not one of "
                            f"{task.labels} (or their {lang} options)")
    refs: list[str] = []
    if task.references:
        raw = fields.get(task.references, record.get(task.references, record.get("label")))
        if raw is None:
            raise TaskError(f"{where}: field `{task.references}` (the reference) is missing")
        refs = [raw] if isinstance(raw, str) else [str(r) for r in raw]
    return Item(item_id, lang, fields, label, refs)


def read_jsonl(path: Path, task: Task, lang: str | None, strict: bool) -> tuple[list[Item], int]:
    """Items of `lang` from a JSONL file; bad lines raise (strict) or are counted as skipped."""
    items, skipped = [], 0
    for line in iter_jsonl(path):
        where = f"{path}:{line.lineno}"
        try:
            if line.error:
                raise TaskError(line.error)
            record = line.record
            rec_lang = record.get("lang") or record.get("metadata", {}).get("language")
            if lang is not None and rec_lang is not None and rec_lang != lang:
                continue
            items.append(record_to_item(task, record, rec_lang or lang or "", where))
        except (TaskError, AttributeError, IndexError, KeyError) as err:
            if strict:
                msg = str(err) if isinstance(err, TaskError) else f"{where}: {err}"
                raise TaskError(msg) from None
            skipped += 1
    return items, skipped


def _sample_path(task: Task) -> Path:
    if not task.source.samples:
        raise TaskError(f"{task.path}: field `source.samples`: task {task.name!r} ships no samples")
    return bundled_dir() / task.source.samples


def _split_fewshot(items: list[Item], k: int) -> tuple[list[Item], list[Item]]:
    # Samples have no separate few-shot split: every item is also a candidate example, and the
    # prompt builder never shows an item its own answer.
    return items, items if k else []


def load_items(task: Task, lang: str, data: str = "samples", limit: int | None = None,
               fewshot_k: int = 0) -> Loaded:
    """Items of one task and language. `data`: "samples", "hf", or a path to a local JSONL."""
    if data == "samples":
        path = _sample_path(task)
        items, skipped = read_jsonl(path, task, lang, strict=True)
        items, fewshot = _split_fewshot(items, fewshot_k)
        source = f"samples:{task.source.samples}"
    elif data == "hf":
        items, fewshot, skipped, source = _load_hf(task, lang, fewshot_k)
    else:
        path = Path(data)
        if path.is_dir():
            path = path / f"{task.name}.jsonl"
        if not path.exists():
            raise TaskError(f"{path}: no such data file for task {task.name!r}")
        items, skipped = read_jsonl(path, task, lang, strict=False)
        items, fewshot = _split_fewshot(items, fewshot_k)
        source = str(path)
    if limit:
        items = items[:limit]
    return Loaded(items, fewshot, source, skipped)


def _load_hf(task: Task, lang: str, fewshot_k: int) -> tuple[list[Item], list[Item], int, str]:
    """SEA-HELM's hub datasets: one split per language plus `<lang>_fewshot` examples."""
    if not task.source.hf:
        raise TaskError(f"{task.path}: field `source.hf`: task {task.name!r} names no hub dataset")
    import datasets

    spec = task.languages[lang]
    config = (spec.hf_config or task.source.hf_config or "").format(lang=lang) or None
    split = (spec.hf_split or task.source.split).format(lang=lang)
    rows = datasets.load_dataset(task.source.hf, config, split=split)
    items, skipped = _rows_to_items(task, rows, lang, f"{task.source.hf}[{split}]")
    fewshot: list[Item] = []
    if fewshot_k and task.source.fewshot_split:
        fs_split = task.source.fewshot_split.format(lang=lang)
        fs_rows = datasets.load_dataset(task.source.hf, config, split=fs_split)
        fewshot, _ = _rows_to_items(task, fs_rows, lang, f"{task.source.hf}[{fs_split}]")
    return items, fewshot, skipped, f"hf:{task.source.hf}:{config or ''}:{split}"


def _rows_to_items(task: Task, rows, lang: str, where: str) -> tuple[list[Item], int]:
    items, skipped = [], 0
    for n, row in enumerate(rows):
        try:
            items.append(record_to_item(task, dict(row), lang, f"{where} row {n}"))
        except TaskError:
            skipped += 1
    return items, skipped
