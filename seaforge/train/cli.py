"""``seaforge train ...`` commands and the top-level ``seaforge merge``.

Errors are not caught here: a ``UserError`` (bad config, unknown model, unwritable output) goes up
to ``seaforge.cli.run``, which prints it as one ``error:`` line and exits 2.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from seaforge.config import load_config
from seaforge.train.config import ConfigError, CPTConfig, DPOConfig, SFTConfig

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    help="Continued pretraining, instruction tuning, preference alignment, LoRA.",
)

SET_HELP = "Override a config field, e.g. --set train.lr=1e-4 --set data.replay='{en: 0.2}' (repeatable)."
CONFIG_ARG = typer.Argument(..., exists=False, help="YAML config (see recipes/train/).")


def _gpus(gpus: int | None) -> int:
    if gpus:
        return gpus
    import torch

    return int(os.environ.get("WORLD_SIZE", 0)) or torch.cuda.device_count() or 1


def _dry_run(cfg, seq_len: int, gpus: int | None) -> None:
    from seaforge.train.estimate import estimate, render
    from seaforge.train.modeling import check_seq_len, load_model_config

    model_config = load_model_config(cfg.model)
    check_seq_len(model_config, seq_len, "data.seq_len")
    lora = cfg.lora
    result = estimate(
        model_config,
        seq_len,
        cfg.train.micro_batch_size,
        cfg.train.grad_accum,
        _gpus(gpus),
        lora_r=lora.r if lora else None,
        qlora=bool(lora and lora.qlora),
        checkpointing=cfg.model.gradient_checkpointing,
    )
    render(
        result,
        f"{cfg.model.path}: seq_len {seq_len}, {cfg.train.steps} steps "
        f"= {result.tokens_per_step * cfg.train.steps / 1e9:.3f} B tokens",
    )


def _cpt_seq_len(cfg: CPTConfig) -> int:
    from seaforge.train.cpt import JSONL_SEQ_LEN

    if cfg.data.seq_len:
        return cfg.data.seq_len
    if Path(cfg.data.path).is_dir():
        from seaforge.data.packing import PackedFormatError, read_packed

        try:
            return read_packed(cfg.data.path).seq_len
        except PackedFormatError as err:
            raise ConfigError(f"field 'data.path': {err}") from None
    return JSONL_SEQ_LEN


@app.command()
def cpt(
    config: Path = CONFIG_ARG,
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print parameters, memory per GPU and tokens per step; do not train."
    ),
    gpus: int = typer.Option(None, help="GPUs for --dry-run (default: WORLD_SIZE or visible GPUs)."),
    resume: bool = typer.Option(True, help="Continue from the newest checkpoint in output_dir."),
    stop_after: int = typer.Option(
        None, help="Stop (with a checkpoint) after this step, e.g. to fit a Slurm time limit."
    ),
):
    """Continued pretraining on packed shards (or a JSONL text file) with mixture and replay."""
    cfg = load_config(CPTConfig, config, set_)
    if dry_run:
        return _dry_run(cfg, _cpt_seq_len(cfg), gpus)
    from seaforge.train.cpt import run_cpt

    history = run_cpt(cfg, stop_after=stop_after, resume=resume)
    _summary(history, cfg.output_dir)


@app.command()
def sft(
    config: Path = CONFIG_ARG,
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the estimate only."),
    gpus: int = typer.Option(None, help="GPUs for --dry-run."),
    resume: bool = typer.Option(True, help="Continue from the newest checkpoint in output_dir."),
    stop_after: int = typer.Option(None, help="Stop (with a checkpoint) after this step."),
):
    """Instruction tuning on chat data with loss on assistant tokens only."""
    cfg = load_config(SFTConfig, config, set_)
    if dry_run:
        return _dry_run(cfg, cfg.data.seq_len, gpus)
    from seaforge.train.sft import run_sft

    history = run_sft(cfg, stop_after=stop_after, resume=resume)
    _summary(history, cfg.output_dir)


@app.command()
def dpo(
    config: Path = CONFIG_ARG,
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the estimate only (policy model)."),
    gpus: int = typer.Option(None, help="GPUs for --dry-run."),
    resume: bool = typer.Option(True, help="Continue from the newest Trainer checkpoint."),
):
    """Preference alignment (DPO) on prompt/chosen/rejected pairs, with TRL."""
    cfg = load_config(DPOConfig, config, set_)
    if dry_run:
        return _dry_run(cfg, cfg.data.max_length, gpus)
    from seaforge.train.dpo import run_dpo

    run_dpo(cfg, resume=resume)
    Console().print(f"saved {Path(cfg.output_dir) / 'final'}")


@app.command("merge-lora")
def merge_lora_cmd(
    adapter: Path = typer.Argument(..., help="LoRA adapter directory (a run's final/)."),
    out: Path = typer.Argument(..., help="Where to write the merged model."),
    base: str = typer.Option(None, help="Base model; default: the adapter's base_model_name_or_path."),
):
    """Fold a LoRA adapter into its base model and save a plain Hugging Face model."""
    from seaforge.train.lora import merge_lora

    path = merge_lora(adapter, out, base)
    Console().print(f"merged model saved to {path}")


def merge(
    config: Path = typer.Argument(..., help="Merge YAML (see recipes/train/merge-*.yaml)."),
    out: Path = typer.Argument(..., help="Output model directory."),
    set_: list[str] = typer.Option([], "--set", help="Override a field, e.g. --set t=0.3."),
):
    """Merge checkpoints that share a base: linear, task_arithmetic, ties, dare_ties or slerp."""
    from seaforge.train.merge import load_merge_config, run_merge

    cfg = load_merge_config(config, set_)
    path = run_merge(cfg, out)
    Console().print(f"{cfg.method} merge of {len(cfg.models)} model(s) saved to {path}")


def register_top_level(root: typer.Typer) -> None:
    """Add ``seaforge merge`` to the root command (called by seaforge/cli.py)."""
    root.command("merge")(merge)


def _summary(history: list[dict], output_dir: str) -> None:
    if not history:
        Console().print(f"nothing to do: {output_dir} is already complete")
        return
    last = history[-1]
    evals = {name: round(value, 2) for row in history for name, value in row.items() if name.startswith("ppl/")}
    Console().print(
        f"step {last['step']}: loss {last['loss']:.4f}"
        + (f"; held-out {evals}" if evals else "")
        + f"; metrics in {Path(output_dir) / 'metrics.jsonl'}"
    )
