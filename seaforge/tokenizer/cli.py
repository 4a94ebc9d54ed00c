"""`seaforge tokenizer ...`: report, train and extend tokenizers."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from seaforge.io import atomic_dir, atomic_write_text
from seaforge.tokenizer.corpus import Corpus, read_corpus

app = typer.Typer(help="Tokenizer fertility and cost reports, training and vocabulary extension.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False)
console = Console(stderr=True)

CORPUS_HELP = ("Text to use: files named by language (tha.txt), LANG=FILE, JSONL with lang/text[/id], "
               "a folder of those, or 'sample' (bundled parallel sample). Repeatable.")


def _fail(message: str) -> None:
    console.print(f"[red]error:[/] {message}")
    raise typer.Exit(2)


def _weights(spec: str | None) -> dict[str, float] | None:
    from seaforge.text.languages import resolve

    if not spec:
        return None
    out = {}
    for part in spec.split(","):
        lang, _, value = part.partition("=")
        try:
            out[resolve(lang)] = float(value)
        except (KeyError, ValueError):
            _fail(f"--weights: {part!r} is not LANG=NUMBER with a known language code")
    return out


def _read(corpus: list[str]) -> Corpus:
    try:
        data = read_corpus(corpus)
    except ValueError as err:
        _fail(str(err))
    if data.skipped:
        console.print(f"[yellow]{len(data.skipped)} bad records skipped; first: {data.skipped[0]}[/]")
    return data


def _write_json(obj: dict, path: str) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    if path == "-":
        typer.echo(text)
        return
    atomic_write_text(path, text)


@app.command()
def report(
    tokenizer: list[str] = typer.Option(..., "--tokenizer", "-t", help="HF id, folder or tiktoken "
                                        "file. Repeatable."),
    corpus: list[str] = typer.Option(["sample"], "--corpus", "-c", help=CORPUS_HELP),
    pivot: str = typer.Option("en", help="Language the parity and multipliers are relative to."),
    price: float = typer.Option(1.0, help="Price in USD per million tokens, for the cost view."),
    tokens_per_second: float = typer.Option(30.0, help="Generation speed, for the latency view."),
    json_out: str = typer.Option(None, "--json", help="Write the report as JSON here ('-': stdout)."),
    html_out: str = typer.Option(None, "--html", help="Write an HTML page with a chart here."),
) -> None:
    """Fertility, tokens per char/byte, parity, byte-fallback and unknown shares, and cost."""
    from seaforge.text.languages import resolve
    from seaforge.tokenizer.load import load_tokenizer, tokenizer_name
    from seaforge.tokenizer.report import build_report, print_report
    from seaforge.tokenizer.report_html import write_html

    data = _read(corpus)
    loaded = {}
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("loading tokenizers", total=len(tokenizer))
        for spec in tokenizer:
            try:
                loaded[tokenizer_name(spec)] = load_tokenizer(spec)
            except ValueError as err:
                _fail(str(err))
            bar.advance(task)
        task = bar.add_task("measuring", total=len(loaded))
        result = build_report(loaded, data, resolve(pivot), price, tokens_per_second,
                              progress=lambda: bar.advance(task))
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

    data = _read(corpus)
    if out.exists() and not overwrite:
        _fail(f"{out} exists; pass --overwrite to replace it")
    try:
        tok = train_bpe(data.texts, vocab_size, _weights(weights), budget_chars, min_frequency,
                        max_token_length)
    except ValueError as err:
        _fail(str(err))
    save_atomically(tok, out, overwrite)
    console.print(f"saved a {len(tok):,}-token tokenizer to {out}")


@app.command()
def extend(
    corpus: list[str] = typer.Option(..., "--corpus", "-c", help=CORPUS_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the extended tokenizer (and model)."),
    model: str = typer.Option(None, help="Base model (HF id or folder); omit to extend the tokenizer only."),
    tokenizer: str = typer.Option(None, help="Base tokenizer (default: the model's)."),
    langs: str = typer.Option(None, help="Target languages, e.g. th,km,lo (default: all in the corpus "
                                         "except English)."),
    new_tokens: int = typer.Option(16000, help="At most this many new tokens."),
    weights: str = typer.Option(None, help="Per-language weights, e.g. km=2,th=1 (default: equal)."),
    min_frequency: int = typer.Option(2, help="Minimum (weighted) pair count for a merge."),
    script_split: bool = typer.Option(True, help="Keep target-script words whole in the pre-tokenizer "
                                                 "(see docs/tokenizer.md)."),
    overwrite: bool = typer.Option(False, help="Replace --out if it exists."),
) -> None:
    """Learn new tokens for target languages, add them, and grow the model's embeddings."""
    from seaforge.text.languages import resolve
    from seaforge.tokenizer.extend import extend_tokenizer
    from seaforge.tokenizer.load import load_tokenizer

    if model is None and tokenizer is None:
        _fail("give --model, --tokenizer, or both")
    if out.exists() and not overwrite:
        _fail(f"{out} exists; pass --overwrite to replace it")
    data = _read(corpus)
    targets = [resolve(x) for x in langs.split(",")] if langs else [x for x in data.texts if x != "en"]
    missing = [x for x in targets if x not in data.texts]
    if missing:
        _fail(f"no text for target language(s) {', '.join(missing)} in the corpus")
    try:
        base = load_tokenizer(tokenizer or model)
        with console.status("learning new tokens"):
            new, ext = extend_tokenizer(base, {x: data.texts[x] for x in targets}, new_tokens,
                                        weights=_weights(weights), min_frequency=min_frequency,
                                        script_split=script_split, show_progress=True)
    except ValueError as err:
        _fail(str(err))
    summary = {"base_vocab": len(base), "vocab": len(new), "languages": targets, **ext.stats}
    _save_extension(base, new, model, out, summary, overwrite)
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
