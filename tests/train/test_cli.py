"""The `seaforge train` and `seaforge merge` commands, and the --dry-run estimate."""

from __future__ import annotations

import yaml

from seaforge.cli import run
from seaforge.testing import tiny_config
from seaforge.train.estimate import count_params, estimate


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
