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
from seaforge.errors import UserError
from seaforge.eval.asr import load_asr_items, run_asr_task
from seaforge.eval.backends import Backend
from seaforge.eval.cache import InferenceCache
from seaforge.eval.evaluate import (
    Context,
    check_gen_kwargs,
    choice_scoring,
    count_requests,
    norm_summary,
    run_task_seed,
)
from seaforge.eval.evaluate import fewshot_k as context_k
from seaforge.eval.items import DataError, DataSpec, Loaded, load_items, parse_data, read_jsonl
from seaforge.eval.prompts import render_input
from seaforge.eval.scores import aggregate, task_summary
from seaforge.eval.seahelm import (
    CHAT_ONLY_NOTE,
    DEFAULT_PROTOCOL,
    Selection,
    for_protocol,
    get_protocol,
    metric_notes,
    write_seahelm_results,
)
from seaforge.eval.tasks import DEFAULT_LANGUAGES, Task, TaskError
from seaforge.io import atomic_write_json, atomic_write_jsonl, check_writable
from seaforge.text.languages import resolve as resolve_language

RESULTS_FILE = "results.json"
RESULTS_VERSION = 1


MODES = ("instruct", "base", "auto")
CHOICE_SCORING = ("generate", "loglikelihood", "cloze")


@dataclass
class RunConfig:
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    mode: str = "auto"  # instruct | base | auto (instruct when the model has a chat template)
    seeds: list[int] = field(default_factory=lambda: [0])
    # samples | hf | a JSONL/CSV file or folder | TASK=PATH | TASK:LANG=PATH | a data YAML (a list: several)
    data: str | list[str] = "samples"
    protocol: str = DEFAULT_PROTOCOL  # seahelm (SEA-HELM's task lists and scoring) | seaforge (earlier rules)
    limit: int | None = None
    temperature: float = 0.0
    choice_scoring: str = "generate"  # generate | loglikelihood
    cache: str | None = None  # defaults to OUT/cache.sqlite
    max_tokens: int | None = None  # cap on every task's generation length
    label: str | None = None  # the run's name on leaderboards
    fewshot_data: str | None = None  # few-shot examples for a local --data file (never its items)
    num_fewshot: int | None = None  # k for every task (--num-fewshot); None: each task's own
    fewshot_file: str | None = None  # one JSONL of examples for every task and language, any --data
    system_instruction: str | None = None  # system turn (instruct) or first paragraph (base prompts)
    gen_kwargs: dict = field(default_factory=dict)  # checked by evaluate.check_gen_kwargs


@dataclass
class Plan:
    """Everything a run reads, loaded and checked before any model is."""

    tasks: list[Task]  # as the protocol scores them (see seahelm.for_protocol)
    loaded: dict[str, dict[str, Loaded]]  # task name -> language -> items
    skipped: list[dict]  # task/language pairs that cannot run, with the reason


def write_json_atomic(path: Path, data) -> None:
    atomic_write_json(path, _finite(data), indent=1)


def write_jsonl_atomic(path: Path, rows: list[dict]) -> None:
    atomic_write_jsonl(path, (_finite(row) for row in rows))


