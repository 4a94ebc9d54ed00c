"""LoRA: only adapters train, the base stays frozen, and merge-lora reproduces the adapted model."""

from __future__ import annotations

import torch
from safetensors.torch import load_file

from seaforge.config import load_config
from seaforge.train.config import CPTConfig
from seaforge.train.cpt import run_cpt
from seaforge.train.lora import merge_lora


def test_lora_cpt_then_merge_gives_the_same_logits(tmp_path, tokenizer, make_model, packed_dir):
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoModelForCausalLM

    base = make_model(tmp_path / "base", "qwen3", tokenizer)
    cfg = load_config(
        CPTConfig,
        None,
        [
            f"model.path={base}",
            f"data.path={packed_dir}",
            f"output_dir={tmp_path / 'out'}",
            "train.steps=4",
            "train.micro_batch_size=2",
            "train.lr=1e-2",
            "train.warmup_steps=0",
            "lora.r=4",
            "lora.dropout=0",
            "model.gradient_checkpointing=true",
        ],
    )
    hist = run_cpt(cfg)
    assert hist[-1]["loss"] < hist[0]["loss"]
    adapter = tmp_path / "out" / "final"
    saved = load_file(adapter / "adapter_model.safetensors")
    assert saved and all("lora_" in k for k in saved)  # only the adapter is saved, not the base

    merged_dir = merge_lora(adapter, tmp_path / "merged")
    ids = torch.tensor([tokenizer("Kalau kamu sempat, tolong kirim laporan.")["input_ids"]])
    with torch.no_grad():
        peft_logits = AutoPeftModelForCausalLM.from_pretrained(adapter).eval()(ids).logits
        merged_logits = AutoModelForCausalLM.from_pretrained(merged_dir).eval()(ids).logits
        base_logits = AutoModelForCausalLM.from_pretrained(base).eval()(ids).logits
    assert torch.allclose(peft_logits, merged_logits, atol=1e-4)
    assert not torch.allclose(base_logits, merged_logits, atol=1e-3)  # the adapter changed something


def _lora_cfg(base, packed_dir, out, *extra):
    return load_config(
        CPTConfig,
        None,
        [
            f"model.path={base}",
            f"data.path={packed_dir}",
            f"output_dir={out}",
            "train.steps=6",
            "train.micro_batch_size=2",
            "train.lr=1e-2",
            "train.warmup_steps=0",
            "train.save_every=3",
            "train.log_every=1",
            "lora.r=4",
            "lora.dropout=0",
            *extra,
        ],
    )


def test_lora_checkpoints_hold_only_the_adapter_and_resume_exactly(tmp_path, tokenizer, make_model, packed_dir):
    import json

    import pytest

    from seaforge.errors import UserError

    base = make_model(tmp_path / "base", "qwen3", tokenizer)
    full = run_cpt(_lora_cfg(base, packed_dir, tmp_path / "full"))
    cfg = _lora_cfg(base, packed_dir, tmp_path / "split")
    first = run_cpt(cfg, stop_after=3)
    checkpoint = tmp_path / "split" / "checkpoints" / "step-0000003"
    saved = load_file(checkpoint / "model.safetensors")
    assert saved and all("lora_" in key for key in saved)  # the frozen base is not in the checkpoint
    assert json.loads((checkpoint / "trainer_state.json").read_text())["weights"] == "trainable"
    second = run_cpt(cfg)
    assert [r["loss"] for r in first + second] == [r["loss"] for r in full]
    a = load_file(tmp_path / "full" / "final" / "adapter_model.safetensors")
    b = load_file(tmp_path / "split" / "final" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    # resuming with other LoRA settings is an error naming the file, not a silent partial load
    (tmp_path / "other").mkdir()
    import shutil

    shutil.copytree(tmp_path / "split" / "checkpoints", tmp_path / "other" / "checkpoints")
    with pytest.raises(UserError, match="model.safetensors.*other LoRA settings"):
        run_cpt(_lora_cfg(base, packed_dir, tmp_path / "other", "lora.r=8"))
