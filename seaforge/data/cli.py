"""``seaforge data``: run a corpus recipe, report on it, generate demo corpora, inspect packed shards."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(
    help="Corpus curation: filter, dedup, decontaminate, mix, tokenise and pack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console()
errors = Console(stderr=True)  # warnings; errors are raised as UserError and printed by seaforge.cli


@app.command()
def run(
    recipe: Path = typer.Argument(..., help="Recipe YAML (see recipes/data/demo.yaml)."),
    set_fields: list[str] = typer.Option(
        None, "--set", metavar="FIELD=VALUE", help="Override a recipe field, e.g. --set executor.tasks=4 (repeatable)."
    ),
    keep_rejected: bool = typer.Option(False, "--keep-rejected", help="Write dropped documents to OUTPUT/rejected/."),
    executor: str = typer.Option(None, help="Same as --set executor.kind=...: local, slurm or ray."),
    tasks: int = typer.Option(
        None,
        help="Same as --set executor.tasks=N: input shards (part of the output's "
        "identity: a resumed run must use the same number).",
    ),
    workers: int = typer.Option(None, help="Same as --set executor.workers=N: processes at once (speed only)."),
    restart: bool = typer.Option(
        False,
        "--restart",
        help="Delete the run in OUTPUT and start over (refused unless OUTPUT holds a run's recipe.json or is empty).",
    ),
    verbose: bool = typer.Option(
        False, "--verbose", help="Show datatrove's logs instead of OUTPUT/logs/*/console.log."
    ),
) -> None:
    """Run RECIPE. Rerun the same command after a kill: finished work is skipped, output is identical."""
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    flags = {
        "keep_rejected": keep_rejected or None,
        "executor.kind": executor,
        "executor.tasks": tasks,
        "executor.workers": workers,
    }
    overrides = [*(set_fields or []), *(f"{key}={value}" for key, value in flags.items() if value is not None)]
    spec = load_recipe(recipe, overrides)
    start = time.time()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("checking the recipe", total=1)

        def on_stage(i: int, n: int, name: str) -> None:
            progress.update(bar, description=f"stage {name}", completed=i, total=n)

        summary = run_recipe(spec, on_stage=on_stage, quiet=not verbose, restart=restart)
    if "submitted" in summary:
        console.print(f"submitted to Slurm: {', '.join(summary['submitted'])}")
        return
    eval_skipped = summary.get("decontam_skipped") or {}
    if sum(eval_skipped.values()):
        detail = ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in sorted(eval_skipped.items()))
        examples = ", ".join(summary.get("decontam_skipped_examples", [])[:2])
        errors.print(
            f"warning: {sum(eval_skipped.values())} evaluation texts not indexed for decontamination "
            f"({detail}; e.g. {examples}); counted in {spec.output}/summary.json",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
    for name, figures in (summary.get("decontamination") or {}).items():
        verb = "flagged" if "flagged" in figures else "removed"
        count = figures.get(verb, 0)
        console.print(
            f"decontamination: {name} {figures['ngrams']:,} n-grams, {verb} {count:,} document{'s' * (count != 1)}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
    for bad in summary.get("bad_files", []):
        errors.print(
            f"warning: {bad['file']}: {bad['reason'].replace('_', ' ')}; kept the records before the damage",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
    skipped = int(sum(summary.get("skipped_input", {}).values()))
    console.print(
        f"done in {time.time() - start:.1f}s: {spec.output} "
        f"({int(summary['documents_read'])} documents read, {skipped} malformed skipped; "
        f"see {spec.output}/logs/curate/logs for file and line)"
    )
    console.print(f"next: seaforge data report {spec.output}")


@app.command()
def report(
    output: Path = typer.Argument(..., help="A run's OUTPUT directory."),
    html: Path = typer.Option(None, help="Where to write the HTML page (default OUTPUT/report.html)."),
) -> None:
    """Per-language documents, tokens, drop reasons, dedup rates and mixture; writes an HTML page."""
    from seaforge.data.report import load_summary, print_report, write_html

    summary = load_summary(output)
    print_report(summary, console)
    page = write_html(summary, html or output / "report.html")
    console.print(f"HTML report: {page}")


@app.command()
def generate(
    output: Path = typer.Argument(..., help="Folder for the JSONL.gz shards."),
    docs: int = typer.Option(10_000, min=1, help="Number of documents."),
    shards: int = typer.Option(4, help="Number of files."),
    seed: int = typer.Option(0, help="Random seed (same seed, same corpus)."),
    malformed: bool = typer.Option(False, help="Also add malformed records (bad JSON, bad UTF-8, ...)."),
) -> None:
    """Write a synthetic multilingual web-like corpus (boilerplate, duplicates, near-duplicates, PII, spam)."""
    from seaforge.data.synthetic import write_corpus

    paths = write_corpus(output, docs, shards=shards, seed=seed, malformed=malformed)
    console.print(f"wrote {docs} documents to {len(paths)} files in {output}")


@app.command()
def packed(
    path: Path = typer.Argument(..., help="A packed dataset directory (index.json + shards)."),
    verify: bool = typer.Option(False, help="Also check every shard's sha256."),
) -> None:
    """Validate a packed dataset and show its sequences and tokens per language."""
    from rich.table import Table

    from seaforge.data.packing import read_packed

    index = read_packed(path, verify=verify)
    console.print(f"{path}")
    table = Table(title=f"seq_len {index.seq_len}, eos {index.eos_id}, tokenizer {index.tokenizer}")
    for col in ("lang", "shards", "sequences", "tokens", "mixture target"):
        table.add_column(col, justify="left" if col == "lang" else "right")
    for lang in index.langs():
        shards = [s for s in index.shards if s.lang == lang]
        target = (index.mixture or {}).get(lang)
        table.add_row(
            lang,
            str(len(shards)),
            str(sum(s.sequences for s in shards)),
            f"{sum(s.tokens for s in shards):,}",
            "-" if target is None else f"{100 * target:.1f}%",
        )
    console.print(table)