def _finite(value):
    """NaN is not JSON: write it as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def resolve_mode(mode: str, backend: Backend) -> str:
    if mode in ("instruct", "base"):
        return mode
    if mode != "auto":
        raise UserError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    has_template = backend.info.get("backend") == "openai" or backend.info.get("chat_template")
    return "instruct" if has_template else "base"


def task_meta(task: Task) -> dict:
    digest = hashlib.sha256(Path(task.path).read_bytes()).hexdigest() if task.path else None
    return {
        "competency": task.competency,
        "metric": task.metric,
        "aggregation_group": task.aggregation_group,
        "kind": task.kind,
        "baseline": task.random_baseline,
        "max_score": task.max_score,
        "labels": task.labels,
        "file": task.path,
        "sha256": digest,
    }


def check_config(config: RunConfig) -> RunConfig:
    """Options and files checked before anything loads; languages become seaforge's codes."""
    if config.mode not in MODES:
        raise UserError(f"--mode must be one of {', '.join(MODES)}, not {config.mode!r}")
    if config.choice_scoring not in CHOICE_SCORING:
        raise UserError(f"--choice-scoring must be one of {', '.join(CHOICE_SCORING)}, not {config.choice_scoring!r}")
    if not config.seeds:
        raise UserError("--seeds: give at least one seed, e.g. 0 or 0,1,2")
    if config.limit is not None and config.limit < 1:
        raise UserError(f"--limit must be at least 1, not {config.limit}")
    if config.max_tokens is not None and config.max_tokens < 1:
        raise UserError(f"--max-tokens must be at least 1, not {config.max_tokens}")
    if not config.languages:
        raise UserError("--languages: give at least one language code, e.g. id,th")
    config.languages = list(dict.fromkeys(resolve_language(code) for code in config.languages))
    get_protocol(config.protocol)
    data = parse_data(config.data, config.languages)
    if config.num_fewshot is not None and (isinstance(config.num_fewshot, bool) or config.num_fewshot < 0):
        raise UserError(f"--num-fewshot must be 0 or more, not {config.num_fewshot}")
    if config.fewshot_file is not None and not Path(config.fewshot_file).is_file():
        raise UserError(f"--fewshot-file {config.fewshot_file}: no such file")
    if config.system_instruction is not None and not config.system_instruction.strip():
        raise UserError("--system-instruction is empty; leave it out for none")
    config.gen_kwargs = check_gen_kwargs(config.gen_kwargs)
    if config.fewshot_data is not None:
        if data.default in ("samples", "hf") and not data.tasks:
            raise UserError(f"--fewshot-data goes with a local --data file or folder, not --data {data.default}")
        if not Path(config.fewshot_data).exists():
            raise UserError(f"--fewshot-data {config.fewshot_data}: no such file or folder")
    return config


def _fewshot_k(task: Task, mode: str, num_fewshot: int | None = None) -> int:
    """Examples to load: for `auto` the larger count, since the mode is known only with the model."""
    if num_fewshot is not None:
        return num_fewshot
    if mode == "auto":
        return max(task.fewshot.get("instruct", 0), task.fewshot.get("base", 0))
    return task.fewshot.get(mode, 0)


def _fewshot_from_file(items: Loaded, task: Task, lang: str, config: RunConfig) -> None:
    """--fewshot-file: the examples of `lang` in that file (records without a language field
    belong to the run's language when it runs only one)."""
    path = Path(config.fewshot_file)
    single = config.languages[0] if len(config.languages) == 1 else None
    try:
        items.fewshot, _ = read_jsonl(path, task, lang, strict=False, file_lang=single)
    except DataError:
        raise UserError(
            f"--fewshot-file {path}: its records have no language field (`lang`); add one, or run one --languages"
        ) from None
    items.fewshot_source = str(path)
    items.fewshot_missing = "" if items.fewshot else f"no few-shot examples for {lang!r} in {path}"


def _languages(task: Task, config: RunConfig, data: DataSpec, selection: Selection | None) -> list[str]:
    """The asked languages this task runs in: those its suite lists it for, and those its data names."""
    langs = list(config.languages)
    if selection is not None and task.name in selection.languages:
        langs = [lang for lang in langs if lang in selection.languages[task.name]]
    named = data.languages(task)
    if named is not None:
        langs = [lang for lang in langs if lang in named]
    return langs


