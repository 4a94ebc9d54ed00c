"""Parity with English on UDHR for every real tokenizer in ../shared/tokenizers.

Runs the report's own statistics (seaforge.tokenizer.metrics) on the 31 line-aligned UDHR units
in 19 languages, NFC-normalised first (vie.txt ships decomposed and only Qwen normalises).
Parity is tokens in a language divided by tokens in English on the same articles, measured in
this run; the issue's reference figures for Qwen3 and Llama 4 are printed beside ours.
Run: .venv/bin/python bench/bench_tokenizer_parity.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seaforge.tokenizer.corpus import Corpus, read_corpus
from seaforge.tokenizer.load import load_tokenizer
from seaforge.tokenizer.metrics import corpus_stats, word_index

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TOKENIZERS = {"qwen3": "qwen3", "llama3": "llama3/tokenizer.model", "llama4": "llama4/tokenizer.model",
              "llama2": "llama2", "mistral-v1": "mistral-v1", "mistral-v3": "mistral-v3", "gpt2": "gpt2",
              "wangchanberta": "wangchanberta"}
REFERENCE = {"qwen3": {"th": 2.6, "km": 6.6, "lo": 6.8, "ta": 7.4, "my": 11.8},
             "llama4": {"th": 1.5, "km": 3.1, "lo": 3.7, "ta": 4.4, "my": 4.2}}


def nfc_corpus(raw: Corpus) -> Corpus:
    corpus = Corpus()
    for lang, texts in raw.texts.items():
        for text, item_id in zip(texts, raw.ids[lang], strict=True):
            corpus.add(lang, unicodedata.normalize("NFC", text), item_id)
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    udhr = SHARED / "corpora" / "udhr"
    if not udhr.exists():
        print(f"{udhr} not present; nothing to measure")
        return 0
    corpus = nfc_corpus(read_corpus([str(udhr)]))
    index = word_index(corpus)
    figures, unk = {}, {}
    for name, rel in TOKENIZERS.items():
        start = time.perf_counter()
        tok = load_tokenizer(str(SHARED / "tokenizers" / rel))
        stats = corpus_stats(tok, corpus, index, pivot="en")
        figures[name] = {s.lang: s.parity for s in stats}
        unk[name] = {s.lang: s.unk_share for s in stats}
        print(f"{name}: {len(tok):,} ids, {time.perf_counter() - start:.1f} s")
    table = Table(title="UDHR (NFC), tokens relative to English on the same articles; "
                        "* = over 5% <unk> tokens (information lost, not efficiency)")
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
        Path(args.json).write_text(json.dumps({"parity": figures, "unk_share": unk}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
