"""`seaforge eval ...`: run a suite, list tasks, render a leaderboard, compare two runs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from seaforge.errors import UserError
from seaforge.eval.tasks import DEFAULT_LANGUAGES

app = typer.Typer(
    help="SEA-HELM style holistic evaluation of local models and endpoints.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True, emoji=False)


def _ints(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--seeds must be a comma list of integers, not {text!r}") from None


@app.command()
def run(
    model: str = typer.Option(
        ...,
        help="Registered name (gemma3-270m), hub id, local folder, .gguf file, "
        "`tiny:<arch>` (offline random model) or the served model name "
        "for --backend openai; for --tasks asr a speech model (whisper-base).",
    ),
    tasks: str = typer.Option(
        None,
        help="Comma list: suite (seahelm = SEA-HELM's task list per language, seahelm_logprobs), task "
        "names, groups (thai_exam), competencies or task YAML paths. Default: the tasks --data names, "
        "else seahelm.",
    ),
    out: Path = typer.Option(..., help="Output folder: results.json, items/, cache.sqlite."),
    backend: str = typer.Option("hf", help="hf | openai | vllm"),
    languages: str = typer.Option(",".join(DEFAULT_LANGUAGES), help="Comma list of language codes."),
    mode: str = typer.Option("auto", help="instruct (zero-shot chat) | base (k-shot) | auto"),
    seeds: str = typer.Option("0", help="Comma list of seeds (few-shot choice, sampling)."),
    data: list[str] = typer.Option(
        None,
        help="samples (default) | hf | a JSONL/CSV file or a folder of <task>.jsonl for every task | "
        "TASK=PATH or TASK:LANG=PATH (a file or folder; repeatable) | a data YAML mapping tasks and "
        "languages to files. A file without a language field needs TASK:LANG=PATH.",
    ),
    protocol: str = typer.Option(
        "seahelm",
        help="seahelm: SEA-HELM's task lists, balanced accuracy, clipped normalization, translation "
        "directions averaged, seahelm_results.json | seaforge: the earlier rules.",
    ),
    fewshot_data: str = typer.Option(
        None,
        help="Few-shot examples for a local --data file (a JSONL, or a "
        "folder of <task>_examples.jsonl). Default: a sibling "
        "<name>_examples.jsonl; none: zero-shot.",
    ),
    limit: int = typer.Option(None, help="At most this many items per task and language."),
    temperature: float = typer.Option(0.0, help="0 = greedy."),
    max_tokens: int = typer.Option(None, help="Cap every task's generation length (quick demos)."),
    choice_scoring: str = typer.Option(
        "generate",
        help="generate | loglikelihood (the option letters) | cloze (each option's text, with acc_norm).",
    ),
    num_fewshot: int = typer.Option(None, help="Few-shot examples per prompt for every task (default: each task's)."),
    fewshot_file: str = typer.Option(
        None, help="JSONL of few-shot examples for every task and language (any --data); never test items."
    ),
    system_instruction: str = typer.Option(
        None, help="System turn for instruct prompts; first paragraph of base prompts."
    ),
    gen_kwargs: str = typer.Option(
        None,
        help="Generation settings, e.g. temperature=0.7,top_p=0.9,max_new_tokens=64,stop=\\n\\n "
        "(stop may repeat; they override --temperature).",
    ),
    batch_size: int = typer.Option(16, help="hf backend batch size."),
    base_url: str = typer.Option(None, help="openai backend: e.g. http://127.0.0.1:8000/v1"),
    api_key_env: str = typer.Option("OPENAI_API_KEY", help="Env variable holding the API key."),
    concurrency: int = typer.Option(8, help="openai backend: requests in flight."),
    judge_model: str = typer.Option(None, help="Judge for multi-turn chat (same flags as model)."),
    judge_backend: str = typer.Option("openai", help="Judge backend: hf | openai | vllm"),
    judge_base_url: str = typer.Option(None, help="Judge endpoint for the openai judge backend."),
    cache: Path = typer.Option(None, help="Inference cache file (default OUT/cache.sqlite)."),
    label: str = typer.Option(None, help="Name of this run on leaderboards (default: the model)."),
) -> None:
    """Evaluate a model or endpoint; resumable, every inference cached."""
    from seaforge.eval.backends import make_backend
    from seaforge.eval.evaluate import parse_gen_kwargs
    from seaforge.eval.items import parse_data
    from seaforge.eval.runner import RunConfig, prepare_run, run_eval
    from seaforge.eval.seahelm import select_suite

    # Everything is checked and every data file read before a model loads: mistakes cost seconds.
    data = list(data or ["samples"])
    if tasks is None:  # the tasks --data names, else SEA-HELM's list
        tasks = ",".join(parse_data(data).tasks) or "seahelm"
    selection = select_suite(tasks, protocol)
    chosen = selection.tasks
    config = RunConfig(
        languages=[code.strip() for code in languages.split(",") if code.strip()],
        mode=mode,
        seeds=_ints(seeds),
        data=data[0] if len(data) == 1 else data,
        protocol=protocol,
        limit=limit,
        temperature=temperature,
        choice_scoring=choice_scoring,
        cache=str(cache) if cache else None,
        max_tokens=max_tokens,
        label=label,
        fewshot_data=fewshot_data,
        num_fewshot=num_fewshot,
        fewshot_file=fewshot_file,
        system_instruction=system_instruction,
        gen_kwargs=parse_gen_kwargs(gen_kwargs),
    )
    speech = [task.name for task in chosen if task.kind == "asr"]
    if speech and len(speech) < len(chosen):  # one --model per run: a speech model or a language model
        raise UserError(
            f"{', '.join(speech)} scores a speech model; run it on its own (--tasks asr --model whisper-base) "
            "and put both runs on one leaderboard with `seaforge eval report`"
        )
    plan = prepare_run(chosen, config, out, judge=judge_model is not None, selection=selection)
    if speech:
        from seaforge.eval.asr import SpeechBackend

        language_model = SpeechBackend(model)
    else:
        language_model = make_backend(
            backend, model, batch_size=batch_size, base_url=base_url, api_key_env=api_key_env, concurrency=concurrency
        )
    judge = (
        make_backend(
            judge_backend, judge_model, base_url=judge_base_url, api_key_env=api_key_env, concurrency=concurrency
        )
        if judge_model
        else None
    )
    report = run_eval(language_model, chosen, out, config, judge=judge, console=console, plan=plan)
    _print_summary(report)
    if any(meta.get("metric") == "chrf_pp" for meta in report["tasks"].values()):
        console.print("translation scored with chrF++ (MetricX-24, SEA-HELM's metric, needs its GPU model)")
    console.print(f"SEA-HELM's layout of the scores: {out / 'seahelm_results.json'}")
    prompts = report["prompts"]
    if prompts["fewshot_dropped"] or prompts["truncated_left"]:
        console.print(
            f"[yellow]long prompts: {prompts['fewshot_dropped']} lost few-shot examples, "
            f"{prompts['truncated_left']} were cut from the left to fit the model[/yellow]"
        )
    cached = report["cache"]
    console.print(
        f"wrote {out / 'results.json'} ({cached['hits']} answers from the cache, {cached['misses']} computed; "
        f"{report['timings']['total_s']:.1f}s)"
    )


def _print_summary(report: dict) -> None:
    from seaforge.eval.report import fmt

    averages = report["aggregate"]
    table = Table(title=f"{report['label']}: SEA average {fmt(averages['sea_average'])}")
    table.add_column("language")
    competencies = sorted({name for entry in averages["languages"].values() for name in entry["competencies"]})
    for competency in competencies:
        table.add_column(competency, justify="right")
    table.add_column("average", justify="right")
    for lang, entry in averages["languages"].items():
        table.add_row(lang, *[fmt(entry["competencies"].get(name)) for name in competencies], fmt(entry))
    Console(emoji=False).print(table)
    if report["skipped"]:
        console.print(
            f"[yellow]{len(report['skipped'])} task/language pairs skipped[/yellow] (see `skipped` in results.json)"
        )


@app.command("tasks")
def list_tasks() -> None:
    """List the bundled tasks with their competency, metric and languages."""
    from seaforge.eval.tasks import bundled_tasks

    table = Table(title="seaforge eval tasks")
    for col in ("task", "competency", "metric", "languages", "hub dataset"):
        table.add_column(col)
    for task in bundled_tasks().values():
        table.add_row(task.name, task.competency, task.metric, " ".join(task.languages), task.source.hf or "-")
    Console(emoji=False).print(table)


@app.command()
def report(
    runs: list[Path] = typer.Argument(..., help="Result folders or results.json files."),
    out: Path = typer.Option(Path("leaderboard"), help="Folder for leaderboard.md and .html."),
) -> None:
    """Render a leaderboard of several runs as Markdown and an HTML page with charts."""
    from seaforge.eval.report import write_report
    from seaforge.eval.runner import load_results
    from seaforge.io import check_writable

    loaded = [load_results(path) for path in runs]
    check_writable(out)
    md_path, html_path = write_report(loaded, out)
    typer.echo(md_path.read_text(encoding="utf-8"))
    console.print(f"wrote {md_path} and {html_path}")


@app.command()
def compare(
    a: Path = typer.Argument(..., help="Baseline run (folder or results.json)."),
    b: Path = typer.Argument(..., help="Candidate run."),
    rounds: int = typer.Option(2000, help="Paired bootstrap rounds."),
) -> None:
    """Per-task differences B - A with paired-bootstrap significance."""
    from seaforge.eval.compare import compare_runs, render_comparison
    from seaforge.eval.runner import load_results

    if rounds < 100:
        raise UserError(f"--rounds must be at least 100, not {rounds}")
    rows = compare_runs(load_results(a), load_results(b), rounds=rounds)
    Console(emoji=False).print(render_comparison(rows))
