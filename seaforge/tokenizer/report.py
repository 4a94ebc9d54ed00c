"""`seaforge tokenizer report`: several tokenizers, one corpus, one table per view.

The report is a plain dict (written as JSON with `--json`), rendered as rich tables for the
terminal and as an HTML page with a chart.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from seaforge.tokenizer.corpus import Corpus
from seaforge.tokenizer.metrics import corpus_stats, cost_row, word_index


def build_report(
    tokenizers: dict[str, object],
    corpus: Corpus,
    pivot: str = "en",
    price_per_million: float = 1.0,
    tokens_per_second: float = 30.0,
    progress=None,
) -> dict:
    """Measure every tokenizer (name -> loaded tokenizer) on the corpus; returns a JSON-ready dict."""
    index = word_index(corpus)
    results = []
    for name, tok in tokenizers.items():
        stats = corpus_stats(tok, corpus, index, pivot)
        results.append(
            {
                "name": name,
                "vocab_size": len(tok),
                "languages": [s.as_dict() for s in stats],
                "cost": [cost_row(s, price_per_million, tokens_per_second) for s in stats],
            }
        )
        if progress is not None:
            progress()
    return {
        "pivot": pivot,
        "parallel": corpus.parallel,
        "price_per_million_tokens": price_per_million,
        "tokens_per_second": tokens_per_second,
        "languages": list(corpus.texts),
        "texts": {lang: len(t) for lang, t in corpus.texts.items()},
        "skipped_records": corpus.skipped,
        "tokenizers": results,
    }


def _fmt(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def stats_table(result: dict, pivot: str) -> Table:
    """Per-language statistics of one tokenizer."""
    table = Table(title=f"{result['name']} ({result['vocab_size']:,} tokens)")
    for col in (
        "lang",
        "tokens",
        "tok/word",
        "tok/char",
        "tok/byte",
        f"parity vs {pivot}",
        "bytes %",
        "unk %",
        "≥3 pieces %",
    ):
        table.add_column(col, justify="left" if col == "lang" else "right")
    for s in result["languages"]:
        table.add_row(
            s["lang"],
            f"{s['tokens']:,}",
            _fmt(s["fertility"]),
            _fmt(s["tokens_per_char"]),
            _fmt(s["tokens_per_byte"]),
            _fmt(s["parity"]),
            _fmt(100 * s["byte_share"], 1),
            _fmt(100 * s["unk_share"], 1),
            _fmt(100 * s["split3_share"], 1),
        )
    return table


def cost_table(report: dict) -> Table:
    """Tokens and price per 1,000 words, and the multiplier against the pivot, per tokenizer."""
    price = report["price_per_million_tokens"]
    table = Table(
        title=f"Cost of 1,000 words at ${price:g} per million tokens, {report['tokens_per_second']:g} tokens/s"
    )
    table.add_column("lang")
    for result in report["tokenizers"]:
        table.add_column(f"{result['name']}\ntokens  $  s  ×{report['pivot']}", justify="right")
    for i, lang in enumerate(report["languages"]):
        cells = []
        for result in report["tokenizers"]:
            c = result["cost"][i]
            cells.append(
                f"{c['tokens_per_1k_words']:,.0f}  {c['price_per_1k_words']:.4f}  "
                f"{c['seconds_per_1k_words']:.0f}  {_fmt(c['price_multiplier'], 1)}"
            )
        table.add_row(lang, *cells)
    return table


def print_report(report: dict, console: Console | None = None) -> None:
    """Print the statistics and cost tables."""
    console = console or Console()
    for result in report["tokenizers"]:
        console.print(stats_table(result, report["pivot"]))
    console.print(cost_table(report))
    if not report["parallel"]:
        console.print(
            "[yellow]The corpus is not parallel (languages do not share ids): parity "
            "and multipliers need the same texts in every language.[/]"
        )
