"""Evaluation items from our bundled samples, local JSONL/CSV files or SEA-HELM's hub datasets.

Both our flat records (`{"id", "lang", "label", <fields>}`) and SEA-HELM's format
(`{"id", "label", "prompts": [{<fields>}], "prompt_templates": [...], "metadata": {"language"}}`)
are read, so the same task YAML runs on the samples offline and on SEA-HELM's data.

Where items come from is a `DataSpec` (`--data`): `samples`, `hf`, a file or folder for every task,
and per task `TASK=PATH` / `TASK:LANG=PATH` or a data YAML mapping tasks and languages to files.
A record without a language is scored only in the language the user named for its file; when
none was named that is an error, never a silent copy under every language.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaforge.errors import UserError
from seaforge.eval.tasks import Task, TaskError, bundled_dir
from seaforge.io import iter_jsonl

_META_KEYS = {"id", "lang", "label", "sample", "metadata", "prompts", "prompt_templates"}
DATA_SUFFIXES = (".jsonl", ".csv")


class DataError(UserError):
    """A --data mistake that must stop the run (not skip one task): the message names the path."""


@dataclass
class Item:
    id: str
    lang: str
    fields: dict[str, Any]
    label: str | None = None  # canonical label of a choice task
    references: list[str] = field(default_factory=list)
    # SEA-HELM's own prompt, when the data file carries one (`prompt_templates`): `{fewshot_examples}`
    # marks where examples go; it is filled from the record's own field names (`template_fields`).
    template: str | None = None
    template_fields: dict[str, Any] | None = None


@dataclass
class Loaded:
    items: list[Item]
    fewshot: list[Item]  # examples for k-shot prompts: never test items
    source: str  # what was read, for the results file
    skipped: int = 0  # records in the source that could not be used
    fewshot_source: str | None = None  # where the examples came from; None: none found
    fewshot_missing: str = ""  # why there are none (said in the output and the results)


# --- where the data comes from ------------------------------------------------------------------


@dataclass
class DataSource:
    """One file or folder named for a task, maybe for one language."""

    path: Path
    lang: str | None = None  # the language the user named for it
    examples: Path | None = None  # few-shot file named with it (data YAML `examples:`)
    origin: str = ""  # how the user wrote it, for messages

    def describe(self) -> str:
        return self.origin or str(self.path)


@dataclass
class DataSpec:
    default: str | None = "samples"  # samples | hf | a file or a folder of <task>.jsonl; None: mapped tasks only
    tasks: dict[str, list[DataSource]] = field(default_factory=dict)  # task name (or earlier name) -> sources
    single_lang: str | None = None  # the one language asked (--languages id): records without one are it

    def sources(self, task: Task) -> list[DataSource] | None:
        for name in (task.name, *task.aliases):
            if name in self.tasks:
                return self.tasks[name]
        return None

    def languages(self, task: Task) -> set[str] | None:
        """The languages the mapping names for `task`; None when any language may be in its files."""
        sources = self.sources(task)
        if not sources or any(source.lang is None for source in sources):
            return None
        return {source.lang for source in sources}


def _split_mapping(value: str) -> tuple[str, str | None, str] | None:
    """`TASK=PATH` or `TASK:LANG=PATH` -> (task, lang, path); None when `value` is a plain path."""
    if "=" not in value:
        return None
    key, path = value.split("=", 1)
    if not key or "/" in key or "\\" in key or Path(value).exists():
        return None
    task, _, lang = key.partition(":")
    return task.strip(), (lang.strip() or None), path.strip()


def parse_data(values: str | list[str] | tuple[str, ...] | None, languages: list[str] | None = None) -> DataSpec:
    """The --data options (repeatable) as one DataSpec; errors name the option or the YAML field."""
    from seaforge.text.languages import resolve as resolve_language

    if values is None or isinstance(values, str):
        values = [values or "samples"]
    spec = DataSpec(default=None)
    defaults = []
    for value in values:
        mapping = _split_mapping(value)
        if mapping is not None:
            task, lang, path = mapping
            if not task or not path:
                raise DataError(f"--data {value}: write TASK=PATH or TASK:LANG=PATH")
            lang = resolve_language(lang) if lang else None
            source = DataSource(Path(path), lang, origin=f"--data {value}")
            if not source.path.exists():
                raise DataError(f"--data {value}: {path}: no such file or folder")
            spec.tasks.setdefault(task, []).append(source)
        elif value.endswith((".yaml", ".yml")) and Path(value).is_file():
            for task, sources in _read_data_yaml(Path(value)).items():
                spec.tasks.setdefault(task, []).extend(sources)
        else:
            defaults.append(value)
    if len(defaults) > 1:
        raise DataError(f"--data: give one of samples | hf | a file or folder for every task, not {defaults}")
    if defaults:
        spec.default = defaults[0]
        if spec.default not in ("samples", "hf") and not Path(spec.default).exists():
            raise DataError(f"--data {spec.default}: no such file or folder (or use samples | hf | TASK=PATH)")
    elif not spec.tasks:
        spec.default = "samples"
    if languages and len(languages) == 1:
        spec.single_lang = languages[0]
    return spec


def _read_data_yaml(path: Path) -> dict[str, list[DataSource]]:
    """A data YAML: `task: PATH`, `task: {test: PATH, examples: PATH}` or `task: {LANG: PATH or
    {test:, examples:}}`; paths are relative to the YAML's folder."""
    from seaforge.config import read_yaml
    from seaforge.text.languages import resolve as resolve_language

    data = read_yaml(path, error=DataError)
    if not isinstance(data, dict) or not data:
        raise DataError(f"{path}: a data YAML maps task names to files, e.g. `causal: {{id: causal_id.jsonl}}`")

    def one(value, where: str, lang: str | None) -> DataSource:
        if isinstance(value, str):
            test, examples = value, None
        elif isinstance(value, dict) and set(value) <= {"test", "examples"} and "test" in value:
            test, examples = value["test"], value.get("examples")
        else:
            raise DataError(f"{path}: field `{where}`: give a path or {{test: PATH, examples: PATH}}")
        source = DataSource((path.parent / str(test)), lang, origin=f"{path} `{where}`")
        if not source.path.exists():
            raise DataError(f"{path}: field `{where}`: {test}: no such file or folder")
        if examples is not None:
            source.examples = path.parent / str(examples)
            if not source.examples.is_file():
                raise DataError(f"{path}: field `{where}.examples`: {examples}: no such file")
        return source

    out: dict[str, list[DataSource]] = {}
    for task, value in data.items():
        if isinstance(value, dict) and not ("test" in value and set(value) <= {"test", "examples"}):
            for lang, entry in value.items():
                try:
                    code = resolve_language(str(lang))
                except UserError as err:
                    raise DataError(f"{path}: field `{task}.{lang}`: {err}") from None
                out.setdefault(str(task), []).append(one(entry, f"{task}.{lang}", code))
        else:
            out.setdefault(str(task), []).append(one(value, str(task), None))
    return out


