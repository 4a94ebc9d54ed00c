"""Run a build: check the whole recipe, plan which stages are cached, run the rest with one live view.

Everything that can fail on the recipe (unknown fields, missing inputs, unknown tasks or GGUF
types, an unwritable output) fails in ``check`` before any stage starts. Each stage writes its
log to ``OUT/stages/<name>/log.txt``; the terminal shows only the live view of the stages.
"""

from __future__ import annotations

import shutil
import sys
import time
from contextlib import ExitStack, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from seaforge.build import cache
from seaforge.build.context import StageContext, stage_dir
from seaforge.build.recipe import STAGES, BuildError, BuildRecipe
from seaforge.build.scale import tokens_for
from seaforge.build.stage_eval import run_eval_stage
from seaforge.build.stage_export import run_export
from seaforge.build.stage_prepare import (
    chat_path,
    codeswitch_path,
    decontamination,
    input_specs,
    run_data,
    run_model,
    run_tokenizer,
)
from seaforge.build.stage_train import run_cpt_stage, run_dpo_stage, run_merge_stage, run_sft_stage
from seaforge.errors import UserError

RUNNERS = {
    "model": run_model,
    "data": run_data,
    "tokenizer": run_tokenizer,
    "cpt": run_cpt_stage,
    "sft": run_sft_stage,
    "dpo": run_dpo_stage,
    "merge": run_merge_stage,
    "eval": run_eval_stage,
    "export": run_export,
}
# Which stage makes each model an eval can compare.
ROLE_MAKER = {"trimmed": "tokenizer", "cpt": "cpt", "sft": "sft", "dpo": "dpo", "merge": "merge"}


@dataclass
class Planned:
    name: str
    key: str
    status: str  # cached | run | resume
    record: dict | None = None


def _path_inputs(recipe: BuildRecipe, name: str) -> dict[str, str]:
    """Fingerprints of what stage ``name`` reads from outside the build folder."""
    paths: dict[str, str] = {}
    if name == "model" and Path(recipe.model.base).expanduser().exists():
        paths["base"] = recipe.model.base
    if name == "data":
        for index, spec in enumerate(input_specs(recipe.data)):
            if spec.type in ("jsonl", "parquet", "text", "wet", "warc"):
                root = Path(spec.path)
                single = spec.glob and (root / spec.glob).is_file()
                paths[f"inputs[{index}]"] = str(root / spec.glob) if single else spec.path
        for field, path in (("chat", chat_path(recipe.data)), ("codeswitch", codeswitch_path(recipe.data))):
            if path is not None:
                paths[field] = str(path)
    if name == "dpo":
        paths["data"] = recipe.dpo.data.path
    if name == "eval" and Path(recipe.eval.data).exists():
        paths["data"] = recipe.eval.data
    return {field: cache.fingerprint(path) for field, path in paths.items()}


def check(recipe: BuildRecipe, out: Path) -> None:
    """Every check that needs no model weights, before any stage runs; errors name the field."""
    from seaforge.eval.tasks import select_tasks
    from seaforge.io import check_writable
    from seaforge.models.gguf_export import parse_types
    from seaforge.models.registry import MODELS
    from seaforge.models.resolve import ModelNotFound, resolve_model

    check_writable(out)
    base = recipe.model.base
    if base not in MODELS and not base.startswith("tiny:"):
        try:
            resolve_model(base)
        except ModelNotFound as err:
            raise BuildError(f"field 'model.base': {err}") from None
    if recipe.data is not None:
        input_specs(recipe.data)
        chat_path(recipe.data)
        codeswitch_path(recipe.data)
        if recipe.data.executor.kind == "slurm":
            raise BuildError(
                "field 'data.executor.kind': slurm only submits jobs and returns, so the build cannot "
                "wait for it; use ray or local, or run `seaforge data run` on Slurm and pass its docs "
                "folder as data.inputs"
            )
    if recipe.dpo is not None and not Path(recipe.dpo.data.path).is_file():
        raise BuildError(f"field 'dpo.data.path': {recipe.dpo.data.path} is not a file")
    if recipe.eval is not None:
        stages = recipe.stages()
        trims = recipe.tokenizer is not None and recipe.tokenizer.trim
        for field in ("compare", "task_models"):
            for role in getattr(recipe.eval, field):
                maker = ROLE_MAKER.get(role)
                if maker is not None and (maker not in stages or (role == "trimmed" and not trims)):
                    needs = "tokenizer.trim: true" if maker in stages else f"the {maker} stage in the recipe"
                    raise BuildError(f"field 'eval.{field}': {role!r} needs {needs}")
        if recipe.eval.tasks:
            try:
                select_tasks(",".join(recipe.eval.tasks))
            except UserError as err:  # an unknown task name
                raise BuildError(f"field 'eval.tasks': {err}") from None
    if recipe.export is not None and recipe.export.gguf:
        try:
            parse_types(",".join(recipe.export.gguf))
        except UserError as err:
            raise BuildError(f"field 'export.gguf': {err}".replace("--gguf: ", "")) from None


