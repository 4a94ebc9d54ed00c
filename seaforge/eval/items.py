"""Evaluation items from our bundled samples, a local JSONL file or a Hugging Face dataset.

Both our flat records (`{"id", "lang", "label", <fields>}`) and SEA-HELM's hub format
(`{"id", "label", "prompts": [{<fields>}], "metadata": {"language"}}`) are read, so the same
task YAML runs on the samples offline and on SEA-HELM's data on a cluster.
"""

from __future__ import annotations

import sys
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
    fewshot: list[Item]  # examples for k-shot prompts: never test items
    source: str  # what was read, for the results file
    skipped: int = 0  # records in the source that could not be used
    fewshot_source: str | None = None  # where the examples came from; None: none found
    fewshot_missing: str = ""  # why there are none (said in the output and the results)


def _canonical_label(task: Task, lang: str, raw: Any) -> str | None:
    if raw is None:
        return None
    raw = task.source.label_map.get(str(raw), str(raw))
    if raw in task.labels:
        return raw
    spec = task.languages.get(lang)
    by_native = {native.strip().lower(): label for label, native in (spec.options if spec else {}).items()}
    by_label = {label.lower(): label for label in task.labels}
    key = raw.strip().lower()
    return by_label.get(key) or by_native.get(key)


def record_to_item(task: Task, record: dict, lang: str, where: str) -> Item:
    """Turn one source record into an Item; raises TaskError naming `where` and the field."""
    if not isinstance(record, dict):
        raise TaskError(f"{where}: a record must be a JSON object")
    fields = (
        dict(record["prompts"][0])
        if record.get("prompts")
        else {name: value for name, value in record.items() if name not in _META_KEYS}
    )
    fields = {task.source.fields.get(name, name): value for name, value in fields.items()}
    # Upstream files name their ids differently (XCOPA `idx`, IndoNLI `pair_id`).
    raw_id = next(
        (record[key] for key in ("id", "idx", "pair_id") if record.get(key) is not None),
        (record.get("metadata") or {}).get("sample_id", ""),
    )
    item_id = str(raw_id)
    if not item_id:
        raise TaskError(f"{where}: field `id` is missing")
    label = None
    if task.kind == "choice":
        raw_label = record.get(task.source.label_field, record.get("label"))
        label = _canonical_label(task, lang, raw_label)
        if label is None:
            raise TaskError(
                f"{where}: field `{task.source.label_field}`: {raw_label!r} is not one of "
                f"{task.labels} (or their {lang} options)"
            )
    refs: list[str] = []
    if task.references:
        raw = fields.get(task.references, record.get(task.references, record.get("label")))
        if raw is None:
            raise TaskError(f"{where}: field `{task.references}` (the reference) is missing")
        refs = [raw] if isinstance(raw, str) else [str(ref) for ref in raw]
    return Item(item_id, lang, fields, label, refs)


SHOWN_SKIPS = 3


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
            msg = str(err) if isinstance(err, TaskError) else f"{where}: {err}"
            if strict:
                raise TaskError(msg) from None
            skipped += 1
            if skipped <= SHOWN_SKIPS:  # name the first few; the rest are counted in results.json
                print(f"warning: skipped {msg}", file=sys.stderr)
    if skipped > SHOWN_SKIPS:
        print(f"warning: {path}: {skipped} bad lines skipped in all", file=sys.stderr)
    return items, skipped


EXAMPLES_SUFFIX = "_examples"  # SEA-HELM's name for a split's few-shot file: jv_belebele_examples.jsonl


def _sample_path(task: Task) -> Path:
    if not task.source.samples:
        raise TaskError(f"{task.path}: field `source.samples`: task {task.name!r} ships no samples")
    if Path(task.source.samples).stem.endswith(EXAMPLES_SUFFIX):
        raise TaskError(
            f"{task.path}: field `source.samples`: {task.source.samples!r} holds few-shot examples, not test items"
        )
    return bundled_dir() / task.source.samples


def sample_examples_path(task: Task) -> Path:
    """The bundled few-shot examples for a task's samples: <stem>_examples.jsonl beside them."""
    path = _sample_path(task)
    return path.with_name(f"{path.stem}{EXAMPLES_SUFFIX}.jsonl")


def data_file(data: str | Path, task: Task) -> Path:
    """The test-item file `--data` names for `task`: the file itself, or DIR/<task>.jsonl."""
    path = Path(data)
    return path / f"{task.name}.jsonl" if path.is_dir() else path


def fewshot_file(task: Task, test_file: Path, fewshot_data: str | Path | None) -> Path | None:
    """Where few-shot examples for a local test file come from: `--fewshot-data` (a file, or a
    folder holding <task>_examples.jsonl or <task>.jsonl), else a sibling <stem>_examples.jsonl."""
    if fewshot_data is not None and not Path(fewshot_data).is_dir():
        found: Path | None = Path(fewshot_data)  # a missing file is reported when it is read
    else:
        if fewshot_data is not None:
            candidates = [
                Path(fewshot_data) / f"{task.name}{EXAMPLES_SUFFIX}.jsonl",
                Path(fewshot_data) / f"{task.name}.jsonl",
            ]
        else:
            candidates = [test_file.with_name(f"{test_file.stem}{EXAMPLES_SUFFIX}.jsonl")]
        found = next((candidate for candidate in candidates if candidate.is_file()), None)
    if found is not None and found.exists() and found.resolve() == test_file.resolve():
        raise TaskError(f"--fewshot-data {fewshot_data}: is the test file itself; examples must be separate")
    return found