def prepare_run(
    tasks: list[Task],
    config: RunConfig,
    out_dir: str | Path | None = None,
    judge: bool = False,
    selection: Selection | None = None,
) -> Plan:
    """Check the options, the output folder and every data file, and load the items: all before
    the model, so a mistake costs seconds. A UserError when nothing at all could be evaluated.

    `selection` (from seahelm.select_suite) limits suite tasks to SEA-HELM's languages for them."""
    check_config(config)
    protocol = get_protocol(config.protocol)
    data = parse_data(config.data, config.languages)
    if out_dir is not None:
        check_writable(out_dir)
    if config.cache:
        check_writable(config.cache)
    tasks = [for_protocol(task, protocol) for task in tasks]
    known = {name for task in tasks for name in (task.name, *task.aliases)}
    for name in data.tasks:
        if name not in known:
            raise DataError(
                f"--data {name}=...: task {name!r} is not among the tasks to run ({', '.join(t.name for t in tasks)})"
            )
    loaded: dict[str, dict[str, Loaded]] = {}
    skipped: list[dict] = [
        entry for entry in (selection.unavailable if selection else []) if entry["lang"] in config.languages
    ]
    for task in tasks:
        langs = _languages(task, config, data, selection)
        if data.sources(task) is not None and not langs:
            raise DataError(
                f"--data names {task.name} only for {', '.join(sorted(data.languages(task) or []))}, "
                f"none of which is among --languages {','.join(config.languages)}"
            )
        if protocol.skip_chat_only_on_base and task.chat_only and config.mode == "base":
            skipped += [{"task": task.name, "lang": lang, "reason": CHAT_ONLY_NOTE} for lang in langs]
            continue
        task_skips = len(skipped)
        for lang in langs:
            if lang not in task.languages and task.kind != "asr":  # asr has no prompts: any language
                skipped.append({"task": task.name, "lang": lang, "reason": "no prompt for language"})
                continue
            try:
                if task.kind == "asr":  # audio and transcripts, no prompt: seaforge/eval/asr.py
                    items = load_asr_items(task, lang, data, config.limit)
                else:
                    k = _fewshot_k(task, config.mode, config.num_fewshot)
                    items = load_items(task, lang, data, config.limit, k, config.fewshot_data)
                    if config.fewshot_file and k:  # --fewshot-file replaces whatever the data source has
                        _fewshot_from_file(items, task, lang, config)
            except TaskError as err:
                skipped.append({"task": task.name, "lang": lang, "reason": str(err)})
                continue
            if not items.items:
                skipped.append({"task": task.name, "lang": lang, "reason": f"no items in {items.source}"})
                continue
            for item in items.items + items.fewshot:  # a field the prompt needs is missing: say so now
                if task.kind != "asr":
                    render_input(task, task.languages[lang], item)
            loaded.setdefault(task.name, {})[lang] = items
        if data.sources(task) is not None and task.name not in loaded:
            # A file or folder named for this task read nothing usable: a mistake, not a skip.
            raise DataError(f"--data for {task.name} read no items: " + _reasons(skipped[task_skips:]))
    if not loaded and not skipped:
        hint = (
            " (SEA-HELM's task lists name none there: name tasks with --tasks, or use --protocol seaforge)"
            if selection is not None and selection.languages
            else ""
        )
        raise UserError(f"nothing to evaluate: none of the chosen tasks runs in {', '.join(config.languages)}{hint}")
    if not loaded:
        raise UserError("nothing to evaluate: " + _reasons(skipped))
    scorable = [task for task in tasks if task.name in loaded and (task.kind != "chat" or judge)]
    if not scorable:
        raise UserError(f"nothing can be scored: {', '.join(loaded)} need(s) a judge (--judge-model)")
    return Plan(tasks, loaded, skipped)


def _reasons(skipped: list[dict], shown: int = 4) -> str:
    lines = [f"{entry['task']}/{entry['lang']}: {entry['reason']}" for entry in skipped[:shown]]
    more = f"; and {len(skipped) - shown} more" if len(skipped) > shown else ""
    return "; ".join(lines) + more