def plan(recipe: BuildRecipe, out: Path, from_stage: str | None = None, strict: bool = True) -> list[Planned]:
    """Each stage's key and whether it is cached, resumes, or runs from scratch (``strict=False``:
    an input missing on this machine gets a placeholder fingerprint instead of an error)."""
    dumped = recipe.dump()
    previous, forced, rows = None, False, []
    for name in recipe.stages():
        forced = forced or name == from_stage
        config = {"stage": dumped.get(name, {}), "languages": recipe.languages}
        if name == "data" and recipe.data is not None:  # decontaminated against the eval tasks
            config["decontaminate"] = decontamination(recipe).model_dump()
        if name in ("export", "report"):
            config["name"] = recipe.name
        try:
            inputs = _path_inputs(recipe, name)
        except (UserError, OSError):
            if strict:
                raise
            inputs = {"missing": "input not on this machine"}
        key = cache.stage_key(name, config, previous, inputs)
        folder = stage_dir(out, name)
        record = None if forced or name == "report" else cache.finished(folder, key)
        if record is not None:
            status = "cached"
        elif name == "report":  # cheap, and it shows this run's statuses: always made anew
            status = "run"
        elif not forced and (started := cache.read_started(folder)) and started.get("key") == key:
            status = "resume"
        else:
            status = "run"
        rows.append(Planned(name, key, status, record))
        previous = key
    return rows


def render_plan(recipe: BuildRecipe, rows: list[Planned], until: str | None) -> Table:
    table = Table(title=f"build {recipe.name}: plan")
    for column in ("stage", "status", "key", "what"):
        table.add_column(column)
    stop = False
    for row in rows:
        status = "skipped (--until)" if stop else row.status
        table.add_row(row.name, status, row.key, _what(recipe, row.name))
        stop = stop or row.name == until
    return table


def _what(recipe: BuildRecipe, name: str) -> str:
    cfg = getattr(recipe, name, None)
    if name == "model":
        return recipe.model.base
    if name == "data":
        items = [cfg.inputs] if isinstance(cfg.inputs, str) else cfg.inputs
        names = [item if isinstance(item, str) else f"{item.type}:{item.path}" for item in items]
        return f"inputs {', '.join(names)}; chat {cfg.chat}"
    if name == "tokenizer":
        return f"trim to {len(recipe.languages)} languages (budget {cfg.budget})" if cfg.trim else "report only"
    if name in ("cpt", "sft", "dpo"):
        train = cfg.train
        seq_len = cfg.data.seq_len if name != "dpo" else cfg.data.max_length
        world = recipe.hardware.gpus * recipe.hardware.nodes if recipe.hardware else 1
        tokens = tokens_for(train.steps, train.micro_batch_size, train.grad_accum, world, seq_len)
        return f"{'LoRA' if cfg.lora else 'full'}, {train.steps} steps, {tokens:,} tokens"
    if name == "eval":
        return f"{', '.join(cfg.compare)} on held-out text; tasks {', '.join(cfg.tasks) or '-'}"
    if name == "export":
        return f"OUT/model + GGUF {', '.join(cfg.gguf) or '-'}"
    if name == "merge":
        return f"{cfg.method} with {cfg.with_}"
    return "report.md, report.html, build.json"


def _quiet_libraries() -> None:
    """Library progress bars and warnings would tear the live view; the stage logs keep our own."""
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        import datasets

        datasets.utils.logging.disable_progress_bar()
    except ImportError:
        pass


