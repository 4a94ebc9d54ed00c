"""Training configs: YAML files that map one-to-one onto these pydantic models.

They load through ``seaforge.config.load_config`` (the one YAML loader and ``--set`` syntax):
every field can be overridden with ``--set section.field=value`` (parsed as YAML, so
``--set data.mixture='{th: 0.5, vi: 0.5}'`` works), and unknown fields are errors that name the
field, so a typo never silently falls back to a default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The one config error (a UserError: exit 2, one line), re-exported for the train modules.
from seaforge.config import ConfigError as ConfigError


class Strict(BaseModel):
    """Base of every config section: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class ModelOptions(Strict):
    path: str = Field(
        description="Hugging Face id or local directory of the base model "
        "(or tiny:<arch>, a tiny random model for offline demos)."
    )
    tokenizer: str | None = Field(None, description="Tokenizer id or directory; defaults to model.path.")
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    gradient_checkpointing: bool = False
    attn_implementation: str | None = None
    random_init: bool = Field(False, description="Build from the config with random weights (benchmarks).")


class LoraOptions(Strict):
    r: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: str | list[str] = "all-linear"
    qlora: bool = Field(False, description="Load the base in 4-bit NF4 (needs CUDA and bitsandbytes).")


class TrainOptions(Strict):
    steps: int = Field(gt=0, description="Optimizer steps in the whole run (the schedule spans them).")
    micro_batch_size: int = Field(1, gt=0)
    grad_accum: int = Field(1, gt=0)
    lr: float = Field(2e-5, gt=0)
    min_lr_ratio: float = Field(0.1, ge=0, le=1)
    schedule: Literal["wsd", "cosine", "constant"] = "wsd"
    warmup_steps: int = Field(0, ge=0)
    decay_fraction: float = Field(0.2, gt=0, le=1, description="wsd: share of steps spent decaying.")
    weight_decay: float = Field(0.1, ge=0)
    betas: tuple[float, float] = (0.9, 0.95)
    max_grad_norm: float | None = 1.0
    seed: int = 0
    log_every: int = Field(10, gt=0)
    eval_every: int = Field(0, ge=0, description="0: evaluate only at the end.")
    eval_at_start: bool = Field(False, description="Also evaluate before the first step (logged as step 0).")
    save_every: int = Field(0, ge=0, description="Checkpoint every N steps; 0: not by step count.")
    save_every_minutes: float = Field(
        10.0,
        ge=0,
        description="Also checkpoint once this many minutes have passed since the last "
        "checkpoint (or the start); 0: not by time. Either trigger saves.",
    )
    keep_checkpoints: int = Field(2, gt=0)

    @model_validator(mode="after")
    def _warmup_fits(self):
        if self.warmup_steps >= self.steps:
            raise ValueError(f"warmup_steps={self.warmup_steps} must be below steps={self.steps}")
        return self


class CPTData(Strict):
    path: str = Field(description="Packed shard directory (seaforge-packed-v1) or a JSONL file with `text`.")
    mixture: dict[str, float] | None = Field(
        None, description="Target-language weights; default: the index's mixture, else token counts."
    )
    replay: dict[str, float] = Field(
        default_factory=dict, description="Share of every batch drawn from replay languages, e.g. {en: 0.2}."
    )
    heldout_sequences: int = Field(4, ge=0, description="Rows per language kept out of training for perplexity.")
    seq_len: int | None = Field(None, description="Defaults to the packed index's seq_len (2048 for JSONL).")
    text_field: str = "text"
    lang_field: str = "lang"

    @model_validator(mode="after")
    def _shares(self):
        for name, weights in (("mixture", self.mixture or {}), ("replay", self.replay)):
            for lang, w in weights.items():
                if w < 0:
                    raise ValueError(f"{name}.{lang} is negative ({w})")
        if sum(self.replay.values()) >= 1:
            raise ValueError(f"replay shares sum to {sum(self.replay.values())}, must be below 1")
        return self


class SFTData(Strict):
    path: str = Field(description='JSONL file, one {"messages": [{role, content}, ...]} per line.')
    seq_len: int = Field(2048, gt=1)
    packing: bool = True
    messages_field: str = "messages"


class ChatOptions(Strict):
    template: str | None = Field(
        None, description="Jinja chat template (text or a file path) to use instead of the tokenizer's."
    )
    enable_thinking: bool | None = Field(None, description="Passed to templates that support thinking modes (Qwen3).")


class DPOData(Strict):
    path: str = Field(description="JSONL file with prompt, chosen, rejected (strings or message lists).")
    max_length: int = Field(1024, gt=1)


class DPOOptions(Strict):
    beta: float = Field(0.1, gt=0)
    loss_type: str = "sigmoid"


class BaseRunConfig(Strict):
    model: ModelOptions
    train: TrainOptions
    output_dir: str
    lora: LoraOptions | None = None


class CPTConfig(BaseRunConfig):
    data: CPTData


class SFTConfig(BaseRunConfig):
    data: SFTData
    chat: ChatOptions = Field(default_factory=ChatOptions)


class DPOConfig(BaseRunConfig):
    data: DPOData
    dpo: DPOOptions = Field(default_factory=DPOOptions)
