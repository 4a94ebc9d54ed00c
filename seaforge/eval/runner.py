"""`seaforge eval run`: every task x language x seed, cached, scored and written as results JSON."""

from __future__ import annotations

import hashlib
import json
import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from seaforge import __version__
from seaforge.eval.backends import Backend
from seaforge.eval.cache import InferenceCache
from seaforge.eval.evaluate import Context, count_requests, run_task_seed
from seaforge.eval.items import load_items
from seaforge.eval.scores import aggregate, task_summary
from seaforge.eval.tasks import DEFAULT_LANGUAGES, Task, TaskError
from seaforge.io import atomic_write_json, atomic_write_jsonl

RESULTS_FILE = "results.json"
RESULTS_VERSION = 1


@dataclass
class RunConfig:
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    mode: str = "auto"  # instruct | base | auto (instruct when the model has a chat template)
    seeds: list[int] = field(default_factory=lambda: [0])
    data: str = "samples"  # samples | hf | path to a JSONL file or folder
    limit: int | None = None
    temperature: float = 0.0
    choice_scoring: str = "generate"  # generate | loglikelihood
    cache: str | None = None  # defaults to OUT/cache.sqlite
    max_tokens: int | None = None  # cap on every task's generation length
    label: str | None = None  # the run's name on leaderboards


def write_json_atomic(path: Path, data) -> None:
    atomic_write_json(path, _finite(data), indent=1)


def write_jsonl_atomic(path: Path, rows: list[dict]) -> None:
    atomic_write_jsonl(path, (_finite(row) for row in rows))


def _finite(value):
    """NaN is not JSON: write it as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def resolve_mode(mode: str, backend: Backend) -> str:
    if mode in ("instruct", "base"):
        return mode
    if mode != "auto":
        raise ValueError(f"--mode must be instruct, base or auto, not {mode!r}")
    has_template = backend.info.get("backend") == "openai" or backend.info.get("chat_template")
    return "instruct" if has_template else "base"


def _task_meta(task: Task) -> dict:
    digest = hashlib.sha256(Path(task.path).read_bytes()).hexdigest() if task.path else None
    return {"competency": task.competency, "metric": task.metric, "kind": task.kind,
            "baseline": task.random_baseline, "file": task.path, "sha256": digest}


def _load_languages(task: Task, config: RunConfig, mode: str, skipped: list[dict]) -> dict:
    """Items per language of one task; languages that cannot run are recorded with a reason."""
    loaded_by_lang = {}
    for lang in config.languages:
        if lang not in task.languages:
            skipped.append({"task": task.name, "lang": lang, "reason": "no prompt for language"})
            continue
        try:
            loaded = load_items(task, lang, config.data, config.limit,
                                fewshot_k=task.fewshot.get(mode, 0))
        except (TaskError, OSError, ValueError) as err:
            skipped.append({"task": task.name, "lang": lang, "reason": str(err)})
            continue
        if not loaded.items:
            skipped.append({"task": task.name, "lang": lang, "reason": "no items"})
            continue
        loaded_by_lang[lang] = loaded
    return loaded_by_lang


def _run_task(task: Task, loaded_by_lang: dict, ctx: Context, config: RunConfig, out: Path,
              results: dict, timings: dict) -> None:
    for lang, loaded in loaded_by_lang.items():
        t0 = time.perf_counter()
        per_seed = {seed: run_task_seed(task, loaded, seed, ctx) for seed in config.seeds}
        summary = task_summary(task, per_seed)
        summary["source"] = loaded.source
        if loaded.skipped:
            summary["skipped_records"] = loaded.skipped
        results.setdefault(lang, {}).setdefault(task.competency, {})[task.name] = summary
        rows = [{"seed": s, **r} for s, recs in per_seed.items() for r in recs]
        write_jsonl_atomic(out / "items" / task.name / f"{lang}.jsonl", rows)
        timings.setdefault(task.name, {})[lang] = round(time.perf_counter() - t0, 3)


def run_eval(backend: Backend, tasks: list[Task], out_dir: str | Path, config: RunConfig,
             judge: Backend | None = None, console: Console | None = None) -> dict:
    """Evaluate `backend` on `tasks`; write OUT/results.json and OUT/items/; return the results."""
    console = console or Console(stderr=True)
    out = Path(out_dir)
    cache = InferenceCache(config.cache or out / "cache.sqlite")
    mode = resolve_mode(config.mode, backend)
    ctx = Context(backend, cache, mode, config.choice_scoring, config.temperature, judge,
                  max_tokens=config.max_tokens)
    results: dict = {}
    skipped: list[dict] = []
    timings: dict = {}
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        for task in tasks:
            loaded_by_lang = _load_languages(task, config, mode, skipped)
            needs_ll = task.kind == "pairs" or (task.kind == "choice" and ctx.choice_scoring == "loglikelihood")
            if needs_ll and not backend.supports_loglikelihood:
                skipped += [{"task": task.name, "lang": lg, "reason": "backend has no log-likelihoods"}
                            for lg in loaded_by_lang]
                continue
            total = len(config.seeds) * sum(count_requests(task, len(ld.items), ctx)
                                            for ld in loaded_by_lang.values())
            bar = progress.add_task(task.name, total=total)
            ctx.on_done = lambda n, bar=bar: progress.advance(bar, n)
            _run_task(task, loaded_by_lang, ctx, config, out, results, timings)
            progress.update(bar, completed=total)
    report = {
        "seaforge_eval": RESULTS_VERSION,
        "label": config.label or backend.info.get("model"),
        "model": dict(backend.info),
        "judge": judge.info if judge else None,
        "config": {**config.__dict__, "mode": mode, "tasks": [t.name for t in tasks]},
        "results": results,
        "aggregate": aggregate(results),
        "tasks": {t.name: _task_meta(t) for t in tasks},
        "skipped": skipped,
        "cache": {"file": str(cache.path), "hits": cache.stats.hits, "misses": cache.stats.misses},
        "timings": {"total_s": round(time.perf_counter() - started, 3), "per_task_s": timings},
        "environment": {"seaforge": __version__, "python": platform.python_version()},
    }
    if hasattr(backend, "retries"):
        report["model"]["retries"] = backend.retries
    cache.close()
    write_json_atomic(out / RESULTS_FILE, report)
    return report


def load_results(path: str | Path) -> dict:
    """Read a results.json (or the folder holding one), with a clear error when it is not one."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no results file (run `seaforge eval run --out ...` first)") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON: {err}") from None
    if not isinstance(data, dict) or "results" not in data or "aggregate" not in data:
        raise ValueError(f"{path}: field `results`/`aggregate` missing; not a seaforge eval result")
    data["_path"] = str(path)
    return data