# --- records -> items ---------------------------------------------------------------------------


def _canonical_label(task: Task, lang: str, raw: Any) -> str | None:
    if isinstance(raw, list):  # SEA-HELM keeps some labels as one-element lists
        raw = raw[0] if raw else None
    if raw is None:
        return None
    raw = str(raw)
    by_map = {key.strip().lower(): value for key, value in task.source.label_map.items()}
    raw = task.source.label_map.get(raw) or by_map.get(raw.strip().lower(), raw)
    if raw in task.labels:
        return raw
    spec = task.languages.get(lang)
    by_native = {native.strip().lower(): label for label, native in (spec.options if spec else {}).items()}
    by_label = {label.lower(): label for label in task.labels}
    key = raw.strip().lower()
    return by_label.get(key) or by_native.get(key)


def record_language(record: dict) -> str | None:
    return record.get("lang") or (record.get("metadata") or {}).get("language")


def record_to_item(task: Task, record: dict, lang: str, where: str) -> Item:
    """Turn one source record into an Item; raises TaskError naming `where` and the field."""
    if not isinstance(record, dict):
        raise TaskError(f"{where}: a record must be a JSON object")
    template = None
    if record.get("prompts"):
        raw_fields = dict(record["prompts"][0])
        fields = {task.source.prompts_fields.get(name, name): value for name, value in raw_fields.items()}
        templates = record.get("prompt_templates")
        if isinstance(templates, list) and templates and isinstance(templates[0], str):
            template = templates[0]
    else:
        raw_fields = {name: value for name, value in record.items() if name not in _META_KEYS}
        fields = dict(raw_fields)
    fields = {task.source.fields.get(name, name): value for name, value in fields.items()}
    # Upstream files name their ids differently (XCOPA `idx`, IndoNLI `pair_id`).
    raw_id = next(
        (record[key] for key in ("id", "idx", "pair_id") if record.get(key) is not None),
        (record.get("metadata") or {}).get("sample_id", ""),
    )
    item_id = str(raw_id)
    if not item_id:
        # A CSV export or a hand-made file often has no id column: its position names the item
        # (stable for resuming and the cache as long as the file is unchanged).
        item_id = f"row-{where.rsplit(':', 1)[-1]}" if ":" in where else where
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
    # SEA-HELM records keep their own field names too: its templates (the item's, or the test
    # item's for an example) are filled from them.
    return Item(item_id, lang, fields, label, refs, template, raw_fields if record.get("prompts") else None)


