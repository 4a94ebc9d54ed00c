"""Fold a trained LoRA adapter back into its base model (``seaforge train merge-lora``)."""

from __future__ import annotations

import json
from pathlib import Path

from seaforge.io import atomic_dir
from seaforge.models.resolve import ModelNotFound, resolve_model
from seaforge.train.config import ConfigError
from seaforge.train.outputs import check_output


def adapter_base(adapter_dir: str | Path) -> str:
    """The base model an adapter was trained on, from its ``adapter_config.json``."""
    path = Path(adapter_dir) / "adapter_config.json"
    if not path.is_file():
        raise ConfigError(f"{adapter_dir}: no adapter_config.json (is this a LoRA adapter directory?)")
    try:
        base = json.loads(path.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (ValueError, AttributeError):
        raise ConfigError(f"{path}: not a JSON object") from None
    if not base:
        raise ConfigError(f"{path}: field 'base_model_name_or_path' is empty; pass --base")
    return base


def resolve_base(adapter_dir: str | Path, base: str | None) -> str:
    """The base model's folder (or hub id): ``--base``, else the one the adapter names."""
    where = "--base" if base else f"{Path(adapter_dir) / 'adapter_config.json'}: base_model_name_or_path"
    try:
        return resolve_model(base or adapter_base(adapter_dir))
    except ModelNotFound as err:
        raise ConfigError(f"{where}: {err}") from None


def merge_lora(adapter_dir: str | Path, out_dir: str | Path, base: str | None = None) -> Path:
    """Load base + adapter, merge the low-rank updates into the weights and save a plain model.
    Everything is checked first: the adapter, the base, and an output apart from both."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_path = resolve_base(adapter_dir, base)
    check_output(out_dir, {"adapter": adapter_dir, "base model": base_path})
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    tokenizer_source = adapter_dir if (Path(adapter_dir) / "tokenizer_config.json").is_file() else base_path
    with atomic_dir(out_dir) as tmp:
        merged.save_pretrained(tmp, safe_serialization=True)
        AutoTokenizer.from_pretrained(str(tokenizer_source)).save_pretrained(tmp)
    return Path(out_dir)
