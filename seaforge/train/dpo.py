"""Preference alignment (DPO) with TRL's DPOTrainer, configured from our YAML.

TRL already implements DPO and its variants well (loss types, reference log-probs, PEFT); we
only validate the data and config before anything loads, and map our fields onto ``DPOConfig``.
Resume uses the Trainer's own checkpoints (model, optimizer, scheduler, RNG, data position).
"""

from __future__ import annotations

import sys
from pathlib import Path

from seaforge.io import check_writable, iter_jsonl
from seaforge.train.config import ConfigError, DPOConfig
from seaforge.train.modeling import (
    check_lora,
    check_seq_len,
    load_model,
    load_model_config,
    load_tokenizer,
    lora_config,
    use_bf16,
)

FIELDS = ("prompt", "chosen", "rejected")


def _valid_value(value) -> bool:
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(isinstance(msg, dict) and "role" in msg for msg in value)


def load_pairs(path: str | Path) -> tuple[list[dict], int]:
    """Preference records (prompt, chosen, rejected); bad lines are reported with their number and skipped."""
    records, skipped = [], 0
    for line in iter_jsonl(path):
        bad = [name for name in FIELDS if not _valid_value(line.record.get(name))] if line.record is not None else []
        if line.error or bad:
            skipped += 1
            print(
                line.error or f"{path}:{line.lineno}: skipped (missing or empty field(s): {', '.join(bad)})",
                file=sys.stderr,
            )
            continue
        records.append({name: line.record[name] for name in FIELDS})
    return records, skipped


def check_dpo(cfg: DPOConfig) -> list[dict]:
    """Validate before loading the model; returns the usable pairs."""
    check_writable(cfg.output_dir)
    if not Path(cfg.data.path).is_file():
        raise ConfigError(f"field 'data.path': {cfg.data.path} does not exist")
    check_lora(cfg.lora)
    check_seq_len(load_model_config(cfg.model), cfg.data.max_length, "data.max_length")
    pairs, skipped = load_pairs(cfg.data.path)
    if not pairs:
        raise ConfigError(f"field 'data.path': no usable preference pairs in {cfg.data.path}")
    if skipped:
        print(f"{cfg.data.path}: {skipped} record(s) skipped", file=sys.stderr)
    return pairs


def trl_config(cfg: DPOConfig):
    """Our fields mapped onto TRL's ``DPOConfig``."""
    from trl import DPOConfig as TRLDPOConfig

    opts = cfg.train
    scheduler = {"wsd": "warmup_stable_decay", "cosine": "cosine_with_min_lr", "constant": "constant_with_warmup"}
    kwargs = {"min_lr_rate": opts.min_lr_ratio} if opts.schedule == "cosine" else {}
    if opts.schedule == "wsd":
        kwargs = {"num_decay_steps": max(1, round(opts.decay_fraction * opts.steps)), "min_lr_ratio": opts.min_lr_ratio}
    return TRLDPOConfig(
        output_dir=cfg.output_dir,
        max_steps=opts.steps,
        per_device_train_batch_size=opts.micro_batch_size,
        gradient_accumulation_steps=opts.grad_accum,
        learning_rate=opts.lr,
        warmup_steps=opts.warmup_steps,
        lr_scheduler_type=scheduler[opts.schedule],
        lr_scheduler_kwargs=kwargs or None,
        weight_decay=opts.weight_decay,
        adam_beta1=opts.betas[0],
        adam_beta2=opts.betas[1],
        max_grad_norm=opts.max_grad_norm or 0.0,
        seed=opts.seed,
        data_seed=opts.seed,
        logging_steps=opts.log_every,
        save_strategy="steps",
        save_steps=opts.save_every or opts.steps,
        save_total_limit=opts.keep_checkpoints,
        beta=cfg.dpo.beta,
        loss_type=[cfg.dpo.loss_type],
        max_length=cfg.data.max_length,
        bf16=use_bf16(cfg.model.precision),
        gradient_checkpointing=cfg.model.gradient_checkpointing,
        report_to="none",
        use_cpu=not _cuda(),
        dataloader_num_workers=0,
        disable_tqdm=True,
    )


def save_on_time(minutes: float):
    """A Trainer callback that also checkpoints once ``minutes`` have passed since the last save, as
    ``train.save_every_minutes`` does in our own loop (rank 0's clock decides for every rank)."""
    from transformers import TrainerCallback

    from seaforge.train import loop

    class SaveOnTime(TrainerCallback):
        def __init__(self):
            self.last_save = loop.clock()

        def on_step_end(self, args, state, control, **kwargs):
            if minutes <= 0:
                return control
            due = loop.clock() - self.last_save >= minutes * 60
            if args.world_size > 1:
                from accelerate.utils import broadcast_object_list

                due = broadcast_object_list([due], from_process=0)[0]
            if due:
                control.should_save = True
            return control

        def on_save(self, args, state, control, **kwargs):
            self.last_save = loop.clock()
            return control

    return SaveOnTime()


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def run_dpo(cfg: DPOConfig, resume: bool = True) -> list[dict]:
    """Run (or resume) DPO; returns the Trainer's log history."""
    import torch
    from datasets import Dataset
    from transformers.trainer_utils import get_last_checkpoint
    from trl import DPOTrainer

    pairs = check_dpo(cfg)
    tokenizer = load_tokenizer(cfg.model)
    torch.manual_seed(cfg.train.seed)
    lora = cfg.lora
    # TRL wraps the adapters itself (and uses the frozen base as the reference model).
    model = load_model(cfg.model, lora, wrap_lora=False)
    peft_config = lora_config(lora) if lora is not None else None
    trainer = DPOTrainer(
        model=model,
        args=trl_config(cfg),
        train_dataset=Dataset.from_list(pairs),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[save_on_time(cfg.train.save_every_minutes)],
    )
    last = get_last_checkpoint(cfg.output_dir) if resume and Path(cfg.output_dir).is_dir() else None
    trainer.train(resume_from_checkpoint=last)
    final = Path(cfg.output_dir) / "final"
    trainer.save_model(str(final))
    tokenizer.save_pretrained(str(final))
    return trainer.state.log_history
