"""Continued pretraining (CPT): causal-LM training on packed shards with a language mixture and replay.

The recipe, top to bottom: check the config against the data and the model, build one row pool
per language (holding out the last rows of each for perplexity), mix them with the replay share,
train with the shared loop, and save the model in Hugging Face format.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from seaforge.data.packing import pack_sequences, row_prefix
from seaforge.io import check_writable, iter_jsonl
from seaforge.train.batches import MixtureSampler, RowPool, resolve_weights
from seaforge.train.config import ConfigError, CPTConfig
from seaforge.train.loop import (
    heldout_perplexity,
    make_accelerator,
    save_if_finished,
    train_loop,
)
from seaforge.train.modeling import (
    check_lora,
    check_seq_len,
    load_model,
    load_model_config,
    load_tokenizer,
    use_bf16,
)

JSONL_SEQ_LEN = 2048


@dataclass
class CPTPlan:
    """What a checked config resolves to: the packed data, its weights and the model config."""

    index: object  # seaforge.data.packing.PackedIndex
    weights: dict[str, float]
    seq_len: int
    model_config: object


def _pack_jsonl(cfg: CPTConfig, tokenizer, seq_len: int):
    """Tokenise a JSONL text file into ``output_dir/packed`` (resumable), counting skipped lines."""
    from seaforge.data.packing import read_packed, write_packed

    path, docs, skipped = Path(cfg.data.path), {}, 0
    field = cfg.data.text_field
    for line in iter_jsonl(path):
        text = line.record.get(field) if line.record is not None else None
        if not isinstance(text, str):
            skipped += 1
            print(
                line.error or f"{path}:{line.lineno}: skipped (field {field!r} missing or not a string)",
                file=sys.stderr,
            )
            continue
        lang = line.record.get(cfg.data.lang_field) or "all"
        docs.setdefault(lang, []).append(tokenizer(text, add_special_tokens=False)["input_ids"])
    if skipped:
        print(f"{path}: {skipped} line(s) skipped", file=sys.stderr)
    if not docs:
        raise ConfigError(f"field 'data.path': {path} has no usable {cfg.data.text_field!r} records")
    eos = tokenizer.eos_token_id
    prefix = row_prefix(tokenizer)
    rows = {
        lang: pack_sequences(lang_docs, seq_len, tokenizer.eos_token_id, prefix) for lang, lang_docs in docs.items()
    }
    out = Path(cfg.output_dir) / "packed"
    write_packed(out, rows, seq_len, tokenizer.name_or_path, eos, rows_per_shard=4096)
    return read_packed(out)


def plan_cpt(cfg: CPTConfig, tokenizer=None) -> CPTPlan:
    """Check everything that can be checked before training; fail with the field's name."""
    from seaforge.data.packing import PackedFormatError, read_packed

    data = Path(cfg.data.path)
    if not data.exists():
        raise ConfigError(f"field 'data.path': {data} does not exist")
    check_lora(cfg.lora)
    model_config = load_model_config(cfg.model)
    if data.is_dir():
        try:
            index = read_packed(data)
        except PackedFormatError as err:
            raise ConfigError(f"field 'data.path': {err}") from None
        if cfg.data.seq_len is not None and cfg.data.seq_len != index.seq_len:
            raise ConfigError(
                f"field 'data.seq_len': {cfg.data.seq_len} differs from the packed "
                f"data's seq_len {index.seq_len} (repack or drop the field)"
            )
        seq_len = index.seq_len
    else:
        seq_len = cfg.data.seq_len or JSONL_SEQ_LEN
        check_seq_len(model_config, seq_len, "data.seq_len")
        index = _pack_jsonl(cfg, tokenizer or load_tokenizer(cfg.model), seq_len)
    check_seq_len(model_config, seq_len, "data.seq_len")
    default = index.mixture or {lang: float(tokens) for lang, tokens in index.tokens_by_lang().items()}
    weights = resolve_weights(index.langs(), cfg.data.mixture, cfg.data.replay, default)
    return CPTPlan(index, weights, seq_len, model_config)


def build_pools(index, heldout: int) -> tuple[dict[str, RowPool], dict[str, RowPool]]:
    """(training pools, held-out pools) per language; held-out rows are each language's last rows."""
    train, held = {}, {}
    for lang in index.langs():
        shards = [index.load_shard(shard) for shard in index.shards if shard.lang == lang]
        train[lang], held_pool = RowPool(shards).split_tail(heldout)
        if len(held_pool):
            held[lang] = held_pool
    return train, held


def run_cpt(cfg: CPTConfig, stop_after: int | None = None, resume: bool = True, on_step=None) -> list[dict]:
    """Run (or resume) continued pretraining; returns the metrics rows of this call."""
    check_writable(cfg.output_dir)  # before the model and data load, not after hours of training
    tokenizer = load_tokenizer(cfg.model)
    plan = plan_cpt(cfg, tokenizer)
    accelerator = make_accelerator(use_bf16(cfg.model.precision), cfg.train)
    train_pools, held_pools = build_pools(plan.index, cfg.data.heldout_sequences)
    sampler = MixtureSampler(
        train_pools,
        plan.weights,
        cfg.train.micro_batch_size * cfg.train.grad_accum,
        seed=cfg.train.seed,
        rank=accelerator.process_index,
        world_size=accelerator.num_processes,
    )
    accelerator.print(f"mixture: {', '.join(f'{lang} {share:.1%}' for lang, share in sorted(plan.weights.items()))}")
    import torch

    torch.manual_seed(cfg.train.seed)  # LoRA init and dropout
    model = load_model(cfg.model, cfg.lora)

    def evaluate(trained_model):
        return heldout_perplexity(trained_model, held_pools, cfg.train.micro_batch_size, accelerator.device)

    model, history = train_loop(
        accelerator,
        model,
        sampler,
        cfg.train,
        cfg.output_dir,
        evaluate=evaluate if held_pools else None,
        stop_after=stop_after,
        resume=resume,
        label="cpt",
        on_step=on_step,
    )
    save_if_finished(accelerator, model, tokenizer, history, cfg.train, cfg.output_dir)
    return history
