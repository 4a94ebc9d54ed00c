"""The training loop shared by CPT and SFT: accumulate, clip, step, log, evaluate, checkpoint.

It is a plain loop over steps on top of accelerate, so the same code runs on a laptop CPU and
under ``accelerate launch`` with FSDP2 or DeepSpeed ZeRO-3. Each step's loss is the sum of token
losses over all its micro-batches divided by the step's target-token count, so gradient
accumulation gives the same gradient as one big batch even when SFT masks differ per row.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from seaforge.errors import UserError
from seaforge.io import atomic_dir, atomic_write_text, iter_jsonl
from seaforge.train.batches import IGNORE, MixtureSampler, collate
from seaforge.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from seaforge.train.config import TrainOptions

METRICS_FILE = "metrics.jsonl"

# Read through the module so tests can move time forward instead of sleeping.
clock = time.monotonic


def make_accelerator(bf16: bool, opts: TrainOptions):
    """An Accelerator; the scheduler steps once per optimizer step whatever the process count."""
    from accelerate import Accelerator

    # DeepSpeed runs the accumulation itself and must know its length and micro-batch; elsewhere
    # accelerate would divide the loss by the accumulation length, and ours is already per step.
    deepspeed = os.environ.get("ACCELERATE_USE_DEEPSPEED", "false").lower() == "true"
    accelerator = Accelerator(
        mixed_precision="bf16" if bf16 else "no",
        step_scheduler_with_optimizer=False,
        gradient_accumulation_steps=opts.grad_accum if deepspeed else 1,
    )
    if deepspeed:
        deepspeed_config = accelerator.state.deepspeed_plugin.deepspeed_config
        deepspeed_config["train_micro_batch_size_per_gpu"] = opts.micro_batch_size
        deepspeed_config["gradient_clipping"] = opts.max_grad_norm or 0.0
    return accelerator


def build_optimizer(model, opts: TrainOptions) -> torch.optim.Optimizer:
    """AdamW; no weight decay on vectors (norms, biases), as usual for transformers."""
    params = [param for param in model.parameters() if param.requires_grad]
    groups = [
        {"params": [param for param in params if param.ndim >= 2], "weight_decay": opts.weight_decay},
        {"params": [param for param in params if param.ndim < 2], "weight_decay": 0.0},
    ]
    fused = torch.cuda.is_available() or None
    return torch.optim.AdamW([group for group in groups if group["params"]], lr=opts.lr, betas=opts.betas, fused=fused)


def build_scheduler(optimizer, opts: TrainOptions):
    """Warmup-stable-decay, cosine or constant learning rate over ``opts.steps`` steps."""
    from transformers import optimization as sched

    if opts.schedule == "wsd":
        decay = max(1, round(opts.decay_fraction * opts.steps))
        return sched.get_wsd_schedule(
            optimizer,
            num_warmup_steps=opts.warmup_steps,
            num_decay_steps=decay,
            num_training_steps=opts.steps,
            decay_type="linear",
            min_lr_ratio=opts.min_lr_ratio,
        )
    if opts.schedule == "cosine":
        return sched.get_cosine_with_min_lr_schedule_with_warmup(
            optimizer, opts.warmup_steps, opts.steps, min_lr_rate=opts.min_lr_ratio
        )
    return sched.get_constant_schedule_with_warmup(optimizer, opts.warmup_steps)


def train_step(accelerator, model, optimizer, scheduler, micro: list[dict], max_grad_norm) -> tuple[float, int]:
    """One optimizer step over ``micro``; returns (mean loss per target token, target tokens)."""
    targets = sum(int((micro_batch["labels"][:, 1:] != IGNORE).sum()) for micro_batch in micro)
    deepspeed = accelerator.distributed_type == "DEEPSPEED"
    total = torch.zeros((), device=accelerator.device)
    for index, micro_batch in enumerate(micro):
        last = index == len(micro) - 1
        with nullcontext() if last else accelerator.no_sync(model):
            batch = {name: tensor.to(accelerator.device, non_blocking=True) for name, tensor in micro_batch.items()}
            loss = model(**batch, num_items_in_batch=max(targets, 1)).loss
            # DeepSpeed divides by its accumulation length; ours is already normalized per step.
            accelerator.backward(loss * len(micro) if deepspeed else loss)
            total += loss.detach()
    if max_grad_norm:
        accelerator.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return float(total), targets


def read_metrics(path: Path) -> list[dict]:
    """The rows of ``metrics.jsonl``. A torn last line (the job died mid-write) is dropped with a
    warning; a bad line anywhere else means the file was edited or damaged, and is an error."""
    lines = list(iter_jsonl(path))
    rows = []
    for position, line in enumerate(lines):
        error = line.error
        if error is None and not isinstance(line.record.get("step"), int):
            error = f"{path}:{line.lineno}: row has no integer 'step'"
        if error is None:
            rows.append(line.record)
        elif position == len(lines) - 1:
            print(f"{path}:{line.lineno}: dropped a torn last line (the run stopped mid-write)", file=sys.stderr)
        else:
            raise UserError(f"{error}; fix or delete that line to resume")
    return rows


class MetricsLog:
    """``metrics.jsonl``: one JSON object per logged step. On resume, rows past the checkpoint go,
    so a kill between checkpoint and log never leaves duplicated steps."""

    def __init__(self, path: Path, resume_step: int, enabled: bool = True):
        self.path, self.enabled = path, enabled
        if not enabled:
            return
        rows = []
        if resume_step and path.exists():
            rows = [row for row in read_metrics(path) if row["step"] <= resume_step]
        atomic_write_text(path, "".join(json.dumps(row) + "\n" for row in rows))

    def write(self, row: dict) -> None:
        """Append one row (main process only)."""
        if self.enabled:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeRemainingColumn(),
        disable=not enabled,
        refresh_per_second=2,
    )  # a cheap bar: redraws cost CPU the training needs


def _due(step: int, every: int, last: int) -> bool:
    return step == last or (every > 0 and step % every == 0)


def _time_to_save(accelerator, last_save: float, minutes: float) -> bool:
    """Whether ``minutes`` have passed since ``last_save``; rank 0 decides for every rank, since
    saving is collective and the ranks' clocks differ slightly."""
    if minutes <= 0:
        return False
    due = clock() - last_save >= minutes * 60
    if accelerator.num_processes > 1:
        from accelerate.utils import broadcast_object_list

        due = broadcast_object_list([due], from_process=0)[0]
    return due


