"""`seaforge text ...`: the Southeast Asian text layer from the command line."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from seaforge.errors import UserError
from seaforge.text.languages import LANGUAGES, resolve

app = typer.Typer(no_args_is_help=True, help="Southeast Asian text layer.")
console = Console()
err_console = Console(stderr=True)

JSONL_HELP = "Read JSON Lines ({'text': ...}) on stdin and write one JSON line per input line."
STRICT_HELP = "With --jsonl: exit non-zero at the end if any line was malformed."


def _text_arg(text: str | None, jsonl: bool) -> str:
    if jsonl:
        if text is not None:
            raise UserError("--jsonl reads JSON Lines on stdin: give no TEXT argument with it (use < FILE)")
        return ""
    if text is None:
        raise UserError("give a TEXT argument, or --jsonl to read JSON Lines on stdin")
    return text


def _lang_option(code: str | None) -> str | None:
    """A --lang value checked before any work, so a typo is one error line, not one per record."""
    if code is None:
        return None
    try:
        return resolve(code)
    except UserError as err:
        raise UserError(f"--lang: {err}") from None


def _batch(transform, strict: bool) -> None:
    from seaforge.text.jsonl import run_jsonl

    stats = run_jsonl(transform)
    if stats.errors:
        err_console.print(f"{stats.errors} of {stats.lines} lines had errors (passed through with 'error')")
        if strict:
            raise typer.Exit(1)


@app.command("langs")
def langs_cmd() -> None:
    """List the registered languages."""
    table = Table(title="seaforge languages")
    for col in ("code", "ISO 639-3", "name", "native name", "scripts", "spaces", "countries", "main"):
        table.add_column(col)
    for lang in LANGUAGES.values():
        table.add_row(
            lang.code,
            lang.iso639_3,
            lang.name,
            lang.native_name,
            " ".join(lang.scripts),
            "yes" if lang.spaced else "no",
            " ".join(lang.countries),
            "✓" if lang.main else "",
        )
    console.print(table)


@app.command("detect")
def detect_cmd(
    text: str = typer.Argument(None, help="Text to identify."),
    jsonl: bool = typer.Option(False, "--jsonl", help=JSONL_HELP),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
    top: int = typer.Option(3, help="How many candidate languages to show."),
) -> None:
    """Identify the language(s) of a text, with code-switch spans."""
    from seaforge.text.langid import detect, detect_spans
    from seaforge.text.langid_spans import SPAN_CHAR_CAP

    def transform(record: dict) -> dict:
        detection = detect(record["text"])
        spans = detect_spans(record["text"], detection.lang)
        out = {
            **record,
            "lang": detection.lang,
            "confidence": round(detection.confidence, 4),
            "langs": spans.langs,
            "spans": [asdict(span) for span in spans.spans],
        }
        if spans.capped:
            out["spans_analysed_chars"] = spans.analysed_chars
        return out

    if jsonl:
        return _batch(transform, strict)
    text = _text_arg(text, jsonl)
    detection = detect(text)
    spans = detect_spans(text, detection.lang)
    best = sorted(detection.scores.items(), key=lambda item: -item[1])[:top]
    name = LANGUAGES[detection.lang].name if detection.lang in LANGUAGES else "unknown"
    console.print(f"[bold]{detection.lang}[/] ({name}), confidence {detection.confidence:.3f}")
    console.print("candidates: " + ", ".join(f"{code} {prob:.3f}" for code, prob in best))
    console.print("languages present: " + ", ".join(spans.langs))
    for span in spans.spans:
        console.print(f"  \\[{span.start}:{span.end}] {span.lang}: {escape(repr(text[span.start : span.end]))}")
    if spans.capped:
        err_console.print(
            f"spans cover the first {spans.analysed_chars:,} of {len(text):,} characters; "
            f"the rest was not analysed (cap {SPAN_CHAR_CAP:,})"
        )


@app.command("normalize")
def normalize_cmd(
    text: str = typer.Argument(None, help="Text to normalize."),
    lang: str = typer.Option(None, help="Force a language's rules (default: by script)."),
    jsonl: bool = typer.Option(False, "--jsonl", help=JSONL_HELP),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Normalize text: NFC, invisible characters, whitespace, Zawgyi, Vietnamese tones, Thai/Lao/Khmer."""
    from seaforge.text.normalize import normalize, zawgyi_probability

    lang = _lang_option(lang)

    def transform(record: dict) -> dict:
        original = record["text"]
        rec_lang = record.get("lang") or lang
        out = {**record, "text": normalize(original, resolve(rec_lang) if rec_lang else None)}
        if _has_myanmar(original):
            out["zawgyi"] = round(zawgyi_probability(original), 4)
        return out

    if jsonl:
        return _batch(transform, strict)
    text = _text_arg(text, jsonl)
    result = normalize(text, resolve(lang) if lang else None)
    if _has_myanmar(text):
        err_console.print(f"Zawgyi probability: {zawgyi_probability(text):.3f}")
    print(result)


