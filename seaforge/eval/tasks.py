"""Task definitions: one YAML file per task (competency, data source, metric, native prompts).

A task file may `extends:` another; the child overrides only the keys it names, so a variant
(say, the log-likelihood version of a classification task) restates nothing else. `defaults:`
under `languages` is merged into every language entry for the same reason.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from seaforge.config import read_yaml
from seaforge.errors import UserError

# Spelled as SEA-HELM spells them; the earlier underscore spellings are still accepted.
COMPETENCIES = (
    "nlu",
    "nlg",
    "nlr",
    "instruction-following",
    "multi-turn",
    "linguistic-diagnostics",
    "cultural",
    "knowledge",
    "safety",
    "speech",  # asr: scored on a speech model, never part of a text suite
)
COMPETENCY_ALIASES = {name.replace("-", "_"): name for name in COMPETENCIES if "-" in name}
METRICS = (
    "accuracy",
    "balanced_accuracy",  # SEA-HELM's "accuracy": mean recall over the gold labels
    "gold_probability",  # SEA-HELM's logprobs tasks: mean probability of the gold answer (0-100)
    "macro_f1",
    "squad_f1",
    "chrf_pp",
    "rouge_l",
    "instruction_accuracy",
    "win_rate",
    "pair_accuracy",
    "wer",  # asr: word error rate (seaforge/eval/asr.py scores it)
)
DEFAULT_LANGUAGES = ("id", "vi", "th", "ta", "tl", "ms", "my")
SUITES = ("seahelm", "seahelm_logprobs", "seahelm-logprobs")  # per-language lists: seahelm.py
LOGPROBS_SUFFIX = "-logprobs"  # SEA-HELM's name for a choice task scored by log-probabilities
TASKS_DIR = "tasks"
# A task name becomes a folder (OUT/items/<name>/) and a file name (DATA/<name>.jsonl).
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


class TaskError(UserError):
    """A task file or task name that cannot be used; the message names the file and field."""


def check_name(name: str, what: str = "task name") -> str:
    """`name` when it is safe as one path component; a TaskError for `../../x`, `a/b`, `..`."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name) or ".." in name:
        raise TaskError(
            f"{what} {name!r} must be letters, digits, '_', '-' or '.' (no '/' or '..'), because it becomes a file name"
        )
    return name


class Source(BaseModel):
    """Where items come from. Tests and demos use `samples`; real runs use `hf` or a local JSONL."""

    model_config = ConfigDict(extra="forbid")
    hf: str | None = None  # Hugging Face dataset id (SEA-HELM's datasets on the hub)
    hf_config: str | None = "{lang}"  # SEA-HELM: one config per language (may contain {lang})
    split: str = "eval"  # SEA-HELM's test split ...
    fewshot_split: str | None = "examples"  # ... and its separate few-shot split
    samples: str | None = None  # package-relative JSONL of our own sample items
    fields: dict[str, str] = Field(default_factory=dict)  # rename source field -> template field
    # Renames for SEA-HELM records only (`{"prompts": [{...}], "label"}`), whose fields can mean
    # something else than ours: in its translation sets `text` is the source and `label` the reference.
    prompts_fields: dict[str, str] = Field(default_factory=dict)
    label_field: str = "label"
    label_map: dict[str, str] = Field(default_factory=dict)  # source label -> canonical label


class LanguageSpec(BaseModel):
    """The native prompt for one language; written in that language, not machine-filled."""

    model_config = ConfigDict(extra="forbid")
    instruction: str = ""  # zero-shot preamble; may use {answer_tag}
    input: str = ""  # the item, with {field} placeholders
    answer_tag: str = ""  # e.g. "Jawaban:"; answers are read after its last occurrence
    options: dict[str, str] = Field(default_factory=dict)  # canonical label -> native answer
    values: dict[str, dict[str, str]] = Field(default_factory=dict)  # field -> value -> display
    hf_split: str | None = None  # overrides Source.split for this language
    hf_config: str | None = None


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    competency: Literal[COMPETENCIES]  # type: ignore[valid-type]
    description: str = ""
    aliases: list[str] = Field(default_factory=list)  # earlier seaforge names, still accepted by --tasks
    aggregation_group: str | None = None  # SEA-HELM: group tasks averaged first (en->xx + xx->en)
    chat_only: bool = False  # SEA-HELM skips it for base models (constants.yaml base_models_skip_tasks)
    scoring: Literal["generate", "loglikelihood", "cloze"] | None = None  # choice tasks: forces --choice-scoring
    variant_of: str | None = None  # a `-logprobs` variant made from this task
    kind: Literal["choice", "generate", "pairs", "chat", "asr"]
    metric: Literal[METRICS]  # type: ignore[valid-type]
    labels: list[str] = Field(default_factory=list)  # canonical labels of a choice task
    references: str | None = None  # item field holding the reference answer(s)
    output_lang: str | None = None  # language of the answer when not the item's (xx->en)
    baseline: float | None = None  # score (0-100) of random guessing; None: derived
    max_score: float = 100.0
    max_tokens: int = 64
    fewshot: dict[str, int] = Field(default_factory=lambda: {"instruct": 0, "base": 5})
    source: Source = Field(default_factory=Source)
    languages: dict[str, LanguageSpec]
    path: str | None = None

    @field_validator("competency", mode="before")
    @classmethod
    def _competency_spelling(cls, value):
        return COMPETENCY_ALIASES.get(value, value) if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        try:
            return check_name(name)
        except TaskError as err:
            raise ValueError(str(err)) from None

    @model_validator(mode="after")
    def _check(self) -> Task:
        if self.kind == "choice":
            if len(self.labels) < 2:
                raise ValueError("a choice task needs at least two `labels`")
            for lang, spec in self.languages.items():
                missing = [lab for lab in self.labels if lab not in spec.options]
                if missing:
                    raise ValueError(f"languages.{lang}.options lacks {missing}")
        if self.kind == "generate" and self.metric != "instruction_accuracy" and not self.references:
            raise ValueError("a generate task needs `references` (the field with the answers)")
        return self

    @property
    def random_baseline(self) -> float:
        """Random-guess score on the 0-100 scale: 1/k for choice, 1/2 for pairs, else 0."""
        if self.baseline is not None:
            return self.baseline
        if self.kind == "choice" and self.metric in ("accuracy", "balanced_accuracy"):
            return 100.0 / len(self.labels)
        if self.kind == "pairs":
            return 50.0
        return 0.0


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    if path in seen:
        raise TaskError(f"{path}: `extends` cycle through {[str(p) for p in seen]}")
    data = read_yaml(path, error=TaskError)
    parent = data.pop("extends", None)
    if parent:
        parent_path = (path.parent / parent).resolve()
        if not parent_path.suffix:
            parent_path = parent_path.with_suffix(".yaml")
        if not parent_path.exists():
            raise TaskError(f"{path}: field `extends`: {parent!r} not found")
        data = _deep_merge(_resolve_raw(parent_path, seen + (path,)), data)
    return data


