"""The build's training stages: CPT, SFT, DPO and merge, each through its area's own runner.

Each stage trains from the newest model an earlier stage made and leaves a full model folder
(LoRA adapters are merged in), so the next stage, the eval and the export read plain weights.
Training resumes from the run's last checkpoint when a killed build is rerun.
"""

from __future__ import annotations

import time
from pathlib import Path

from seaforge.build.context import StageContext, write_result
from seaforge.build.recipe import BuildError
from seaforge.build.scale import tokens_for
from seaforge.train.config import CPTConfig, CPTData, DPOConfig, DPOData, ModelOptions, SFTConfig, SFTData


def _model_options(ctx: StageContext) -> ModelOptions:
    return ModelOptions(path=ctx.current_model(), **ctx.config.model.model_dump())


def _metrics(run: Path) -> list[dict]:
    from seaforge.train.loop import METRICS_FILE, read_metrics

    path = run / METRICS_FILE
    return read_metrics(path) if path.is_file() else []


def _plain_model(ctx: StageContext, final: Path, base: str) -> str:
    """A full model folder: ``final`` itself, or base + adapter merged when LoRA trained it."""
    if ctx.config.lora is None:
        return str(final)
    from seaforge.train.lora import merge_lora

    merged = ctx.dir / "model"
    if not (merged / "config.json").is_file():
        ctx.progress(None, None, "merging the LoRA adapter")
        merge_lora(final, merged, base=base)
    return str(merged)


def _train_result(ctx: StageContext, run: Path, base: str, seq_len: int, started: float, history: list) -> dict:
    train = ctx.config.train
    return write_result(
        ctx,
        {
            "mode": "lora" if ctx.config.lora else "full",
            "from": base,
            "steps": train.steps,
            "tokens": tokens_for(train.steps, train.micro_batch_size, train.grad_accum, 1, seq_len),
            "seconds": round(time.perf_counter() - started, 2),
            # Our loop's metrics.jsonl (the whole run, resumed parts included); TRL's log otherwise.
            "metrics": _metrics(run) or history,
            "model_path": _plain_model(ctx, run / "final", base),
        },
    )


def _train(ctx: StageContext, kind, data, run, seq_len: int, **extra) -> dict:
    """Build the area's config for this stage (model, data and output wired by the build), run it
    with progress reported to the build's view, and record the result."""
    cfg = ctx.config
    config = kind(
        model=_model_options(ctx),
        data=data,
        train=cfg.train,
        lora=cfg.lora,
        output_dir=str(ctx.dir / "run"),
        **extra,
    )
    started = time.perf_counter()
    history = run(config, lambda step, steps, info: ctx.progress(step, steps, info))
    return _train_result(ctx, ctx.dir / "run", config.model.path, seq_len, started, history)


def run_cpt_stage(ctx: StageContext) -> dict:
    """Continued pretraining on the curated text with English (or other) replay."""
    from seaforge.train.cpt import run_cpt

    data = CPTData(path=str(ctx.dir.parent / "data" / "train.jsonl"), **ctx.config.data.model_dump())
    return _train(ctx, CPTConfig, data, lambda config, on_step: run_cpt(config, on_step=on_step), data.seq_len)


def run_sft_stage(ctx: StageContext) -> dict:
    """Instruction tuning on the conversations, with the model's chat template, loss on replies."""
    from seaforge.train.sft import run_sft

    data = SFTData(path=str(ctx.dir.parent / "data" / "chat_train.jsonl"), **ctx.config.data.model_dump())

    def run(config, on_step):
        return run_sft(config, on_step=on_step)

    return _train(ctx, SFTConfig, data, run, data.seq_len, chat=ctx.config.chat)


def run_dpo_stage(ctx: StageContext) -> dict:
    """Preference alignment (DPO via TRL) on the recipe's prompt/chosen/rejected pairs."""
    from seaforge.train.dpo import run_dpo

    def run(config, on_step):
        on_step(None, config.train.steps, "dpo")  # TRL's trainer reports to the stage log
        return [row for row in run_dpo(config) if "loss" in row]

    data = DPOData(**ctx.config.data.model_dump())
    return _train(ctx, DPOConfig, data, run, data.max_length, dpo=ctx.config.dpo)


def run_merge_stage(ctx: StageContext) -> dict:
    """Merge the current model with an earlier one (e.g. SLERP of SFT and CPT) via mergekit."""
    from seaforge.train.merge import MergeConfig, MergeInput, run_merge

    cfg = ctx.config
    current, other = ctx.current_model(), ctx.model(cfg.with_)
    if other is None:
        raise BuildError(f"field 'merge.with': no {cfg.with_!r} model in this build")
    if cfg.method == "linear":
        models = [MergeInput(model=current, weight=cfg.t), MergeInput(model=other, weight=1 - cfg.t)]
        config = MergeConfig(method="linear", models=models, dtype=cfg.dtype)
    elif cfg.method == "slerp":
        models = [MergeInput(model=current)]
        config = MergeConfig(method="slerp", models=models, base_model=other, t=cfg.t, dtype=cfg.dtype)
    else:  # task arithmetic: other + t * (current - other)
        models = [MergeInput(model=current, weight=cfg.t)]
        config = MergeConfig(method=cfg.method, models=models, base_model=other, dtype=cfg.dtype)
    ctx.progress(None, None, f"{cfg.method} of {Path(current).name} with {cfg.with_}")
    folder = run_merge(config, ctx.dir / "model")
    return write_result(ctx, {"method": cfg.method, "with": cfg.with_, "t": cfg.t, "model_path": str(folder)})