def _has_myanmar(text: str) -> bool:
    from seaforge.text.scripts import has_script

    return has_script(text, "Mymr")


@app.command("segment")
def segment_cmd(
    text: str = typer.Argument(None, help="Text to split into words."),
    lang: str = typer.Option(None, help="Language code (default: detected)."),
    jsonl: bool = typer.Option(False, "--jsonl", help=JSONL_HELP + " Uses the record's 'lang' or detects it."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Split text into words, also for scripts without spaces (Thai, Lao, Khmer, Burmese, Chinese)."""
    from seaforge.text.segment import segment

    lang = _lang_option(lang)

    def language_of(text: str, given: str | None) -> str:
        if given:
            return resolve(given)
        from seaforge.text.langid import detect

        return detect(text).lang

    def transform(record: dict) -> dict:
        code = language_of(record["text"], record.get("lang") or lang)
        return {**record, "lang": code, "words": segment(record["text"], code)}

    if jsonl:
        return _batch(transform, strict)
    text = _text_arg(text, jsonl)
    code = language_of(text, lang)
    words = segment(text, code)
    console.print(f"[dim]{code}, {len(words)} words[/]")
    print(" | ".join(words))


@app.command("redact")
def redact_cmd(
    text: str = typer.Argument(None, help="Text to redact."),
    types: str = typer.Option(None, help="Comma-separated PII types to redact (default: all), e.g. EMAIL,PHONE."),
    jsonl: bool = typer.Option(False, "--jsonl", help=JSONL_HELP),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Replace personal data (emails, phones, national IDs, cards, IPs) with typed placeholders."""
    from seaforge.text.pii import PII_TYPES, redact

    wanted = [t.strip().upper() for t in types.split(",")] if types else None
    unknown = sorted(set(wanted or ()) - set(PII_TYPES))
    if unknown:
        raise UserError(f"--types: unknown PII type(s) {', '.join(unknown)}; known: {', '.join(PII_TYPES)}")

    def transform(record: dict) -> dict:
        result = redact(record["text"], wanted)
        return {**record, "text": result.text, "pii": [asdict(match) for match in result.pii]}

    if jsonl:
        return _batch(transform, strict)
    text = _text_arg(text, jsonl)
    result = redact(text, wanted)
    print(result.text)
    for match in result.pii:
        err_console.print(f"  {match.type:>14} [{match.start}:{match.end}] {match.value}")


@app.command("eval-langid")
def eval_langid_cmd(
    eval_path: str = typer.Option(None, "--eval", help="JSONL with text and lang (default: bundled set)."),
    codeswitch_path: str = typer.Option(None, "--codeswitch", help="JSONL with text and langs (default: bundled)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Measure language identification on the bundled (or given) evaluation sets."""
    from seaforge.text.langid import evaluate_langid

    report = evaluate_langid(eval_path, codeswitch_path)
    if json_out:
        import json

        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    _print_langid_report(report)


def _print_langid_report(report: dict) -> None:
    table = Table(title="language identification accuracy")
    table.add_column("lang")
    table.add_column("n", justify="right")
    table.add_column("accuracy", justify="right")
    for code, row in sorted(report.get("per_language", {}).items()):
        table.add_row(code, str(row.get("n", "")), f"{row.get('accuracy', 0.0):.1%}")
    console.print(table)
    for key, value in report.items():
        if key != "per_language":
            console.print(f"{key}: {value}")


@app.command("demo")
def demo_cmd() -> None:
    """Run the whole text layer over the bundled sample sentences."""
    from seaforge.testing import sample_sentences
    from seaforge.text.langid import detect, detect_spans
    from seaforge.text.normalize import normalize
    from seaforge.text.pii import redact
    from seaforge.text.segment import segment

    table = Table(title="seaforge text layer on bundled samples", show_lines=False)
    for col in ("gold", "detected", "conf", "langs", "words", "first words"):
        table.add_column(col)
    correct = 0
    samples = sample_sentences()
    for sample in samples:
        text = normalize(sample["text"])
        detection = detect(text)
        spans = detect_spans(text, detection.lang)
        words = segment(text, detection.lang if detection.lang in LANGUAGES else "en")
        gold = sample.get("langs") or [sample["lang"]]
        ok = detection.lang == sample["lang"]
        correct += ok
        table.add_row(
            sample["lang"],
            detection.lang if ok else f"[red]{detection.lang}[/]",
            f"{detection.confidence:.2f}",
            ",".join(spans.langs) + ("" if set(gold) <= set(spans.langs) else " [red]✗[/]"),
            str(len(words)),
            " | ".join(words[:5]),
        )
    console.print(table)
    console.print(f"language ID on samples: {correct}/{len(samples)} correct")
    pii_example = (
        "Call me at +65 9123 4567 or email siti.rahman@example.com; order #20240312 costs RM 1,250.00 on 12/03/2024."
    )
    console.print("\n[bold]PII redaction[/]")
    console.print(pii_example)
    console.print(redact(pii_example).text)
