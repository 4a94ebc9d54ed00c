"""`seaforge tokenizer ...`: report, train and extend tokenizers."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from seaforge.errors import UserError
from seaforge.io import atomic_dir, atomic_write_text, check_writable
from seaforge.tokenizer.corpus import Corpus, read_corpus

app = typer.Typer(
    help="Tokenizer fertility and cost reports, training and vocabulary extension.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)

CORPUS_HELP = (
    "Text to use: files named by language (tha.txt), LANG=FILE, JSONL with lang, text and optional id, "
    "a folder of those, or 'sample' (bundled parallel sample). Repeatable."
)


SHOWN_SKIPS = 5  # bad lines named one by one on stderr; the rest are counted


def _weights(spec: str | None) -> dict[str, float] | None:
    from seaforge.text.languages import resolve

    if not spec:
        return None
    weight_of = {}
    for part in spec.split(","):
        lang, _, value = part.partition("=")
        try:
            weight_of[resolve(lang)] = float(value)
        except (KeyError, ValueError):
            raise UserError(f"--weights: {part!r} is not LANG=NUMBER with a known language code") from None
    return weight_of


def _langs(option: str, spec: str) -> list[str]:
    """Language codes of a comma-separated option, checked before anything is loaded."""
    from seaforge.text.languages import resolve

    codes = []
    for code in spec.split(","):
        if option == "--pivot" and codes:
            raise UserError(f"--pivot: give one language code, not {spec!r}")
        try:
            codes.append(resolve(code.strip()))
        except UserError as err:
            raise UserError(f"{option}: {err}") from None
    return codes


def _read(corpus: list[str]) -> Corpus:
    data = read_corpus(corpus)
    for skip in data.skipped[:SHOWN_SKIPS]:
        console.print(f"[yellow]warning:[/] skipped {escape(skip)}", soft_wrap=True, highlight=False)
    if data.skipped:
        more = len(data.skipped) - SHOWN_SKIPS
        console.print(
            f"[yellow]warning:[/] {len(data.skipped)} bad lines skipped"
            + (f" ({more} more not shown)" if more > 0 else ""),
            highlight=False,
        )
    return data


def _write_json(obj: dict, path: str) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    if path == "-":
        typer.echo(text)
        return
    atomic_write_text(path, text)


@app.command()
def report(
    tokenizer: list[str] = typer.Option(..., "--tokenizer", "-t", help="HF id, folder or tiktoken file. Repeatable."),
    corpus: list[str] = typer.Option(["sample"], "--corpus", "-c", help=CORPUS_HELP),
    pivot: str = typer.Option("en", help="Language the parity and multipliers are relative to."),
    price: float = typer.Option(1.0, help="Price in USD per million tokens, for the cost view."),
    tokens_per_second: float = typer.Option(30.0, help="Generation speed, for the latency view."),
    json_out: str = typer.Option(None, "--json", help="Write the report as JSON here ('-': stdout)."),
    html_out: str = typer.Option(None, "--html", help="Write an HTML page with a chart here."),
) -> None:
    """Fertility, tokens per char/byte, parity, byte-fallback and unknown shares, and cost."""
    from seaforge.tokenizer.load import load_tokenizer, resolve_tokenizer, tokenizer_name
    from seaforge.tokenizer.report import build_report, print_report
    from seaforge.tokenizer.report_html import write_html

    pivot = _langs("--pivot", pivot)[0]  # checked before loading: tokenizers can take a minute
    for out in (json_out, html_out):
        if out and out != "-":
            check_writable(out)
    data = _read(corpus)
    if pivot not in data.texts:
        raise UserError(
            f"--pivot {pivot}: the corpus has no {pivot} text to measure parity against "
            f"(it has {', '.join(data.texts)})"
        )
    local = {tokenizer_name(spec): resolve_tokenizer(spec) for spec in tokenizer}  # fail before loading
    loaded = {}
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("loading tokenizers", total=len(local))
        for name, path in local.items():
            loaded[name] = load_tokenizer(path)
            bar.advance(task)
        task = bar.add_task("measuring", total=len(loaded))
        result = build_report(loaded, data, pivot, price, tokens_per_second, progress=lambda: bar.advance(task))
    if json_out != "-":
        print_report(result, Console())
    if json_out:
        _write_json(result, json_out)
    if html_out:
        write_html(result, html_out)
        console.print(f"wrote {html_out}")


@app.command()
def train(
    corpus: list[str] = typer.Option(..., "--corpus", "-c", help=CORPUS_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to save the tokenizer (HF format)."),
    vocab_size: int = typer.Option(32000, help="Total ids, specials and 256 byte tokens included."),
    weights: str = typer.Option(None, help="Sampling weights, e.g. th=2,km=1,lo=1 (default: equal)."),
    budget_chars: int = typer.Option(None, help="Characters in the training mixture (default: corpus)."),
    min_frequency: int = typer.Option(2, help="Minimum pair count for a merge."),
    max_token_length: int = typer.Option(16, help="Longest token, in characters."),
    overwrite: bool = typer.Option(False, help="Replace --out if it exists."),
) -> None:
    """Train a byte-fallback BPE on a language mixture with per-language sampling weights."""
    from seaforge.tokenizer.train import save_atomically, train_bpe

    weight_of = _weights(weights)
    if out.exists() and not overwrite:
        raise UserError(f"{out} exists; pass --overwrite to replace it")
    check_writable(out)
    data = _read(corpus)
    try:
        tok = train_bpe(data.texts, vocab_size, weight_of, budget_chars, min_frequency, max_token_length)
    except ValueError as err:
        raise UserError(str(err)) from None
    save_atomically(tok, out, overwrite)
    console.print(f"saved a {len(tok):,}-token tokenizer to {out}")


@app.command()
def extend(
    corpus: list[str] = typer.Option(..., "--corpus", "-c", help=CORPUS_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the extended tokenizer (and model)."),
    model: str = typer.Option(None, help="Base model (HF id or folder); omit to extend the tokenizer only."),
    tokenizer: str = typer.Option(None, help="Base tokenizer (default: the model's)."),
    langs: str = typer.Option(
        None, help="Target languages, e.g. th,km,lo (default: all in the corpus except English)."
    ),
    new_tokens: int = typer.Option(16000, help="At most this many new tokens."),
    weights: str = typer.Option(None, help="Per-language weights, e.g. km=2,th=1 (default: equal)."),
    min_frequency: int = typer.Option(2, help="Minimum (weighted) pair count for a merge."),
    script_split: bool = typer.Option(
        True, help="Keep target-script words whole in the pre-tokenizer (see docs/tokenizer.md)."
    ),
    overwrite: bool = typer.Option(False, help="Replace --out if it exists."),
) -> None:
    """Learn new tokens for target languages, add them, and grow the model's embeddings."""
    from seaforge.models.resolve import resolve_model
    from seaforge.tokenizer.extend import extend_tokenizer
    from seaforge.tokenizer.load import load_tokenizer, resolve_tokenizer

    if model is None and tokenizer is None:
        raise UserError("give --model, --tokenizer, or both")
    chosen = _langs("--langs", langs) if langs else None
    weight_of = _weights(weights)
    if out.exists() and not overwrite:
        raise UserError(f"{out} exists; pass --overwrite to replace it")
    check_writable(out)
    model_path = resolve_model(model) if model is not None else None
    tokenizer_path = resolve_tokenizer(tokenizer) if tokenizer is not None else model_path
    data = _read(corpus)
    targets = chosen or [code for code in data.texts if code != "en"]
    missing = [code for code in targets if code not in data.texts]
    if missing:
        raise UserError(f"--langs: no text for {', '.join(missing)} in the corpus")
    base = load_tokenizer(tokenizer_path)
    try:
        with console.status("learning new tokens"):
            new, ext = extend_tokenizer(
                base,
                {code: data.texts[code] for code in targets},
                new_tokens,
                weights=weight_of,
                min_frequency=min_frequency,
                script_split=script_split,
                show_progress=True,
            )
    except ValueError as err:
        raise UserError(str(err)) from None
    summary = {"base_vocab": len(base), "vocab": len(new), "languages": targets, **ext.stats}
    _save_extension(base, new, model_path, out, summary, overwrite)
    console.print(f"added {len(ext.new_tokens):,} tokens ({len(base):,} -> {len(new):,}); saved to {out}")


def _save_extension(base, new, model: str | None, out: Path, summary: dict, overwrite: bool) -> None:
    from seaforge.tokenizer.embeddings import resize_and_init

    with atomic_dir(out, overwrite) as tmp:
        new.save_pretrained(str(tmp))
        if model is not None:
            from transformers import AutoModelForCausalLM

            with console.status(f"loading {model}"):
                lm = AutoModelForCausalLM.from_pretrained(model, dtype="auto")
            summary["embeddings"] = resize_and_init(lm, base, new)
            with console.status("saving the model"):
                lm.save_pretrained(str(tmp))
        (tmp / "seaforge_extension.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