def train_loop(
    accelerator,
    model,
    sampler: MixtureSampler,
    opts: TrainOptions,
    output_dir: str | Path,
    evaluate: Callable | None = None,
    stop_after: int | None = None,
    resume: bool = True,
    label: str = "train",
    on_step: Callable[[int, int, str], None] | None = None,
) -> tuple[object, list[dict]]:
    """Train ``model`` for ``opts.steps`` steps (or until ``stop_after``), resuming when a checkpoint
    exists. Returns the prepared model and the metrics rows written by this call. ``on_step(step,
    steps, info)`` reports progress to a caller's own display (``seaforge build``)."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    optimizer = build_optimizer(model, opts)
    scheduler = build_scheduler(optimizer, opts)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    start, checkpoint = 0, latest_checkpoint(out) if resume else None
    if checkpoint is not None:
        state = load_checkpoint(accelerator, model, checkpoint)
        sampler.load_state_dict(state["sampler"])
        start = state["step"]
        accelerator.print(f"resumed from {checkpoint} (step {start})")
    log = MetricsLog(out / METRICS_FILE, start, accelerator.is_main_process)
    history: list[dict] = []
    end = min(opts.steps, stop_after) if stop_after else opts.steps
    model.train()
    tokens, t0, eval_s = 0, time.perf_counter(), 0.0
    last_save = clock()
    if evaluate is not None and opts.eval_at_start and start == 0:  # the curve's starting point
        row = {"step": 0, **evaluate(model)}
        model.train()
        log.write(row)
        history.append(row)
    with _progress(accelerator.is_main_process) as bar:
        task = bar.add_task(label, total=opts.steps, completed=start, info="")
        for step in range(start + 1, end + 1):
            micro = sampler.next_step(opts.micro_batch_size)
            lr = scheduler.get_last_lr()[0]
            loss, _ = train_step(accelerator, model, optimizer, scheduler, micro, opts.max_grad_norm)
            tokens += sum(micro_batch["input_ids"].numel() for micro_batch in micro) * accelerator.num_processes
            row = {"step": step, "loss": loss, "lr": lr}
            if evaluate is not None and _due(step, opts.eval_every, opts.steps):
                t_eval = time.perf_counter()
                row.update(evaluate(model))
                model.train()
                eval_s += time.perf_counter() - t_eval  # throughput counts training time only
            if _due(step, opts.log_every, opts.steps) or len(row) > 3:
                row["tokens_per_s"] = tokens / max(time.perf_counter() - t0 - eval_s, 1e-9)
                log.write(row)
            history.append(row)
            bar.update(task, advance=1, info=f"loss {loss:.3f}  lr {lr:.2e}")
            if on_step is not None:
                on_step(step, opts.steps, f"loss {loss:.3f}")
            # Step count or time, whichever comes first; the time keeps exact resume useful by default.
            by_time = _time_to_save(accelerator, last_save, opts.save_every_minutes)
            if _due(step, opts.save_every, opts.steps) or step == end or by_time:
                save_checkpoint(accelerator, model, out, step, {"sampler": sampler.state_dict()}, opts.keep_checkpoints)
                last_save = clock()
    return model, history


@torch.no_grad()
def heldout_perplexity(model, pools: dict, micro_batch_size: int, device) -> dict[str, float]:
    """``ppl/<lang>``: exp of the mean token loss over each held-out pool."""
    model.eval()
    result = {}
    for name, pool in pools.items():
        loss_sum, count = 0.0, 0
        for first in range(0, len(pool), micro_batch_size):
            batch = collate([pool.row(i) for i in range(first, min(first + micro_batch_size, len(pool)))])
            targets = int((batch["labels"][:, 1:] != IGNORE).sum())
            batch = {name: tensor.to(device) for name, tensor in batch.items()}
            loss_sum += float(model(**batch, num_items_in_batch=targets).loss) * targets
            count += targets
        if count:
            result[f"ppl/{name}"] = math.exp(loss_sum / count)
    return result


def save_if_finished(accelerator, model, tokenizer, history: list[dict], opts: TrainOptions, output_dir) -> None:
    """Save ``output_dir/final`` once the run has reached its last step (or had nothing left to do)."""
    if not history or history[-1]["step"] == opts.steps:
        save_final(accelerator, model, tokenizer, Path(output_dir) / "final")


def save_final(accelerator, model, tokenizer, path: str | Path) -> Path:
    """Save the trained model (or LoRA adapter) and tokenizer in Hugging Face format, atomically."""
    accelerator.wait_for_everyone()
    state = accelerator.get_state_dict(model)  # every rank takes part (FSDP gathers shards here)
    if accelerator.is_main_process:
        with atomic_dir(path) as tmp:
            accelerator.unwrap_model(model).save_pretrained(tmp, state_dict=state, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
    accelerator.wait_for_everyone()
    return Path(path)