def _run_task(
    task: Task,
    loaded_by_lang: dict[str, Loaded],
    ctx: Context,
    config: RunConfig,
    out: Path,
    results: dict,
    timings: dict,
    console: Console,
) -> int:
    """Run one task in every language; returns how many item records got a score."""
    scored = 0
    k = context_k(task, ctx)
    for lang, loaded in loaded_by_lang.items():
        started = time.perf_counter()
        if k and not loaded.fewshot:
            console.print(
                f"[yellow]{task.name}/{lang}: {loaded.fewshot_missing or 'no few-shot examples'}; "
                "running zero-shot[/yellow]"
            )
        dropped_before, truncated_before = ctx.fewshot_dropped, ctx.truncated
        per_seed = {seed: run_task_seed(task, loaded, seed, ctx) for seed in config.seeds}
        summary = task_summary(task, per_seed, clip=get_protocol(config.protocol).clip)
        summary.update(norm_summary(per_seed))  # cloze scoring: acc_norm beside accuracy
        summary["source"] = loaded.source
        summary["fewshot"] = {"k": min(k, len(loaded.fewshot)), "source": loaded.fewshot_source if k else None}
        if k and not loaded.fewshot:
            summary["fewshot"]["note"] = f"{loaded.fewshot_missing or 'no few-shot examples'}; ran zero-shot"
        if ctx.fewshot_dropped > dropped_before:
            summary["prompts_fewshot_dropped"] = ctx.fewshot_dropped - dropped_before
        if ctx.truncated > truncated_before:
            summary["prompts_truncated_left"] = ctx.truncated - truncated_before
        if loaded.skipped:
            summary["skipped_records"] = loaded.skipped
        results.setdefault(lang, {}).setdefault(task.competency, {})[task.name] = summary
        rows = [{"seed": seed, **record} for seed, records in per_seed.items() for record in records]
        scored += sum(record.get("score") is not None for record in rows)
        write_jsonl_atomic(out / "items" / task.name / f"{lang}.jsonl", rows)
        timings.setdefault(task.name, {})[lang] = round(time.perf_counter() - started, 3)
    return scored


