"""``seaforge merge``: linear, task arithmetic, TIES, DARE-TIES and SLERP merges via mergekit.

mergekit installs cleanly beside our pinned stack and already streams tensors lazily from
safetensors shards (memory stays near one tensor per model), so we do not reimplement it. This
module owns a small strict YAML schema (a typo is an error naming the field), resolves every model
through the one resolver and checks the inputs and the output before any tensor is read, and writes
the result atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from seaforge.config import ConfigError, load_config
from seaforge.io import atomic_dir
from seaforge.train.config import Strict
from seaforge.train.modeling import resolve_field
from seaforge.train.outputs import check_output

METHODS = ("linear", "task_arithmetic", "ties", "dare_ties", "slerp")
NEEDS_BASE = {"task_arithmetic", "ties", "dare_ties", "slerp"}
SPARSE = {"ties", "dare_ties"}


class MergeInput(Strict):
    model: str
    weight: float = 1.0
    density: float | None = Field(None, gt=0, le=1, description="ties/dare_ties: share of delta kept.")


class MergeConfig(Strict):
    method: Literal["linear", "task_arithmetic", "ties", "dare_ties", "slerp"]
    models: list[MergeInput] = Field(min_length=1)
    base_model: str | None = None
    t: float | None = Field(None, ge=0, le=1, description="slerp: 0 is the base model, 1 the other.")
    normalize: bool | None = Field(None, description="Divide by the weight sum (mergekit's default per method).")
    dtype: Literal["float32", "bfloat16", "float16"] = "bfloat16"
    seed: int = Field(0, description="dare_ties: seed of the random drop mask.")
    tokenizer_source: Literal["base", "union"] | None = "base"

    @model_validator(mode="after")
    def _method_inputs(self):
        if self.method in NEEDS_BASE and not self.base_model:
            raise ValueError(f"method {self.method!r} needs base_model")
        if self.method == "slerp" and (len(self.models) != 1 or self.t is None):
            raise ValueError("slerp needs exactly one entry in models (merged with base_model) and t")
        if self.method == "linear" and len(self.models) < 2:
            raise ValueError("linear needs at least two models")
        for index, entry in enumerate(self.models):
            if self.method in SPARSE and entry.density is None:
                raise ValueError(f"models[{index}].density is required for {self.method}")
        return self


def _resolve(ref: str, field: str) -> str:
    """``ref`` through the one model resolver; a local result must be a model folder."""
    resolved = resolve_field(ref, field)
    path = Path(resolved)
    if path.exists() and not (path / "config.json").is_file():
        raise ConfigError(f"field '{field}': {ref} has no config.json (not a model folder)")
    return resolved


def load_merge_config(path: str | Path | None, overrides: list[str] = ()) -> MergeConfig:
    """Read and validate a merge YAML file (plus ``--set`` overrides); every model is resolved
    (registered names, ``.gguf`` files, ``tiny:<arch>``, folders, hub ids) and checked."""
    cfg = load_config(MergeConfig, path, overrides)
    if cfg.base_model:
        cfg.base_model = _resolve(cfg.base_model, "base_model")
    for index, entry in enumerate(cfg.models):
        entry.model = _resolve(entry.model, f"models[{index}].model")
    return cfg


def merge_inputs(cfg: MergeConfig) -> dict[str, str]:
    """Every model the merge reads, by the field that names it."""
    inputs = {f"models[{index}].model": entry.model for index, entry in enumerate(cfg.models)}
    if cfg.base_model:
        inputs["base_model"] = cfg.base_model
    return inputs


def _ref(ref: str) -> str:
    # mergekit looks bare relative names up on the hub; local directories go in as absolute paths.
    return str(Path(ref).resolve()) if Path(ref).exists() else ref


def to_mergekit(cfg: MergeConfig) -> dict:
    """Our config as a mergekit configuration document."""
    entries = []
    for entry in cfg.models:
        params = {"weight": entry.weight}
        if entry.density is not None:
            params["density"] = entry.density
        entries.append({"model": _ref(entry.model), "parameters": params})
    doc = {"merge_method": cfg.method, "dtype": cfg.dtype, "models": entries}
    if cfg.base_model:
        doc["base_model"] = _ref(cfg.base_model)
    if cfg.method == "slerp":
        doc["models"] = [{"model": _ref(cfg.base_model)}, {"model": _ref(cfg.models[0].model)}]
        doc["parameters"] = {"t": cfg.t}
    elif cfg.normalize is not None:
        doc["parameters"] = {"normalize": cfg.normalize}
    if cfg.tokenizer_source:
        doc["tokenizer_source"] = cfg.tokenizer_source
    return doc


def run_merge(cfg: MergeConfig, out_dir: str | Path) -> Path:
    """Merge the checkpoints into ``out_dir`` (written beside it and renamed into place when done);
    an output that is one of the models, or holds one, is refused before anything is read."""
    from mergekit.config import MergeConfiguration
    from mergekit.merge import run_merge as mergekit_merge
    from mergekit.options import MergeOptions

    check_output(out_dir, merge_inputs(cfg))
    mergekit_config = MergeConfiguration.model_validate(to_mergekit(cfg))
    options = MergeOptions(random_seed=cfg.seed, copy_tokenizer=True, lazy_unpickle=True, quiet=True)
    with atomic_dir(out_dir) as tmp:
        mergekit_merge(mergekit_config, str(tmp), options=options)
    return Path(out_dir)
