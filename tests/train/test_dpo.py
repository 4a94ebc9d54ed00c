"""DPO through TRL: bad records are skipped with their line, and training prefers the chosen reply."""

from __future__ import annotations

import json

import pytest
import torch

from seaforge.config import load_config
from seaforge.train.config import ConfigError, DPOConfig
from seaforge.train.dpo import load_pairs, run_dpo

PAIRS = [
    {"prompt": "Terjemahkan ke bahasa Inggris: Selamat pagi.", "chosen": "Good morning.", "rejected": "Good night."},
    {"prompt": "Apa warna langit cerah?", "chosen": "Biru.", "rejected": "Hijau tua."},
    {"prompt": "Sebutkan satu buah tropis.", "chosen": "Mangga.", "rejected": "Salju."},
    {"prompt": "Berapa dua tambah dua?", "chosen": "Empat.", "rejected": "Tujuh."},
]


def write_pairs(path, extra=()):
    path.write_text("\n".join([json.dumps(p) for p in PAIRS] + list(extra)) + "\n")
    return path


def test_load_pairs_skips_records_missing_a_field(tmp_path, capsys):
    path = write_pairs(tmp_path / "p.jsonl", [json.dumps({"prompt": "x", "chosen": "y"}), "{broken"])
    pairs, skipped = load_pairs(path)
    assert len(pairs) == 4 and skipped == 2
    assert "p.jsonl:5" in capsys.readouterr().err


def margin(model, tokenizer) -> float:
    """Mean log-prob of chosen minus rejected completions, summed over completion tokens."""
    total = 0.0
    for p in PAIRS:
        for sign, key in ((1, "chosen"), (-1, "rejected")):
            prompt = tokenizer(p["prompt"], add_special_tokens=False)["input_ids"]
            full = tokenizer(p["prompt"] + p[key], add_special_tokens=False)["input_ids"]
            ids = torch.tensor([full])
            with torch.no_grad():
                logp = model(ids).logits[0, :-1].log_softmax(-1)
            tgt = ids[0, 1:]
            total += sign * float(logp[torch.arange(len(tgt)), tgt][len(prompt) - 1 :].sum())
    return total / len(PAIRS)


@pytest.mark.parametrize("lora", [False, True])
def test_dpo_raises_the_chosen_over_rejected_margin(tmp_path, tokenizer, make_model, lora):
    from transformers import AutoModelForCausalLM

    base = make_model(tmp_path / "m", "llama", tokenizer)
    overrides = [
        f"model.path={base}",
        f"data.path={write_pairs(tmp_path / 'p.jsonl')}",
        f"output_dir={tmp_path / 'out'}",
        "train.steps=6",
        "train.micro_batch_size=2",
        "train.lr=5e-3",
        "train.warmup_steps=0",
        "data.max_length=64",
        "train.log_every=1",
    ]
    if lora:
        overrides += ["lora.r=8", "lora.dropout=0"]
    before = margin(AutoModelForCausalLM.from_pretrained(base), tokenizer)
    run_dpo(load_config(DPOConfig, None, overrides))
    final = tmp_path / "out" / "final"
    if lora:
        from peft import AutoPeftModelForCausalLM

        trained = AutoPeftModelForCausalLM.from_pretrained(final)
    else:
        trained = AutoModelForCausalLM.from_pretrained(final)
    after = margin(trained.eval(), tokenizer)
    assert after > before + 0.5


def test_dpo_missing_dataset_fails_naming_the_field(tmp_path, llama_dir):
    cfg = load_config(
        DPOConfig,
        None,
        [
            f"model.path={llama_dir}",
            f"data.path={tmp_path / 'nope.jsonl'}",
            f"output_dir={tmp_path / 'out'}",
            "train.steps=1",
        ],
    )
    with pytest.raises(ConfigError, match="field 'data.path'"):
        run_dpo(cfg)