def load_items(
    task: Task,
    lang: str,
    data: str = "samples",
    limit: int | None = None,
    fewshot_k: int = 0,
    fewshot_data: str | Path | None = None,
) -> Loaded:
    """Items of one task and language. `data`: "samples", "hf", or a path to a local JSONL
    (or a folder of <task>.jsonl files). Few-shot examples (when `fewshot_k`) never come from
    test items: `fewshot_data`, a sibling <stem>_examples.jsonl (bundled ones for the samples), the
    hub's few-shot split, or none (zero-shot, with `fewshot_missing` saying why)."""
    if data == "samples":
        path = _sample_path(task)
        items, skipped = read_jsonl(path, task, lang, strict=True)
        loaded = Loaded(items, [], f"samples:{task.source.samples}", skipped)
        if fewshot_k:
            # Our sample items are test items too: k-shot examples come from the separate
            # <stem>_examples.jsonl we ship beside them, never from the other sample items.
            examples_path = sample_examples_path(task)
            if not examples_path.is_file():
                loaded.fewshot_missing = f"no few-shot examples: no bundled {examples_path.name} next to {path.name}"
            else:
                loaded.fewshot, _ = read_jsonl(examples_path, task, lang, strict=False)
                loaded.fewshot_source = f"samples:{Path(task.source.samples).with_name(examples_path.name).as_posix()}"
                if not loaded.fewshot:
                    loaded.fewshot_missing = f"no few-shot examples for {lang!r} in {loaded.fewshot_source}"
    elif data == "hf":
        loaded = _load_hf(task, lang, fewshot_k)
    else:
        path = data_file(data, task)
        if not path.exists():
            raise TaskError(f"{path}: no such data file for task {task.name!r}")
        items, skipped = read_jsonl(path, task, lang, strict=False)
        loaded = Loaded(items, [], str(path), skipped)
        if fewshot_k:
            examples_path = fewshot_file(task, path, fewshot_data)
            if examples_path is None:
                loaded.fewshot_missing = (
                    f"no few-shot examples: neither --fewshot-data nor "
                    f"{path.stem}{EXAMPLES_SUFFIX}.jsonl next to {path}"
                )
            else:
                loaded.fewshot, _ = read_jsonl(examples_path, task, lang, strict=False)
                loaded.fewshot_source = str(examples_path)
                if not loaded.fewshot:
                    loaded.fewshot_missing = f"no few-shot examples for {lang!r} in {examples_path}"
    if limit:
        loaded.items = loaded.items[:limit]
    return loaded


def _load_hf(task: Task, lang: str, fewshot_k: int) -> Loaded:
    """SEA-HELM's hub datasets: one split per language plus `<lang>_fewshot` examples."""
    if not task.source.hf:
        raise TaskError(f"{task.path}: field `source.hf`: task {task.name!r} names no hub dataset")
    spec = task.languages[lang]
    config = (spec.hf_config or task.source.hf_config or "").format(lang=lang) or None
    split = (spec.hf_split or task.source.split).format(lang=lang)
    rows = _hub_split(task, config, split)
    items, skipped = _rows_to_items(task, rows, lang, f"{task.source.hf}[{split}]")
    loaded = Loaded(items, [], f"hf:{task.source.hf}:{config or ''}:{split}", skipped)
    if fewshot_k and task.source.fewshot_split:
        examples_split = task.source.fewshot_split.format(lang=lang)
        example_rows = _hub_split(task, config, examples_split)
        loaded.fewshot, _ = _rows_to_items(task, example_rows, lang, f"{task.source.hf}[{examples_split}]")
        loaded.fewshot_source = f"hf:{task.source.hf}:{config or ''}:{examples_split}"
    elif fewshot_k:
        loaded.fewshot_missing = f"no few-shot examples: task {task.name!r} names no `source.fewshot_split`"
    return loaded


def _hub_split(task: Task, config: str | None, split: str):
    import datasets

    try:
        return datasets.load_dataset(task.source.hf, config, split=split)
    except Exception as err:  # noqa: BLE001 - offline, unknown split, no access: one reason to report
        raise TaskError(
            f"{task.source.hf}[{split}]: cannot load from the hub: {type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else ''}"
        ) from None


def _rows_to_items(task: Task, rows, lang: str, where: str) -> tuple[list[Item], int]:
    items, skipped = [], 0
    for row_number, row in enumerate(rows):
        try:
            items.append(record_to_item(task, dict(row), lang, f"{where} row {row_number}"))
        except TaskError:
            skipped += 1
    return items, skipped
