"""The `seaforge train` and `seaforge merge` commands, and the --dry-run estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from seaforge.cli import run
from seaforge.testing import tiny_config
from seaforge.train.estimate import GIB, count_params, estimate


def write_cfg(path, model, data, out, **train):
    path.write_text(
        yaml.safe_dump(
            {
                "model": {"path": str(model)},
                "data": {"path": str(data)},
                "output_dir": str(out),
                "train": {"steps": 2, "micro_batch_size": 2, **train},
            }
        )
    )
    return path


def test_cpt_command_trains_and_reports(tmp_path, llama_dir, packed_dir, capsys):
    cfg = write_cfg(tmp_path / "cpt.yaml", llama_dir, packed_dir, tmp_path / "out")
    assert run(["train", "cpt", str(cfg), "--set", "train.lr=1e-3"]) == 0
    printed = capsys.readouterr().out
    assert "step 2: loss" in printed and "ppl/en" in printed
    assert run(["train", "cpt", str(cfg)]) == 0
    assert "already complete" in " ".join(capsys.readouterr().out.split())  # rich wraps long paths


def test_unknown_field_exits_2_naming_it(tmp_path, llama_dir, packed_dir, capsys):
    cfg = write_cfg(tmp_path / "cpt.yaml", llama_dir, packed_dir, tmp_path / "out", learning_rate=1e-4)
    assert run(["train", "cpt", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "train.learning_rate" in err and "unknown field" in err


def test_dry_run_prints_parameters_memory_and_tokens(tmp_path, llama_dir, packed_dir, capsys):
    cfg = write_cfg(tmp_path / "cpt.yaml", llama_dir, packed_dir, tmp_path / "out", grad_accum=4)
    assert run(["train", "cpt", str(cfg), "--dry-run", "--gpus", "8"]) == 0
    printed = capsys.readouterr().out
    assert "parameters" in printed and "GiB" in printed
    assert "2,048" in printed  # 32 tokens x 2 rows x 4 accumulation x 8 GPUs
    assert not (tmp_path / "out").exists()


def test_estimate_counts_parameters_exactly_and_shards_state(tokenizer):
    from seaforge.testing import tiny_causal_lm

    config = tiny_config("qwen3", tokenizer)
    assert count_params(config) == sum(p.numel() for p in tiny_causal_lm("qwen3", tokenizer).parameters())
    one, eight = estimate(config, 256, 2, 1, gpus=1), estimate(config, 256, 2, 1, gpus=8)
    assert eight.state_gib == one.state_gib / 8 and eight.tokens_per_step == 8 * one.tokens_per_step
    lora = estimate(config, 256, 2, 1, gpus=1, lora_r=8)
    assert lora.trainable < one.trainable and lora.state_gib < one.state_gib
    assert estimate(config, 256, 2, 1, checkpointing=False).activation_gib > one.activation_gib


def test_merge_is_a_top_level_command(tmp_path, llama_dir, tokenizer, make_model, capsys):
    other = make_model(tmp_path / "other", "llama", tokenizer, seed=1)
    cfg = tmp_path / "merge.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {"method": "linear", "dtype": "float32", "models": [{"model": str(llama_dir)}, {"model": str(other)}]}
        )
    )
    assert run(["merge", str(cfg), str(tmp_path / "merged")]) == 0
    assert (tmp_path / "merged" / "model.safetensors").is_file()
    assert run(["merge", str(cfg), str(tmp_path / "m2"), "--set", "method=frankenmerge"]) == 2
    assert "method" in capsys.readouterr().err


def test_estimate_counts_gqa_and_mlp_widths_and_matches_measured_peaks():
    from transformers import AutoConfig

    base = dict(hidden_size=256, intermediate_size=704, num_hidden_layers=4, num_attention_heads=8, vocab_size=1000)
    mha = estimate(AutoConfig.for_model("llama", num_key_value_heads=8, **base), 128, 2, 1, checkpointing=False)
    gqa = estimate(AutoConfig.for_model("llama", num_key_value_heads=2, **base), 128, 2, 1, checkpointing=False)
    wide = estimate(
        AutoConfig.for_model("llama", **{**base, "intermediate_size": 1408}), 128, 2, 1, checkpointing=False
    )
    tokens, layers = 128 * 2, 4
    # 4 KV heads fewer per layer: 8 bytes x (256 - 64) per token
    assert (mha.activation_gib - gqa.activation_gib) * GIB == pytest.approx(8 * 192 * tokens * layers)
    assert (wide.activation_gib - mha.activation_gib) * GIB == pytest.approx(8 * 704 * tokens * layers)

    # peaks PyTorch measured on one H200 (bench/bench_train_gpu.py): the estimate stays within 10%
    results = json.loads((Path(__file__).parents[2] / "bench/results/train_gpu_h200.json").read_text())
    shapes = {"1b": {}, "gqa": {"intermediate_size": 8192, "num_hidden_layers": 16, "num_key_value_heads": 4}}
    checked = 0
    for measured in results["runs"]:
        if measured["gradient_checkpointing"]:
            continue  # the recomputed layer is counted in full there: an upper bound, 17% high
        dims = dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=20, num_attention_heads=16)
        dims.update(num_key_value_heads=16, vocab_size=32000)
        dims.update(shapes[measured["shape"]])
        predicted = estimate(
            AutoConfig.for_model("llama", **dims), measured["seq_len"], measured["micro_batch"], 1, checkpointing=False
        )
        assert predicted.total_gib == pytest.approx(measured["max_memory_gib"], rel=0.1), measured["command"]
        checked += 1
    assert checked == 3