def load_task(path: str | Path) -> Task:
    """Load and validate one task YAML (following `extends`); errors name the file and field."""
    path = Path(path).resolve()
    if not path.exists():
        raise TaskError(f"{path}: no such task file")
    raw = _resolve_raw(path)
    by_language = raw.get("languages") or {}
    defaults = by_language.pop("defaults", {}) if isinstance(by_language, dict) else {}
    if isinstance(by_language, dict):
        raw["languages"] = {code: _deep_merge(defaults, spec or {}) for code, spec in by_language.items()}
    raw["path"] = str(path)
    try:
        return Task.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        raise TaskError(f"{path}: field `{where}`: {message}") from None


def bundled_dir() -> Path:
    """The folder of task YAMLs shipped with seaforge."""
    return Path(str(resources.files("seaforge.eval") / TASKS_DIR))


class TaskIndex(dict):
    """Tasks by name; an earlier name (`mcqa`, `knowledge`, `minimal_pairs` ...) finds its task too."""

    def __missing__(self, name: str) -> Task:
        for task in self.values():
            if name in task.aliases:
                return task
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or any(name in task.aliases for task in self.values())


def logprobs_variant(task: Task) -> Task:
    """SEA-HELM's `<task>-logprobs`: the same items and prompts, every option scored by its
    log-probability, reported as the mean probability of the gold answer (not normalized)."""
    suffix = LOGPROBS_SUFFIX
    return task.model_copy(
        update={
            "name": task.name + suffix,
            "aliases": [alias + suffix for alias in task.aliases],
            "metric": "gold_probability",
            "scoring": "loglikelihood",
            "baseline": 0.0,
            "aggregation_group": task.aggregation_group + suffix if task.aggregation_group else None,
            "variant_of": task.name,
            "description": f"{task.description} (log-probabilities of the options)",
        },
        deep=True,
    )


def bundled_tasks() -> TaskIndex:
    """Every bundled task by name, in file-name order; each choice task also as `<name>-logprobs`."""
    tasks = TaskIndex()
    for path in sorted(bundled_dir().glob("*.yaml")):
        task = load_task(path)
        tasks[task.name] = task
    for task in list(tasks.values()):
        if task.kind == "choice" and task.scoring is None:
            variant = logprobs_variant(task)
            tasks[variant.name] = variant
    return tasks


def select_tasks(spec: str) -> list[Task]:
    """Tasks from a comma list of suite names, task names (or earlier names), aggregation groups
    (`thai_exam`), competencies or YAML paths. A suite here is every bundled task; the per-language
    SEA-HELM lists are applied by `select_suite` (seahelm protocol)."""
    bundled = bundled_tasks()
    chosen: dict[str, Task] = {}
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        competency = COMPETENCY_ALIASES.get(part, part)
        groups = {name: task for name, task in bundled.items() if task.aggregation_group == part}
        if part in SUITES:  # text suites: asr needs a speech model, so it runs only when named
            text_tasks = {name: task for name, task in bundled.items() if task.kind != "asr"}
            chosen.update({name: task for name, task in text_tasks.items() if task.variant_of is None})
        elif part in bundled:
            task = bundled[part]
            chosen[task.name] = task
        elif groups:
            chosen.update(groups)
        elif competency in COMPETENCIES:
            chosen.update(
                {
                    name: task
                    for name, task in bundled.items()
                    if task.competency == competency and task.variant_of is None
                }
            )
        elif part.endswith((".yaml", ".yml")):
            task = load_task(part)
            chosen[task.name] = task
        else:
            names = [name for name, task in bundled.items() if task.variant_of is None]
            raise TaskError(
                f"unknown task {part!r}; known: {', '.join(list(SUITES[:2]) + names)} (choice tasks also as "
                f"<task>{LOGPROBS_SUFFIX}), a group, a competency ({', '.join(COMPETENCIES)}) or a .yaml path"
            )
    return list(chosen.values())