SHOWN_SKIPS = 3


def _csv_records(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as err:
        raise UserError(f"{path}: cannot read: {err.strerror}") from None
    with fh:
        try:
            reader = csv.DictReader(fh)
            for row in reader:
                if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                    continue
                yield reader.line_num, {key: value for key, value in row.items() if key is not None}, None
        except (csv.Error, UnicodeDecodeError) as err:
            yield 0, None, f"{path}: not a readable CSV file ({err})"


def iter_records(path: Path) -> Iterator[tuple[str, dict | None, str | None]]:
    """(where, record, error) for every record of a JSON Lines or CSV file."""
    if path.suffix.lower() == ".csv":
        for lineno, record, error in _csv_records(path):
            yield f"{path}:{lineno}", record, error
        return
    for line in iter_jsonl(path):
        yield f"{path}:{line.lineno}", line.record, line.error


def _no_language(path: Path, task: Task) -> DataError:
    return DataError(
        f"{path}: its records have no language field (`lang` or `metadata.language`), so it would be "
        f"scored under every language; name its language: --data {task.name}:LANG={path} (or "
        f"`{task.name}: {{LANG: {path.name}}}` in a data YAML, or a single --languages LANG)"
    )


def read_jsonl(
    path: Path, task: Task, lang: str | None, strict: bool, file_lang: str | None = None
) -> tuple[list[Item], int]:
    """Items of `lang` from a JSONL (or CSV) file; bad lines raise (strict) or are counted as skipped.

    A record without a language field belongs to `file_lang` (the language the user named for the
    file); with none named that is a DataError, not a guess.
    """
    path = Path(path)
    items, skipped = [], 0
    for where, record, error in iter_records(path):
        try:
            if error:
                raise TaskError(error)
            rec_lang = record_language(record)
            if rec_lang is None:
                if file_lang is None:
                    raise _no_language(path, task)
                rec_lang = file_lang
            elif file_lang is not None and rec_lang != file_lang:
                continue  # the user named this file for another language
            if lang is not None and rec_lang != lang:
                continue
            items.append(record_to_item(task, record, rec_lang, where))
        except (TaskError, AttributeError, IndexError, KeyError, TypeError) as err:
            msg = str(err) if isinstance(err, TaskError) else f"{where}: {err}"
            if strict:
                raise TaskError(msg) from None
            skipped += 1
            if skipped <= SHOWN_SKIPS:  # name the first few; the rest are counted in results.json
                print(f"warning: skipped {msg}", file=sys.stderr)
    if skipped > SHOWN_SKIPS:
        print(f"warning: {path}: {skipped} bad lines skipped in all", file=sys.stderr)
    return items, skipped


read_items = read_jsonl  # it reads CSV too

EXAMPLES_SUFFIX = "_examples"  # SEA-HELM's name for a split's few-shot file: jv_belebele_examples.jsonl
# In a folder named for a task, files that hold few-shot splits are never read as test items:
# SEA-HELM's `*_examples`, Global-MMLU-Lite's `*_dev`, XCOPA's `val.*`, and train/fewshot splits.
FEWSHOT_FILE = re.compile(r"(^|[._-])(examples|dev|val|validation|fewshot|train)([._-]|$)", re.I)


def is_fewshot_file(path: Path) -> bool:
    return FEWSHOT_FILE.search(path.stem) is not None


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
    """The test-item file `--data` names for `task`: the file itself, or DIR/<task>.jsonl (or .csv,
    or under an earlier name of the task)."""
    path = Path(data)
    if not path.is_dir():
        return path
    for name in (task.name, *task.aliases):
        for suffix in DATA_SUFFIXES:
            if (path / f"{name}{suffix}").is_file():
                return path / f"{name}{suffix}"
    return path / f"{task.name}.jsonl"


def _sibling_examples(test_file: Path) -> Path | None:
    for suffix in DATA_SUFFIXES:
        candidate = test_file.with_name(f"{test_file.stem}{EXAMPLES_SUFFIX}{suffix}")
        if candidate.is_file():
            return candidate
    return None


def fewshot_file(task: Task, test_file: Path, fewshot_data: str | Path | None) -> Path | None:
    """Where few-shot examples for a local test file come from: `--fewshot-data` (a file, or a
    folder holding <task>_examples.jsonl or <task>.jsonl), else a sibling <stem>_examples.jsonl."""
    if fewshot_data is not None and not Path(fewshot_data).is_dir():
        found: Path | None = Path(fewshot_data)  # a missing file is reported when it is read
    elif fewshot_data is not None:
        candidates = [
            Path(fewshot_data) / f"{name}{middle}{suffix}"
            for name in (task.name, *task.aliases)
            for middle in (EXAMPLES_SUFFIX, "")
            for suffix in DATA_SUFFIXES
        ]
        found = next((candidate for candidate in candidates if candidate.is_file()), None)
    else:
        found = _sibling_examples(test_file)
    if found is not None and found.exists() and found.resolve() == test_file.resolve():
        raise TaskError(f"--fewshot-data {fewshot_data}: is the test file itself; examples must be separate")
    return found


def load_items(
    task: Task,
    lang: str,
    data: str | DataSpec = "samples",
    limit: int | None = None,
    fewshot_k: int = 0,
    fewshot_data: str | Path | None = None,
) -> Loaded:
    """Items of one task and language. `data`: "samples", "hf", a path to a local JSONL/CSV (or a
    folder of <task>.jsonl files), or a DataSpec. Few-shot examples (when `fewshot_k`) never come
    from test items: `fewshot_data`, the examples named with the file, a sibling
    <stem>_examples.jsonl (bundled ones for the samples), the hub's `examples` split, or none
    (zero-shot, with `fewshot_missing` saying why)."""
    spec = data if isinstance(data, DataSpec) else DataSpec(default=data)
    sources = spec.sources(task)
    if sources is not None:
        loaded = _load_sources(task, lang, sources, fewshot_k, fewshot_data)
    elif spec.default is None:
        raise TaskError(f"no data named for task {task.name!r} (--data {task.name}=PATH)")
    elif spec.default == "samples":
        loaded = _load_samples(task, lang, fewshot_k)
    elif spec.default == "hf":
        loaded = _load_hf(task, lang, fewshot_k)
    else:
        path = data_file(spec.default, task)
        if not path.exists():
            raise TaskError(f"{path}: no such data file for task {task.name!r}")
        items, skipped = read_jsonl(path, task, lang, strict=False, file_lang=spec.single_lang)
        loaded = Loaded(items, [], str(path), skipped)
        if fewshot_k:
            examples_path = fewshot_file(task, path, fewshot_data)
            if examples_path is None:
                loaded.fewshot_missing = (
                    f"no few-shot examples: neither --fewshot-data nor "
                    f"{path.stem}{EXAMPLES_SUFFIX}.jsonl next to {path}"
                )
            else:
                _add_examples(loaded, task, lang, [examples_path], spec.single_lang)
    if limit:
        loaded.items = loaded.items[:limit]
    return loaded


def _add_examples(loaded: Loaded, task: Task, lang: str, paths: list[Path], file_lang: str | None) -> None:
    for path in paths:
        examples, _ = read_jsonl(path, task, lang, strict=False, file_lang=file_lang)
        loaded.fewshot += examples
    loaded.fewshot_source = ", ".join(str(path) for path in paths)
    if not loaded.fewshot:
        loaded.fewshot_missing = f"no few-shot examples for {lang!r} in {loaded.fewshot_source}"


def _load_samples(task: Task, lang: str, fewshot_k: int) -> Loaded:
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
    return loaded


def source_files(source: DataSource) -> tuple[list[Path], list[Path]]:
    """(test files, example files) of a file or folder named for a task."""
    if source.path.is_dir():
        files = sorted(p for p in source.path.iterdir() if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
        tests = [p for p in files if not is_fewshot_file(p)]
        examples = [p for p in files if is_fewshot_file(p)]
        if source.examples:
            examples = [source.examples]
        return tests, examples
    examples = [source.examples] if source.examples else [e for e in [_sibling_examples(source.path)] if e]
    return [source.path], examples


def _load_sources(
    task: Task, lang: str, sources: list[DataSource], fewshot_k: int, fewshot_data: str | Path | None
) -> Loaded:
    """Items of `lang` from the files and folders named for the task (`TASK=PATH`, data YAML)."""
    items: list[Item] = []
    skipped = 0
    read: list[str] = []
    example_paths: list[Path] = []
    for source in sources:
        if source.lang is not None and source.lang != lang:
            continue
        tests, examples = source_files(source)
        if not tests:
            raise DataError(f"{source.describe()}: {source.path} holds no .jsonl or .csv test file")
        for path in tests:
            found, bad = read_jsonl(path, task, lang, strict=False, file_lang=source.lang)
            items += found
            skipped += bad
            read.append(str(path))
        example_paths += [path for path in examples if path not in example_paths]
    loaded = Loaded(items, [], ", ".join(read) or ", ".join(s.describe() for s in sources), skipped)
    if fewshot_k:
        if fewshot_data is not None:
            found = fewshot_file(task, Path(read[0]) if read else Path("."), fewshot_data)
            example_paths = [found] if found else []
        if not example_paths:
            loaded.fewshot_missing = (
                f"no few-shot examples: no *{EXAMPLES_SUFFIX} file beside {loaded.source} and no --fewshot-data"
            )
        else:
            file_lang = next((s.lang for s in sources if s.lang == lang), None)
            _add_examples(loaded, task, lang, example_paths, file_lang)
    return loaded


# --- SEA-HELM's hub datasets --------------------------------------------------------------------


def hub_args(task: Task, lang: str, examples: bool = False) -> tuple[str, str | None, str] | None:
    """(dataset, config, split) as SEA-HELM loads them: load_dataset(name, lang, split="eval"),
    examples from split "examples"; None when the task has no such split."""
    if not task.source.hf:
        raise TaskError(f"{task.path}: field `source.hf`: task {task.name!r} names no hub dataset")
    spec = task.languages[lang]
    config = (spec.hf_config or task.source.hf_config or "").format(lang=lang) or None
    split = task.source.fewshot_split if examples else (spec.hf_split or task.source.split)
    if split is None:
        return None
    return task.source.hf, config, split.format(lang=lang)


def _load_hf(task: Task, lang: str, fewshot_k: int) -> Loaded:
    """SEA-HELM's hub datasets: config = the language, split "eval", few-shot split "examples"."""
    name, config, split = hub_args(task, lang)
    rows = _hub_split(name, config, split)
    items, skipped = _rows_to_items(task, rows, lang, f"{name}[{config}/{split}]")
    loaded = Loaded(items, [], f"hf:{name}:{config or ''}:{split}", skipped)
    examples = hub_args(task, lang, examples=True)
    if fewshot_k and examples:
        _, _, examples_split = examples
        example_rows = _hub_split(name, config, examples_split)
        loaded.fewshot, _ = _rows_to_items(task, example_rows, lang, f"{name}[{config}/{examples_split}]")
        loaded.fewshot_source = f"hf:{name}:{config or ''}:{examples_split}"
    elif fewshot_k:
        loaded.fewshot_missing = f"no few-shot examples: task {task.name!r} names no `source.fewshot_split`"
    return loaded


def _hub_split(name: str, config: str | None, split: str):
    import datasets

    try:
        return datasets.load_dataset(name, config, split=split)
    except Exception as err:  # noqa: BLE001 - offline, unknown split, no access: one reason to report
        raise TaskError(
            f"{name}[{config}/{split}]: cannot load from the hub: {type(err).__name__}: "
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
