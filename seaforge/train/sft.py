"""Instruction tuning (SFT): chat data, loss on assistant tokens only, through the shared loop."""

from __future__ import annotations

from pathlib import Path

from seaforge.io import check_writable
from seaforge.train.batches import MixtureSampler, RowPool
from seaforge.train.config import ConfigError, SFTConfig
from seaforge.train.loop import make_accelerator, save_if_finished, train_loop
from seaforge.train.modeling import check_lora, check_seq_len, load_model, load_model_config, load_tokenizer, use_bf16
from seaforge.train.sft_data import load_chat_rows


def resolve_template(cfg: SFTConfig, tokenizer) -> str | None:
    """The chat template to use: ``chat.template`` (text or file) or the tokenizer's own."""
    template = cfg.chat.template
    if template and "{" not in template:
        path = Path(template)
        if not path.is_file():
            raise ConfigError(f"field 'chat.template': {template} is neither a Jinja template nor a file")
        template = path.read_text(encoding="utf-8")
    if template is None and not tokenizer.chat_template:
        raise ConfigError(
            f"field 'chat.template': tokenizer {tokenizer.name_or_path!r} has no chat "
            "template; set chat.template to a Jinja template or a file holding one"
        )
    return template


def check_sft(cfg: SFTConfig, tokenizer) -> str | None:
    """Everything checkable before training; returns the chat template override (if any)."""
    if not Path(cfg.data.path).is_file():
        raise ConfigError(f"field 'data.path': {cfg.data.path} does not exist")
    check_lora(cfg.lora)
    check_seq_len(load_model_config(cfg.model), cfg.data.seq_len, "data.seq_len")
    return resolve_template(cfg, tokenizer)


def run_sft(cfg: SFTConfig, stop_after: int | None = None, resume: bool = True, on_step=None) -> list[dict]:
    """Run (or resume) supervised fine-tuning on chat data; returns this call's metrics rows."""
    import torch

    check_writable(cfg.output_dir)  # before the model and data load, not after hours of training
    tokenizer = load_tokenizer(cfg.model)
    template = check_sft(cfg, tokenizer)
    rows = load_chat_rows(
        cfg.data.path,
        tokenizer,
        cfg.data.seq_len,
        cfg.data.packing,
        template,
        cfg.chat.enable_thinking,
        cfg.data.messages_field,
    )
    if len(rows.input_ids) == 0:
        raise ConfigError(f"field 'data.path': no usable conversations in {cfg.data.path} (skipped: {rows.skipped})")
    if template is not None:
        tokenizer.chat_template = template  # saved with the model, so inference renders the same way
    accelerator = make_accelerator(use_bf16(cfg.model.precision), cfg.train)
    pools = {"chat": RowPool([rows.input_ids], [rows.labels])}
    sampler = MixtureSampler(
        pools,
        {"chat": 1.0},
        cfg.train.micro_batch_size * cfg.train.grad_accum,
        seed=cfg.train.seed,
        rank=accelerator.process_index,
        world_size=accelerator.num_processes,
    )
    accelerator.print(f"sft: {len(rows.input_ids)} rows of {cfg.data.seq_len} tokens; skipped {rows.skipped or 0}")
    torch.manual_seed(cfg.train.seed)
    model = load_model(cfg.model, cfg.lora)
    model, history = train_loop(
        accelerator,
        model,
        sampler,
        cfg.train,
        cfg.output_dir,
        stop_after=stop_after,
        resume=resume,
        label="sft",
        on_step=on_step,
    )
    save_if_finished(accelerator, model, tokenizer, history, cfg.train, cfg.output_dir)
    return history
