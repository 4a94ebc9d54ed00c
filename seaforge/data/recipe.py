"""The data recipe: a YAML file that maps one-to-one onto the pipeline's settings.

Validated with pydantic at load time; an error names the file and the field (e.g.
``recipes/data/demo.yaml: mix.temperature: Input should be greater than 0``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from seaforge.config import apply_overrides, format_validation_error, read_yaml
from seaforge.data.quality import QualitySettings
from seaforge.errors import UserError

# Input shards when the recipe gives none. A constant, not the number of CPU cores: the task
# count decides which file each document lands in and which duplicate copy survives, so it is
# part of what a recipe means (the same recipe gives the same output on any machine).
DEFAULT_TASKS = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputSpec(_Strict):
    type: Literal["jsonl", "parquet", "text", "wet", "warc", "hf", "synthetic"]
    path: str = ""  # folder, file glob root or HF dataset name; not used by "synthetic"
    name: str = "input"  # recorded as metadata "source"; used for per-source upsampling
    text_key: str = "text"
    id_key: str = "id"
    glob: str | None = None
    upsample: float = Field(1.0, gt=0)  # e.g. 2.0 for a high-quality source (wiki, news)
    options: dict = {}  # passed to the reader (hf: dataset_options, streaming, ...)
    docs: int = Field(2000, gt=0)  # synthetic only: how many documents to generate
    seed: int = 0  # synthetic only

    @model_validator(mode="after")
    def _has_path(self):
        if self.type != "synthetic" and not self.path:
            raise ValueError(f"input {self.name!r} of type {self.type} needs a path")
        return self


class LangIdSpec(_Strict):
    min_confidence: dict[str, float] = {"default": 0.5}


class DedupSpec(_Strict):
    exact: bool = True
    minhash: bool = True
    ngrams: int = Field(5, ge=1)
    ngrams_by_lang: dict[str, int] = {}  # on top of dedup.DEFAULT_NGRAMS (my: 8, zh: 8)
    # 20 bands x 10 rows instead of datatrove's 14 x 8: about the same threshold (~0.74 vs ~0.72
    # Jaccard) but a much sharper S-curve, so pages that merely share template phrases (common on
    # SEA news sites) are not chained into one cluster. See docs/data.md, Benchmark.
    buckets: int = Field(20, ge=1)
    hashes_per_bucket: int = Field(10, ge=1)


class DecontamSpec(_Strict):
    # Files (.jsonl, .jsonl.gz, .json array, .csv) or folders of them; each is reported by this name.
    eval_sets: list[str] = []
    eval_tasks: str | None = None  # `seaforge eval` tasks: a suite, task names or YAML paths
    eval_data: str = "samples"  # where the eval harness reads them: samples, hf, or a folder
    ngram: int = Field(13, ge=3)
    mode: Literal["drop", "flag"] = "drop"


class MixSpec(_Strict):
    proportions: dict[str, float] | None = None  # target token share per language
    temperature: float | None = Field(None, gt=0)  # p_l ~ n_l ** (1/T) when no proportions
    replay: dict[str, float] = {}  # fixed token shares (e.g. en: 0.1) taken before the rest
    total_tokens: int | None = Field(None, gt=0)  # default: the tokens available
    max_epochs: float = Field(4.0, gt=0)  # cap on repeats of any language (Muennighoff et al. 2023)
    upsample_duplicates: int = Field(1, ge=1)  # repeat a doc up to this many times by its copy count

    @model_validator(mode="after")
    def _one_way(self):
        if self.proportions is not None and self.temperature is not None:
            raise ValueError("give either proportions or temperature, not both")
        for key, share in {**(self.proportions or {}), **self.replay}.items():
            if share < 0:
                raise ValueError(f"share for {key!r} must be >= 0")
        if sum(self.replay.values()) >= 1:
            raise ValueError("replay shares must sum to less than 1")
        return self


class TokenizeSpec(_Strict):
    # Any model argument (seaforge.models.resolve): tiny:<arch>, a registered name, a .gguf file,
    # a local folder or a hub id. "tiny" is kept as an alias of tiny:llama (the same tokenizer).
    tokenizer: str
    seq_len: int = Field(2048, ge=2)
    rows_per_shard: int = Field(4096, ge=1)
    batch_size: int = Field(256, ge=1)


class ExecutorSpec(_Strict):
    kind: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(DEFAULT_TASKS, ge=0)  # input shards; changes the output, so never the core count
    workers: int = Field(0, ge=0)  # processes at once; 0: one per CPU core (does not change the output)
    start_method: Literal["fork", "forkserver", "spawn"] = "fork"  # local executor's worker processes
    slurm: dict = {}  # partition, time, cpus_per_task, mem_per_cpu_gb, qos, venv_path, ...
    ray: dict = {}  # cpus_per_task, mem_per_cpu_gb, ...

    @field_validator("tasks")
    @classmethod
    def _fixed_tasks(cls, tasks: int) -> int:
        if tasks == 0:
            raise ValueError(
                f"0 (one task per CPU core) made the output depend on the machine; "
                f"give a number (default {DEFAULT_TASKS})"
            )
        return tasks


class Recipe(_Strict):
    name: str
    output: str
    languages: list[str] = Field(min_length=1)
    inputs: list[InputSpec] = Field(min_length=1)
    langid: LangIdSpec = LangIdSpec()
    quality: dict[str, dict] = {}  # per-language (or "default") overrides of QualitySettings
    pii: bool = True
    dedup: DedupSpec = DedupSpec()
    decontaminate: DecontamSpec = DecontamSpec()
    mix: MixSpec = MixSpec()
    tokenize: TokenizeSpec | None = None
    executor: ExecutorSpec = ExecutorSpec()
    keep_rejected: bool = False

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, langs: list[str]) -> list[str]:
        from seaforge.text.languages import resolve

        return [resolve(code) for code in langs]  # KeyError -> message listing known codes

    @field_validator("quality")
    @classmethod
    def _known_settings(cls, quality: dict[str, dict]) -> dict[str, dict]:
        base = QualitySettings()
        for lang, overrides in quality.items():
            try:
                base.updated(**overrides)
            except (ValueError, TypeError) as err:
                raise ValueError(f"{lang}: {err}") from None
        return quality

    def cores(self) -> int:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

    @property
    def tasks(self) -> int:
        return self.executor.tasks

    @property
    def workers(self) -> int:
        """Processes at once: only speed depends on the machine, never the output."""
        return min(self.executor.workers or self.cores(), self.tasks)


class RecipeError(UserError, ValueError):
    """A recipe file that cannot be used; the message names the file and field."""


def load_recipe(path: str | os.PathLike, overrides: dict | list[str] | None = None) -> Recipe:
    """Read and validate a recipe.

    ``overrides``: ``--set`` items (``["executor.tasks=4"]``, values parsed as YAML) or, from
    Python, a dict of dotted keys (``{"executor.tasks": 4}``).
    """
    path = Path(path)
    doc = read_yaml(path, error=RecipeError)
    if isinstance(overrides, dict):  # JSON is YAML: one override syntax underneath
        overrides = [f"{key}={json.dumps(value)}" for key, value in overrides.items()]
    apply_overrides(doc, list(overrides or []), error=RecipeError)
    try:
        return Recipe.model_validate(doc)
    except ValidationError as err:
        raise RecipeError(format_validation_error(err, str(path))) from None
    except KeyError as err:  # unknown language code from resolve()
        raise RecipeError(f"{path}: field 'languages': {err.args[0]}") from None