def run_eval(
    backend: Backend,
    tasks: list[Task],
    out_dir: str | Path,
    config: RunConfig,
    judge: Backend | None = None,
    console: Console | None = None,
    plan: Plan | None = None,
) -> dict:
    """Evaluate `backend` on `tasks`; write OUT/results.json and OUT/items/; return the results.

    `plan` is what `prepare_run` loaded before the model; without one it is made here.
    """
    console = console or Console(stderr=True)
    out = Path(out_dir)
    plan = plan or prepare_run(tasks, config, out, judge=judge is not None)
    mode = resolve_mode(config.mode, backend)
    cache = InferenceCache(config.cache or out / "cache.sqlite")
    gen = config.gen_kwargs
    ctx = Context(
        backend,
        cache,
        mode,
        config.choice_scoring,
        gen.get("temperature", config.temperature),
        judge,
        max_tokens=config.max_tokens,
        num_fewshot=config.num_fewshot,
        system_instruction=config.system_instruction,
        gen_kwargs=gen,
    )
    results: dict = {}
    skipped: list[dict] = list(plan.skipped)
    timings: dict = {}
    scored = 0
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    protocol = get_protocol(config.protocol)
    chat_only_skipped = []
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            for task in plan.tasks:
                loaded_by_lang = plan.loaded.get(task.name, {})
                if protocol.skip_chat_only_on_base and task.chat_only and mode == "base" and loaded_by_lang:
                    # Known only now for --mode auto: the model turned out to have no chat template.
                    skipped += [{"task": task.name, "lang": lang, "reason": CHAT_ONLY_NOTE} for lang in loaded_by_lang]
                    chat_only_skipped.append(task.name)
                    continue
                needs_ll = task.kind == "pairs" or (
                    task.kind == "choice" and choice_scoring(task, ctx) in ("loglikelihood", "cloze")
                )
                if needs_ll and not backend.supports_loglikelihood:
                    skipped += [
                        {"task": task.name, "lang": lang, "reason": "backend has no log-likelihoods"}
                        for lang in loaded_by_lang
                    ]
                    continue
                if not loaded_by_lang:
                    continue
                if task.kind == "asr":  # the backend is a speech model (asr.SpeechBackend)
                    bar = progress.add_task(task.name, total=sum(len(x.items) for x in loaded_by_lang.values()))
                    ctx.on_done = lambda n, bar=bar: progress.advance(bar, n)
                    seeds, clip = config.seeds, protocol.clip
                    scored += run_asr_task(
                        task, loaded_by_lang, backend, cache, seeds, out, results, timings, clip, ctx.on_done
                    )
                    continue
                total = len(config.seeds) * sum(
                    count_requests(task, len(loaded.items), ctx) for loaded in loaded_by_lang.values()
                )
                bar = progress.add_task(task.name, total=total)
                ctx.on_done = lambda n, bar=bar: progress.advance(bar, n)
                scored += _run_task(task, loaded_by_lang, ctx, config, out, results, timings, console)
                progress.update(bar, completed=total)
    finally:
        cache.close()
    if chat_only_skipped:
        console.print(f"[yellow]skipped {', '.join(chat_only_skipped)} for this base model: {CHAT_ONLY_NOTE}[/yellow]")
    if not scored:
        unscored = [
            task.name
            for task in plan.tasks
            if task.kind == "chat" and task.name in plan.loaded and task.name not in chat_only_skipped
        ]
        hint = f"; {', '.join(unscored)} need(s) a judge (--judge-model)" if unscored and judge is None else ""
        raise UserError(
            f"no item was scored, so no results were written{hint}"
            + (f"; skipped: {_reasons(skipped)}" if skipped else "")
        )
    report = {
        "seaforge_eval": RESULTS_VERSION,
        "label": config.label or backend.info.get("model"),
        "model": dict(backend.info),
        "judge": judge.info if judge else None,
        "config": {**config.__dict__, "mode": mode, "tasks": [task.name for task in plan.tasks]},
        "protocol": dict(protocol.__dict__),
        "results": results,
        "aggregate": aggregate(
            results,
            {task.name: task.aggregation_group for task in plan.tasks if task.aggregation_group}
            if protocol.groups
            else None,
        ),
        "tasks": {task.name: task_meta(task) for task in plan.tasks},
        "metric_notes": metric_notes(task for task in plan.tasks if task.name in plan.loaded),
        "skipped": skipped,
        # Long prompts: how many lost few-shot examples, and how many were still cut from the left.
        "prompts": {"fewshot_dropped": ctx.fewshot_dropped, "truncated_left": ctx.truncated},
        # hits: answers read back from the cache (same weights, tokenizer, template and request).
        "cache": {
            "file": str(cache.path),
            "hits": cache.stats.hits,
            "misses": cache.stats.misses,
            "model_fingerprint": backend.info.get("fingerprint"),
        },
        "timings": {"total_s": round(time.perf_counter() - started, 3), "per_task_s": timings},
        "environment": {"seaforge": __version__, "python": platform.python_version()},
    }
    if hasattr(backend, "retries"):
        report["model"]["retries"] = backend.retries
    write_json_atomic(out / RESULTS_FILE, report)
    write_seahelm_results(report, out)  # the same scores in SEA-HELM's layout, for its tooling
    return report


def load_results(path: str | Path) -> dict:
    """Read a results.json (or the folder holding one), with a clear error when it is not one."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise UserError(f"{path}: no results file (run `seaforge eval run --out ...` first)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not valid JSON: {err}") from None
    if not isinstance(data, dict) or "results" not in data or "aggregate" not in data:
        raise UserError(f"{path}: field `results`/`aggregate` missing; not a seaforge eval result")
    data["_path"] = str(path)
    return data
