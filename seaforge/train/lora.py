"""Fold a trained LoRA adapter back into its base model (``seaforge train merge-lora``)."""

from __future__ import annotations

import json
from pathlib import Path

from seaforge.io import atomic_dir
from seaforge.train.config import ConfigError


def adapter_base(adapter_dir: str | Path) -> str:
    """The base model an adapter was trained on, from its ``adapter_config.json``."""
    path = Path(adapter_dir) / "adapter_config.json"
    if not path.is_file():
        raise ConfigError(f"{adapter_dir}: no adapter_config.json (is this a LoRA adapter directory?)")
    base = json.loads(path.read_text()).get("base_model_name_or_path")
    if not base:
        raise ConfigError(f"{path}: field 'base_model_name_or_path' is empty; pass --base")
    return base


def merge_lora(adapter_dir: str | Path, out_dir: str | Path, base: str | None = None) -> Path:
    """Load base + adapter, merge the low-rank updates into the weights and save a plain model."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = base or adapter_base(adapter_dir)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    tok_source = adapter_dir if (Path(adapter_dir) / "tokenizer_config.json").is_file() else base
    with atomic_dir(out_dir) as tmp:
        merged.save_pretrained(tmp, safe_serialization=True)
        AutoTokenizer.from_pretrained(str(tok_source)).save_pretrained(tmp)
    return Path(out_dir)
