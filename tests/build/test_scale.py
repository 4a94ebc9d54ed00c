"""Real-scale estimates: parameter counts from published architectures, hours, memory, recipes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from seaforge.build import scale
from seaforge.errors import UserError

RECIPES = sorted((Path(__file__).parents[2] / "recipes" / "build").glob("*.yaml"))


@pytest.mark.parametrize("hub_id", list(scale.ARCHITECTURES))
def test_counts_match_published_totals(hub_id):
    arch = scale.ARCHITECTURES[hub_id]
    assert abs(arch.params / 1e9 - arch.published_b) / arch.published_b < 0.03
    assert scale.params_for(hub_id) == arch.params
    assert scale.params_for(hub_id.upper()) == arch.params  # hub ids are case-insensitive


def _hf_config(arch: scale.Architecture, layers: int):
    """A transformers config of ``arch`` with fewer layers (the counting formula is per layer)."""
    from transformers import Gemma3TextConfig, LlamaConfig, Qwen3Config

    common = dict(
        hidden_size=arch.hidden,
        num_hidden_layers=layers,
        intermediate_size=arch.intermediate,
        num_attention_heads=arch.heads,
        num_key_value_heads=arch.kv_heads,
        head_dim=arch.head_dim,
        vocab_size=arch.vocab,
        tie_word_embeddings=arch.tied,
    )
    if arch.hub_id.startswith("google/gemma-3"):
        return Gemma3TextConfig(**common)
    if arch.hub_id.startswith("Qwen/"):
        return Qwen3Config(**common)
    if arch.hub_id.startswith("swiss-ai/"):
        from transformers import ApertusConfig

        return ApertusConfig(**common)
    return LlamaConfig(**common)


@pytest.mark.parametrize("hub_id", list(scale.ARCHITECTURES))
def test_formula_matches_transformers(hub_id):
    # Counted on the meta device, 2 layers: checks every per-layer term and the embeddings.
    from seaforge.train.estimate import count_params

    arch = dataclasses.replace(scale.ARCHITECTURES[hub_id], layers=2, vision=None)
    assert count_params(_hf_config(arch, 2)) == arch.params


def test_vision_tower_matches_transformers():
    import torch
    from transformers import SiglipVisionConfig, SiglipVisionModel

    vision = scale.Vision()
    config = SiglipVisionConfig(
        hidden_size=vision.hidden,
        intermediate_size=vision.intermediate,
        num_hidden_layers=vision.layers,
        num_attention_heads=16,
        patch_size=vision.patch,
        image_size=vision.image,
    )
    with torch.device("meta"):
        model = SiglipVisionModel(config)
    # SiglipVisionModel has an attention-pooling head that Gemma 3 does not use.
    tower = sum(p.numel() for name, p in model.named_parameters() if "head" not in name.split("."))
    projector = vision.hidden * 2560 + vision.hidden
    assert vision.params(2560) == tower + projector


def test_params_for_unknown_model():
    assert scale.params_for("someone/unknown-7b") is None
    assert scale.params_for("Qwen/Qwen3-8B") == scale.ARCHITECTURES["Qwen/Qwen3-8B-Base"].params


def test_params_for_from_config():
    from transformers import LlamaConfig

    from seaforge.train.estimate import count_params

    config = LlamaConfig(
        hidden_size=64,
        num_hidden_layers=2,
        intermediate_size=128,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=1000,
    )
    assert scale.params_for("my/local-model", config) == count_params(config)


def test_hours_scale_with_tokens_and_gpus():
    one = scale.estimate_stage(8_000_000_000, 10**10, 8, "H100-80GB")
    assert one["flops"] == 6 * 8e9 * 1e10
    assert one["hours"] == pytest.approx(6 * 8e9 * 1e10 / (8 * 989e12 * 0.4) / 3600)
    assert scale.estimate_stage(8_000_000_000, 2 * 10**10, 8, "H100-80GB")["hours"] == pytest.approx(2 * one["hours"])
    assert scale.estimate_stage(8_000_000_000, 10**10, 16, "H100-80GB")["hours"] == pytest.approx(one["hours"] / 2)
    assert scale.estimate_stage(8_000_000_000, 10**10, 8, "h100-80gb", mfu=0.2)["hours"] == pytest.approx(
        2 * one["hours"]
    )
    assert one["gpu_hours"] == pytest.approx(8 * one["hours"])


def test_memory_shards_state_and_counts_activations():
    arch = scale.ARCHITECTURES["Qwen/Qwen3-8B-Base"]
    full = scale.estimate_stage(arch.params, 10**9, 8, "H100-80GB", arch=arch, seq_len=4096)
    assert full["state_gib"] == pytest.approx(arch.params * 16 / 8 / scale.GIB)
    assert full["activation_gib"] > 0 and full["fits"]
    lora = scale.estimate_stage(arch.params, 10**9, 8, "H100-80GB", lora=True)
    assert lora["state_gib"] == pytest.approx(arch.params * 2 / 8 / scale.GIB) and lora["activation_gib"] is None
    assert lora["flops"] == pytest.approx(full["flops"] * 4 / 6)
    assert not scale.estimate_stage(arch.params, 10**9, 1, "L40S")["fits"]  # 131 GB of state on a 48 GB card


def test_unknown_gpu_names_field_and_known_ones():
    with pytest.raises(UserError) as err:
        scale.estimate_stage(10**9, 10**9, 8, "RTX-9090")
    message = str(err.value)
    assert "hardware.gpu" in message and "RTX-9090" in message
    assert all(name in message for name in scale.GPU_PEAK_TFLOPS)


def test_estimate_build_from_plain_recipe():
    recipe = {
        "hardware": {"gpus": 8, "nodes": 2, "gpu": "H100-80GB"},
        "model": {"base": "meta-llama/Llama-3.1-8B"},
        "cpt": {"train": {"steps": 100, "micro_batch_size": 2, "grad_accum": 4}, "data": {"seq_len": 4096}},
        "sft": {"train": {"steps": 10}, "data": {"seq_len": 2048}, "lora": {"r": 16}},
    }
    rows = scale.estimate_build(recipe)
    assert [row["stage"] for row in rows] == ["cpt", "sft"]
    assert rows[0]["gpus"] == 16 and rows[0]["tokens"] == 100 * 2 * 4 * 16 * 4096
    assert rows[1]["tokens"] == 10 * 16 * 2048 and rows[1]["state_gib"] < rows[0]["state_gib"]
    assert scale.estimate_build({**recipe, "hardware": None}) == []
    assert scale.estimate_build({**recipe, "model": {"base": "someone/unknown"}}) == []


def test_render_estimates():
    from rich.console import Console

    rows = scale.estimate_build(
        {
            "hardware": {"gpus": 8, "gpu": "H100-80GB"},
            "model": {"base": "Qwen/Qwen3-32B"},
            "cpt": {"train": {"steps": 1000}, "data": {"seq_len": 4096}},
        }
    )
    console = Console(record=True, width=200)
    console.print(scale.render_estimates(rows))
    text = console.export_text()
    assert "cpt" in text and "32.76 B" in text and "8 x H100-80GB" in text


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_reference_recipes_load_and_estimate(path):
    from seaforge.build.recipe import load_build_recipe

    recipe = load_build_recipe(path)
    assert recipe.hardware is not None and recipe.tokenizer is not None and not recipe.tokenizer.trim
    for ref in (recipe.hardware.accelerate_config, recipe.hardware.slurm):
        assert (path.parents[2] / ref).is_file(), ref
    assert scale.architecture(recipe.model.base) is not None
    rows = scale.estimate_build(recipe)
    assert [row["stage"] for row in rows] == ["cpt", "sft"]
    assert all(row["fits"] for row in rows), rows