def run_build(
    recipe: BuildRecipe,
    out: str | Path,
    source: str = "embedded default",
    overrides: list[str] | tuple[str, ...] = (),
    until: str | None = None,
    from_stage: str | None = None,
    dry_run: bool = False,
    console: Console | None = None,
) -> list[dict]:
    """Run (or resume) the build into ``out``; returns one record per stage (name, status, seconds)."""
    out = Path(out)
    console = console or Console(file=sys.stderr)
    stages = recipe.stages()
    for option, value in (("--until", until), ("--from", from_stage)):
        if value is not None and value not in stages:
            raise BuildError(f"{option} {value}: not a stage of this recipe ({', '.join(stages)})")
    if dry_run:  # a plan of a recipe for another machine: missing local inputs are warnings
        try:
            check(recipe, out)
        except UserError as err:
            console.print(f"[yellow]warning[/]: on this machine the build would stop before starting: {err}")
        console.print(render_plan(recipe, plan(recipe, out, from_stage, strict=False), until))
        _print_estimates(recipe, console)
        return []
    check(recipe, out)
    rows = plan(recipe, out, from_stage)
    for name in STAGES:  # a stage dropped from the recipe must not feed later stages stale models
        if name not in stages and stage_dir(out, name).exists():
            shutil.rmtree(stage_dir(out, name))
    _quiet_libraries()
    records: list[dict] = []
    columns = (
        TextColumn("{task.fields[mark]}"),
        TextColumn("{task.description:<9}"),
        BarColumn(bar_width=28),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
    )
    # In a log file (CI, `make demo > log`) a live view cannot redraw: one line per stage instead.
    live = console.is_terminal
    with Progress(*columns, console=console, redirect_stdout=False, redirect_stderr=False, disable=not live) as view:
        bars = {row.name: view.add_task(row.name, total=None, start=False, mark="·", info=row.status) for row in rows}
        for row in rows:
            bar = bars[row.name]
            if row.status == "cached":
                view.update(bar, total=1, completed=1, mark="[green]✓", info=f"cached ({row.record['seconds']:.0f}s)")
                records.append({"name": row.name, "status": "cached", "seconds": row.record["seconds"]})
            else:
                if not live:
                    console.print(f"{row.name}: {'resuming' if row.status == 'resume' else 'running'} ...")
                records.append(_run_stage(recipe, out, row, view, bar, source, list(overrides), records))
            if not live:
                console.print(f"{row.name}: {records[-1]['status']} ({records[-1]['seconds']:.0f}s)")
            if row.name == until:
                break
    summary = ", ".join(f"{record['name']} {record['status']}" for record in records)
    console.print(f"build {recipe.name}: {summary}")
    if records[-1]["name"] == "report":
        console.print(f"report card: {out / 'report.html'} and {out / 'report.md'}; model: {out / 'model'}")
    return records


def _run_stage(recipe, out: Path, row: Planned, view: Progress, bar, source, overrides, records) -> dict:
    from seaforge.build.stage_report import run_report

    folder = stage_dir(out, row.name)
    if row.status == "run" and folder.exists():  # another key's work, or --from: start over
        shutil.rmtree(folder)
    resumed = cache.start(folder, row.key)
    view.start_task(bar)
    view.update(bar, mark="[yellow]▶", info="resuming" if resumed else "")

    def progress(completed, total, info: str) -> None:
        view.update(bar, completed=completed or 0, total=total, info=info)

    started = time.perf_counter()
    with ExitStack() as stack:
        log = stack.enter_context(open(folder / "log.txt", "a", encoding="utf-8", buffering=1))
        stack.enter_context(redirect_stdout(log))
        stack.enter_context(redirect_stderr(log))
        ctx = StageContext(recipe, out, row.name, Console(file=log, width=120, soft_wrap=True), progress)
        try:
            if row.name == "report":
                run_report(ctx, source, overrides, records)
            else:
                RUNNERS[row.name](ctx)
        except BaseException:
            view.update(bar, mark="[red]✗", info=f"failed: see {folder / 'log.txt'}")
            raise
    seconds = time.perf_counter() - started
    status = "resumed" if resumed else "ran"
    cache.finish(folder, row.key, seconds, status)
    view.update(bar, total=1, completed=1, mark="[green]✓", info=f"{status} in {seconds:.0f}s")
    return {"name": row.name, "status": status, "seconds": round(seconds, 2)}


def _print_estimates(recipe: BuildRecipe, console: Console) -> None:
    """Tokens, hardware and hours of the training stages when the recipe names its hardware."""
    if recipe.hardware is None:
        return
    from seaforge.build.scale import estimate_build, render_estimates

    rows = estimate_build(recipe)
    if not rows:
        console.print(f"no architecture on record for {recipe.model.base}: no time estimate")
        return
    console.print(render_estimates(rows))
