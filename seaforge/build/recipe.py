"""The build recipe: a YAML file whose top-level keys are the stages, each in its area's own format.

``cpt``/``sft``/``dpo`` take the train configs' sections (``train``, ``lora``, ``data``, ``model``
options), ``data`` takes the data recipe's curation fields, ``eval`` the eval run's options, and
``export`` the GGUF types. What the build wires itself (model paths, data paths, output folders)
is not in the recipe, so a recipe cannot point a stage at the wrong input.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from seaforge.config import ConfigError, apply_overrides, format_validation_error, read_yaml
from seaforge.data.recipe import DecontamSpec, DedupSpec, ExecutorSpec, InputSpec, LangIdSpec
from seaforge.train.config import ChatOptions, DPOOptions, LoraOptions, Strict, TrainOptions

# Stage order is fixed: each stage reads what the ones before it wrote.
STAGES = ("model", "data", "tokenizer", "cpt", "sft", "dpo", "merge", "eval", "guard", "export", "report")
ALWAYS = ("model", "report")  # present even when the recipe leaves them out
MODEL_ROLES = ("base", "trimmed", "cpt", "sft", "dpo", "merge", "result")


class BuildError(ConfigError):
    """A recipe or stage input that cannot be used; the message names the file and field."""


class ModelStage(Strict):
    base: str = Field(description="Base model: registered name, folder, .gguf, hub id or tiny:<arch>.")


class DataStage(Strict):
    inputs: str | list[str | InputSpec] = Field(
        "bundled",
        description="'bundled' (prose written for seaforge), file or folder paths, hf:<dataset>, "
        "or data-recipe input dicts.",
    )
    chat: str | None = Field("bundled", description="SFT conversations: 'bundled' or a JSONL file; null: none.")
    codeswitch: str | None = Field(
        "bundled",
        description="Code-switched messages measured as a second held-out set, never trained on: "
        "'bundled', a JSONL file ({text, variety}) or null.",
    )
    heldout_every: int = Field(
        20, ge=2, description="Records without a 'split' field: every Nth (by text hash) is held out."
    )
    langid: LangIdSpec = LangIdSpec()
    quality: dict[str, dict] = {}

    @field_validator("inputs", mode="before")
    @classmethod
    def _input_items(cls, value):
        # One clear message instead of pydantic's error per member of the union.
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise ValueError("give 'bundled', a path, hf:<dataset>, or a list of those or of input mappings")
        for index, item in enumerate(items):
            if not isinstance(item, str | dict | InputSpec):
                raise ValueError(f"item {index} ({item!r}) is not a path, 'bundled', hf:<dataset> or an input mapping")
        return [InputSpec.model_validate(item) if isinstance(item, dict) else item for item in items]

    pii: bool = True
    dedup: DedupSpec = DedupSpec()
    decontaminate: DecontamSpec = DecontamSpec()
    executor: ExecutorSpec = ExecutorSpec(tasks=2)


class TokenizerStage(Strict):
    trim: bool = Field(True, description="Trim the vocabulary to the recipe's languages (CPU and edge builds).")
    budget: int = Field(32000, ge=0, description="Most frequent other tokens kept besides the corpus's.")
    predict: int = Field(10, ge=0, description="Keep the base model's top-N next-token predictions over the text.")
    scripts: bool = Field(True, description="Keep every token written in the languages' own scripts.")


class TrainModelOptions(Strict):
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    gradient_checkpointing: bool = False
    attn_implementation: str | None = None


class CPTStageData(Strict):
    mixture: dict[str, float] | None = None
    replay: dict[str, float] = Field(default_factory=lambda: {"en": 0.25})
    heldout_sequences: int = Field(2, ge=0)
    seq_len: int = Field(256, gt=1)


class SFTStageData(Strict):
    seq_len: int = Field(512, gt=1)
    packing: bool = True


class DPOStageData(Strict):
    path: str = Field(description="JSONL with prompt, chosen, rejected (strings or message lists).")
    max_length: int = Field(1024, gt=1)


class _TrainStage(Strict):
    train: TrainOptions
    lora: LoraOptions | None = None
    model: TrainModelOptions = TrainModelOptions()


class CPTStage(_TrainStage):
    data: CPTStageData = CPTStageData()


class SFTStage(_TrainStage):
    data: SFTStageData = SFTStageData()
    chat: ChatOptions = ChatOptions()


class DPOStage(_TrainStage):
    data: DPOStageData
    dpo: DPOOptions = DPOOptions()


class MergeStage(Strict):
    method: Literal["slerp", "linear", "task_arithmetic"] = "slerp"
    with_: Literal["base", "trimmed", "cpt", "sft", "dpo"] = Field(
        "cpt", alias="with", description="Earlier model merged with the current one."
    )
    t: float = Field(0.5, ge=0, le=1, description="Weight of the current model (slerp t; linear weight).")
    dtype: Literal["float32", "bfloat16"] = "float32"


class EvalStage(Strict):
    compare: list[Literal["base", "trimmed", "cpt", "sft", "dpo", "merge", "result"]] = ["base", "trimmed", "result"]
    tasks: list[str] = ["sentiment", "causal", "minimal_pairs"]
    task_models: list[Literal["base", "trimmed", "cpt", "sft", "dpo", "merge", "result"]] = ["base", "result"]
    limit: int | None = Field(3, gt=0, description="Items per task and language (None: all).")
    data: str = "samples"
    choice_scoring: Literal["generate", "loglikelihood"] = "loglikelihood"
    max_tokens: int | None = 48
    generations: int = Field(4, ge=0, description="Held-out chat prompts answered by base and result.")
    max_new_tokens: int = Field(48, gt=0)
    batch_size: int = Field(4, gt=0)


class GuardStage(Strict):
    pass


class ExportStage(Strict):
    gguf: list[str] = ["q8_0", "q4_k_m"]
    llama_cpp: bool = Field(True, description="Also check the GGUF files in llama.cpp when llama-cpp-python is there.")


class ReportStage(Strict):
    pass


class Hardware(Strict):
    """Where a real-scale recipe is meant to run (used by --dry-run estimates, not by a local run)."""

    gpus: int = Field(1, gt=0, description="GPUs per node.")
    nodes: int = Field(1, gt=0)
    gpu: str = "H100-80GB"
    accelerate_config: str | None = None
    slurm: str | None = None
    mfu: float = Field(0.4, gt=0, le=1)


class BuildRecipe(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    languages: list[str] = Field(min_length=1)
    seed: int = 0
    hardware: Hardware | None = None
    model: ModelStage
    data: DataStage | None = None
    tokenizer: TokenizerStage | None = None
    cpt: CPTStage | None = None
    sft: SFTStage | None = None
    dpo: DPOStage | None = None
    merge: MergeStage | None = None
    eval: EvalStage | None = None
    guard: GuardStage | None = None
    export: ExportStage | None = None
    report: ReportStage = ReportStage()

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, langs: list[str]) -> list[str]:
        from seaforge.errors import UserError
        from seaforge.text.languages import resolve

        try:
            return list(dict.fromkeys(resolve(lang) for lang in langs))
        except UserError as err:  # pydantic reports ValueErrors with the field's path
            raise ValueError(str(err)) from None

    @model_validator(mode="after")
    def _inputs_present(self):
        if (self.cpt or self.tokenizer) and self.data is None:
            raise ValueError("stages cpt and tokenizer need a data stage")
        if self.sft and (self.data is None or self.data.chat is None):
            raise ValueError("stage sft needs data.chat (conversations)")
        if self.guard is not None:
            raise ValueError("stage guard: guarding is not available in this version of seaforge; remove it")
        return self

    def stages(self) -> list[str]:
        """The stages this recipe runs, in order."""
        return [name for name in STAGES if name in ALWAYS or getattr(self, name) is not None]

    def dump(self) -> dict:
        """The recipe as plain data (the form hashed for caching and shown in the report)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def default_recipe_path() -> Path:
    """The embedded default recipe (real Gemma 3 270M, bundled text, sized for 2 CPU cores)."""
    return Path(str(resources.files("seaforge.build") / "default.yaml"))


def load_build_recipe(path: str | os.PathLike | None, overrides: list[str] | tuple[str, ...] = ()) -> BuildRecipe:
    """Read and validate a recipe (or the embedded default) with ``--set`` overrides; every error
    names the file and field, and nothing is run or written before it passes."""
    source = Path(path) if path is not None else default_recipe_path()
    doc = read_yaml(source, BuildError)
    unknown = [key for key in doc if key not in STAGES and key not in ("name", "languages", "seed", "hardware")]
    if unknown:
        raise BuildError(
            f"{source}: unknown stage {unknown[0]!r} (stages, in order: {', '.join(STAGES)}; "
            "other fields: name, languages, seed, hardware)"
        )
    apply_overrides(doc, list(overrides), BuildError)
    try:
        return BuildRecipe.model_validate(doc)
    except ValidationError as err:
        raise BuildError(format_validation_error(err, str(source))) from None
