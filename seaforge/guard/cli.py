"""``seaforge guard``: check texts, train the fast classifier, evaluate on labelled data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from seaforge.guard.policy import GuardError

app = typer.Typer(no_args_is_help=True, help="Southeast Asian safety moderation.")

POLICY_HELP = "Country policy: default, sg, my, id, th, ph, vn, or a YAML file."
CLASSIFIER_HELP = "Trained classifier from `seaforge guard train` (default: the shipped one); 'none' for phrases only."


def _guard(policy: str, classifier: str | None, rules: list[Path], generative: str | None, fmt: str,
           base_url: str | None, unsure: str):  # fmt: skip
    from seaforge.guard.cascade import Guard

    gen = None
    if generative:
        from seaforge.guard.generative import GenerativeGuard

        gen = GenerativeGuard(generative, fmt, base_url=base_url)
    try:
        low, high = (float(x) for x in unsure.split(","))
    except ValueError:
        raise GuardError(f"--unsure {unsure!r}: give two numbers, low,high (e.g. 0.3,0.7)") from None
    chosen = "default" if classifier is None else (None if classifier == "none" else classifier)
    return Guard(policy, classifier=chosen, rules=rules, generative=gen, unsure=(low, high))


# Options shared by `check` and `eval` (typer lets one Option object serve several commands).
POLICY = typer.Option("default", "--policy", help=POLICY_HELP)
CLASSIFIER = typer.Option(None, "--classifier", help=CLASSIFIER_HELP)
RULES = typer.Option([], "--rules", help="Extra hard-block rules (YAML), on top of the bundled ones.")
GENERATIVE = typer.Option(None, "--generative", help="Generative guard model (local, or remote with --base-url).")
FORMAT = typer.Option("llama-guard-3", "--format", help="Its prompt format: sea-guard, llama-guard-3/4, shieldgemma.")
BASE_URL = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint of the generative guard.")
UNSURE = typer.Option("0.3,0.7", "--unsure", help="Fast scores in [low,high) go to the generative guard.")


@app.command("check")
def check(
    text: str = typer.Argument(None, help="Text to judge (omit with --jsonl)."),
    response: str = typer.Option(None, "--response", help="Judge this response to TEXT instead of TEXT itself."),
    jsonl: bool = typer.Option(
        False, "--jsonl", help="Read JSONL from stdin ({text, response?, lang?}); write it back with verdicts."
    ),
    policy: str = POLICY,
    classifier: str = CLASSIFIER,
    rules: list[Path] = RULES,
    generative: str = GENERATIVE,
    fmt: str = FORMAT,
    base_url: str = BASE_URL,
    unsure: str = UNSURE,
) -> None:
    """Judge a prompt (or a response to it): unsafe, score, categories with severity, policy, stage."""
    guard = _guard(policy, classifier, rules, generative, fmt, base_url, unsure)
    if not jsonl:
        if text is None:
            raise GuardError("give a TEXT to check, or --jsonl to read JSONL from stdin")
        typer.echo(json.dumps(guard.check(text, response).as_json(), ensure_ascii=False))
        return
    skipped = 0
    for number, line in enumerate(sys.stdin.buffer, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError("a JSON object with a string field 'text' is needed")
            if record.get("response") is not None and not isinstance(record["response"], str):
                raise ValueError("field 'response' must be a string")
        except (UnicodeDecodeError, ValueError) as err:
            skipped += 1
            print(f"stdin:{number}: skipped: {err}", file=sys.stderr)
            continue
        record.update(guard.check(record["text"], record.get("response")).as_json())
        typer.echo(json.dumps(record, ensure_ascii=False))
    if skipped:
        print(f"{skipped} line(s) skipped", file=sys.stderr)


@app.command("train")
def train_command(
    data: list[Path] = typer.Argument(..., help="Labelled JSONL ({text, response?, lang, unsafe, categories})."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the classifier."),
    with_seed: bool = typer.Option(True, "--with-seed/--no-seed", help="Also train on the bundled seed."),
) -> None:
    """Train the fast classifier on your labelled data (and, by default, the bundled seed)."""
    from seaforge.guard.learned import seed_files, train
    from seaforge.guard.records import read_records

    console = Console(stderr=True)
    report = read_records([*data, *(seed_files() if with_seed else [])])
    for problem in report.skipped[:10]:
        console.print(f"[yellow]skipped[/] {problem}")
    if report.skipped:
        console.print(f"{len(report.skipped)} record(s) skipped")
    with console.status(f"training on {len(report.records)} records ..."):
        classifier = train(report.records)
    classifier.save(out)
    console.print(f"wrote {out}: {classifier.trained_on}")


@app.command("eval")
def eval_command(
    data: list[Path] = typer.Argument(..., help="Labelled JSONL: ours or SEA-SafeguardBench-style records."),
    json_out: Path = typer.Option(None, "--json", help="Also write the whole report as JSON."),
    policy: str = POLICY,
    classifier: str = CLASSIFIER,
    rules: list[Path] = RULES,
    generative: str = GENERATIVE,
    fmt: str = FORMAT,
    base_url: str = BASE_URL,
    unsure: str = UNSURE,
) -> None:
    """AUPRC, F1 and false-positive rate per language, mix and category, with confusion counts."""
    from rich.progress import Progress

    from seaforge.guard.evaluate import evaluate, render
    from seaforge.guard.records import read_records
    from seaforge.io import atomic_write_text

    console = Console(width=None if sys.stdout.isatty() else 130)  # a file or pipe gets the whole table
    report = read_records(data)
    for problem in report.skipped[:10]:
        Console(stderr=True).print(f"[yellow]skipped[/] {problem}")
    if not report.records:
        raise GuardError(f"no usable records in {', '.join(map(str, data))}")
    guard = _guard(policy, classifier, rules, generative, fmt, base_url, unsure)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("judging", total=len(report.records))
        result = evaluate(report.records, guard, progress=lambda: progress.advance(task))
    result["skipped"] = len(report.skipped)
    render(result, console)
    if json_out:
        atomic_write_text(json_out, json.dumps(result, indent=2, ensure_ascii=False))
