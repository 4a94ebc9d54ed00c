"""Continued pretraining: exact resume, every architecture, perplexity and replay."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from seaforge.config import load_config
from seaforge.train.config import CPTConfig
from seaforge.train.cpt import run_cpt


def cpt_config(model, data, out, *extra):
    base = [
        f"model.path={model}",
        f"data.path={data}",
        f"output_dir={out}",
        "train.steps=8",
        "train.micro_batch_size=2",
        "train.grad_accum=2",
        "train.lr=3e-3",
        "train.log_every=1",
        "train.warmup_steps=2",
        "data.heldout_sequences=2",
    ]
    return load_config(CPTConfig, None, base + list(extra))


def test_resume_after_stop_matches_uninterrupted_loss_curve(tmp_path, llama_dir, packed_dir):
    full = run_cpt(cpt_config(llama_dir, packed_dir, tmp_path / "full", "train.save_every=4"))
    cfg = cpt_config(llama_dir, packed_dir, tmp_path / "split", "train.save_every=4")
    first = run_cpt(cfg, stop_after=5)  # "killed" after step 5: last checkpoint is step 5
    assert [r["step"] for r in first] == [1, 2, 3, 4, 5]
    second = run_cpt(cfg)
    assert [r["step"] for r in second] == [6, 7, 8]
    split_losses = [r["loss"] for r in first + second]
    assert split_losses == pytest.approx([r["loss"] for r in full], rel=1e-5, abs=1e-6)
    a = load_file(tmp_path / "full" / "final" / "model.safetensors")
    b = load_file(tmp_path / "split" / "final" / "model.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    rows = [json.loads(x) for x in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 9))  # nothing lost, nothing duplicated


def test_resume_drops_metrics_logged_after_the_last_checkpoint(tmp_path, llama_dir, packed_dir):
    cfg = cpt_config(llama_dir, packed_dir, tmp_path / "run", "train.save_every=2", "train.steps=4")
    run_cpt(cfg, stop_after=2)
    metrics = tmp_path / "run" / "metrics.jsonl"
    with open(metrics, "a") as fh:  # a step logged, then the job died before its checkpoint
        fh.write(json.dumps({"step": 3, "loss": 9.9}) + "\n")
    run_cpt(cfg)
    steps = [json.loads(x)["step"] for x in metrics.read_text().splitlines()]
    assert steps == [1, 2, 3, 4]


@pytest.mark.parametrize("arch", ["llama", "qwen3", "gemma3_text", "apertus"])
def test_cpt_trains_and_saves_every_architecture(tmp_path, tokenizer, packed_dir, make_model, arch):
    model_dir = make_model(tmp_path / "m", arch, tokenizer)
    hist = run_cpt(cpt_config(model_dir, packed_dir, tmp_path / "out", "train.steps=3", "train.lr=1e-2"))
    assert len(hist) == 3 and all(torch.isfinite(torch.tensor(r["loss"])) for r in hist)
    assert (tmp_path / "out" / "final" / "config.json").is_file()
    from transformers import AutoModelForCausalLM

    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path / "out" / "final")
    assert reloaded.config.model_type == arch


def _ppl(hist, lang):
    return [r[f"ppl/{lang}"] for r in hist if f"ppl/{lang}" in r]


def test_cpt_lowers_heldout_perplexity_and_replay_limits_english_forgetting(
    tmp_path, tokenizer, make_model, make_packed
):
    data = tmp_path / "data"
    make_packed(data, tokenizer, ["en", "vi"], seq_len=32, n_docs=16)
    base = make_model(tmp_path / "base", "llama", tokenizer)
    common = [
        "train.steps=30",
        "train.micro_batch_size=4",
        "train.grad_accum=1",
        "train.lr=1e-2",
        "train.eval_every=30",
        "train.schedule=constant",
        "train.warmup_steps=0",
        "data.heldout_sequences=3",
    ]
    # An English "base model" first, then adapt it to Vietnamese with and without English replay.
    en = run_cpt(cpt_config(base, data, tmp_path / "en", *common, "data.mixture={en: 1.0}"))
    start = tmp_path / "en" / "final"
    plain = run_cpt(cpt_config(start, data, tmp_path / "plain", *common, "data.mixture={vi: 1.0}"))
    replay = run_cpt(
        cpt_config(start, data, tmp_path / "replay", *common, "data.mixture={vi: 1.0}", "data.replay={en: 0.5}")
    )
    en_ppl, vi_before = _ppl(en, "en")[-1], _ppl(en, "vi")[-1]
    assert _ppl(plain, "vi")[-1] < 0.5 * vi_before  # CPT teaches the training language
    assert _ppl(replay, "vi")[-1] < 0.5 * vi_before
    rise_plain = _ppl(plain, "en")[-1] - en_ppl
    rise_replay = _ppl(replay, "en")[-1] - en_ppl
    assert rise_plain > 0
    assert rise_replay < 0.5 * rise_plain


def test_cpt_on_a_jsonl_text_file_packs_it_and_counts_bad_lines(tmp_path, llama_dir, capsys):
    from seaforge.testing import sample_sentences

    lines = [json.dumps({"text": s["text"] * 3, "lang": s["lang"]}, ensure_ascii=False) for s in sample_sentences()]
    lines += ["{oops", json.dumps({"lang": "th"})]
    data = tmp_path / "corpus.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hist = run_cpt(
        cpt_config(
            llama_dir,
            data,
            tmp_path / "out",
            "data.seq_len=32",
            "data.heldout_sequences=1",
            "train.steps=3",
            "data.mixture={th: 1, vi: 1}",
        )
    )
    assert len(hist) == 3
    err = capsys.readouterr().err
    assert f"corpus.jsonl:{len(lines) - 1}" in err and "2 line(s) skipped" in err
    from seaforge.data.packing import read_packed

    index = read_packed(tmp_path / "out" / "packed")
    assert {"th", "vi", "en"} <= set(index.langs()) and index.seq_len == 32


def test_resume_drops_a_torn_last_metrics_line(tmp_path, llama_dir, packed_dir, capsys):
    cfg = cpt_config(llama_dir, packed_dir, tmp_path / "run", "train.save_every=2", "train.steps=4")
    run_cpt(cfg, stop_after=2)
    metrics = tmp_path / "run" / "metrics.jsonl"
    with open(metrics, "a") as fh:  # the job died halfway through writing step 3's row
        fh.write('{"step": 3, "loss": 4.2')
    run_cpt(cfg)
    assert "metrics.jsonl:3: dropped a torn last line" in capsys.readouterr().err
    steps = [json.loads(x)["step"] for x in metrics.read_text().splitlines()]
    assert steps == [1, 2, 3, 4]


def test_a_bad_metrics_line_before_the_last_is_an_error_naming_it(tmp_path):
    from seaforge.errors import UserError
    from seaforge.train.loop import read_metrics

    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text('{"step": 1, "loss": 5.0}\n{"step": 2, "lo\n{"step": 3, "loss": 4.0}\n')
    with pytest.raises(UserError, match="metrics.jsonl:2: invalid JSON"):
        read_metrics(metrics)
    metrics.write_text('{"step": 1, "loss": 5.0}\n{"loss": 4.5}\n{"step": 3, "loss": 4.0}\n')
    with pytest.raises(UserError, match="metrics.jsonl:2: row has no integer 'step'"):
        read_metrics(metrics)
    metrics.write_text('{"step": 1, "loss": 5.0}\n{"step": 2, "loss": 4.5}\n{"st')
    assert [row["step"] for row in read_metrics(metrics)] == [1, 2]


def test_checkpoints_on_a_time_interval_by_default_and_resumes_from_it(tmp_path, llama_dir, packed_dir, monkeypatch):
    import itertools

    from seaforge.train import loop
    from seaforge.train.checkpoint import checkpoint_dir
    from seaforge.train.config import TrainOptions

    assert TrainOptions(steps=1).save_every_minutes == 10 and TrainOptions(steps=1).save_every == 0
    full = run_cpt(cpt_config(llama_dir, packed_dir, tmp_path / "full", "train.steps=6"))
    # Each clock reading is 25 s after the previous one: the 60 s interval passes at step 3
    # (75 s after the start), the clock restarts at the save (100 s), and again at step 6.
    monkeypatch.setattr(loop, "clock", itertools.count(0, 25).__next__)
    real_step, calls = loop.train_step, itertools.count(1)

    def dies_at_step_5(*args, **kwargs):
        if next(calls) == 5:
            raise KeyboardInterrupt  # killed: no checkpoint of its own
        return real_step(*args, **kwargs)

    monkeypatch.setattr(loop, "train_step", dies_at_step_5)
    cfg = cpt_config(
        llama_dir,
        packed_dir,
        tmp_path / "run",
        "train.steps=6",
        "train.save_every_minutes=1",
        "train.keep_checkpoints=5",
    )
    with pytest.raises(KeyboardInterrupt):
        run_cpt(cfg)
    assert [p.name for p in checkpoint_dir(tmp_path / "run").iterdir()] == ["step-0000003"]
    monkeypatch.setattr(loop, "train_step", real_step)
    resumed = run_cpt(cfg)
    assert [r["step"] for r in resumed] == [4, 5, 6]
    assert [r["loss"] for r in resumed] == pytest.approx([r["loss"] for r in full[3:]], rel=1e-5, abs=1e-6)
    no_timer = cpt_config(
        llama_dir,
        packed_dir,
        tmp_path / "off",
        "train.steps=6",
        "train.save_every_minutes=0",
        "train.keep_checkpoints=5",
    )
    run_cpt(no_timer)
    assert sorted(p.name for p in checkpoint_dir(tmp_path / "off").iterdir()) == ["step-0000006"]


def test_rows_start_with_bos_when_the_tokenizer_frames_texts_with_it(tokenizer):
    import copy

    from tokenizers.processors import TemplateProcessing

    from seaforge.data.packing import pack_sequences, row_prefix

    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    gemma_like = copy.deepcopy(tokenizer)
    gemma_like.backend_tokenizer.post_processor = TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    assert row_prefix(tokenizer) == [] and row_prefix(gemma_like) == [bos]
    docs = [[5, 6, 7], [8, 9]]
    assert [row.tolist() for row in pack_sequences(docs, 4, eos, row_prefix(gemma_like))] == [
        [bos, 5, 6, 7],
        [bos, eos, 8, 9],
    ]
    assert [row.tolist() for row in pack_sequences(docs, 4, eos, row_prefix(tokenizer))] == [
        [5, 6, 7, eos]
    ]  # the partial row goes
