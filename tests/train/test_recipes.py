"""Shipped recipes stay valid: every training YAML loads into its config, accelerate reads its configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaforge.config import load_config
from seaforge.train.config import CPTConfig, DPOConfig, SFTConfig
from seaforge.train.merge import MergeConfig

RECIPES = Path(__file__).resolve().parents[2] / "recipes" / "train"
KINDS = {"cpt": CPTConfig, "sft": SFTConfig, "lora": SFTConfig, "dpo": DPOConfig}


@pytest.mark.parametrize("path", sorted(RECIPES.glob("*.yaml")), ids=lambda p: p.name)
def test_training_recipe_validates(path):
    import yaml

    prefix = path.name.split("-")[0]
    if prefix == "merge":
        MergeConfig.model_validate(yaml.safe_load(path.read_text()))
        return
    cfg = load_config(KINDS[prefix], path)
    assert cfg.train.steps > cfg.train.warmup_steps


@pytest.mark.parametrize("path", sorted((RECIPES / "accelerate").glob("*.yaml")), ids=lambda p: p.name)
def test_accelerate_config_loads(path):
    from accelerate.commands.config.config_args import load_config_from_file

    cfg = load_config_from_file(str(path))
    assert cfg.mixed_precision == "bf16" and cfg.num_processes == 8
