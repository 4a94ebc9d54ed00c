"""How long the tokenizer report takes on 1 MB of text, against a plain `encode_batch` loop.

The baseline is the least any report must do: encode every text once with the Rust batch
encoder. The report adds word segmentation (dictionary segmenters for Thai, Lao and Khmer),
per-word piece counting and byte/unknown accounting. Uses real shared text when present
(Wisesight Thai, XCOPA, Global-MMLU-Lite Burmese, UDHR), else our bundled sample repeated.
Run: .venv/bin/python bench/bench_tokenizer_speed.py [--tokenizer PATH] [--mb 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from seaforge.io import read_jsonl
from seaforge.tokenizer.corpus import Corpus, read_corpus
from seaforge.tokenizer.load import load_tokenizer
from seaforge.tokenizer.metrics import corpus_stats, word_index

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _shared_texts() -> dict[str, list[str]]:
    c = SHARED / "corpora"
    texts = {"th": (c / "wisesight-sentiment/kaggle-competition/test.txt").read_text(encoding="utf-8").splitlines()}
    for lang in ("id", "vi", "ta", "zh"):
        texts[lang] = [record["premise"] for record in read_jsonl(c / f"xcopa/data/{lang}/test.{lang}.jsonl")]
    texts["my"] = [
        record["prompts"][0]["question"] for record in read_jsonl(c / "global-mmlu-lite/global_mmlu_lite_my_test.jsonl")
    ]
    for lang, code in (("en", "eng"), ("km", "khm"), ("lo", "lao")):
        texts[lang] = (c / "udhr" / f"{code}.txt").read_text(encoding="utf-8").splitlines()
    return texts


def corpus_of(megabytes: float) -> Corpus:
    """About `megabytes` of UTF-8 text, languages repeated round-robin until the size is reached."""
    source = _shared_texts() if (SHARED / "corpora").exists() else read_corpus(["sample"]).texts
    corpus, size, k = Corpus(), 0, 0
    while size < megabytes * 1e6:
        for lang, texts in source.items():
            text = texts[k % len(texts)]
            if text and text.strip():
                corpus.add(lang, text, f"{k}")
                size += len(text.encode("utf-8"))
        k += 1
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser()
    default = SHARED / "tokenizers/qwen3"
    parser.add_argument("--tokenizer", default=str(default) if default.exists() else None)
    parser.add_argument("--mb", type=float, default=1.0)
    args = parser.parse_args()
    if args.tokenizer is None:
        from seaforge.testing import tiny_tokenizer

        tok = tiny_tokenizer()
    else:
        tok = load_tokenizer(args.tokenizer)
    corpus = corpus_of(args.mb)
    nbytes = sum(len(t.encode("utf-8")) for ts in corpus.texts.values() for t in ts)
    start = time.perf_counter()
    for texts in corpus.texts.values():
        tok.backend_tokenizer.encode_batch(texts, add_special_tokens=False)
    baseline = time.perf_counter() - start
    from seaforge.text.segment import segment

    start = time.perf_counter()
    for lang, texts in corpus.texts.items():  # load the segmenters' models (once per process)
        segment(texts[0], lang)
    warmup_s = time.perf_counter() - start
    start = time.perf_counter()
    index = word_index(corpus)
    segment_s = time.perf_counter() - start
    start = time.perf_counter()
    corpus_stats(tok, corpus, index)
    stats_s = time.perf_counter() - start
    total = segment_s + stats_s
    print(f"{nbytes / 1e6:.2f} MB in {len(corpus.texts)} languages, tokenizer {args.tokenizer or 'tiny'}")
    print(f"baseline encode_batch loop      {baseline:6.2f} s  1.0x")
    print(
        f"report, first tokenizer         {total:6.2f} s  {total / baseline:.1f}x "
        f"(segmentation {segment_s:.2f} s, statistics {stats_s:.2f} s)"
    )
    print(f"(before that, loading the segmenters' models took {warmup_s:.2f} s once per process)")
    print(
        f"report, each further tokenizer  {stats_s:6.2f} s  {stats_s / baseline:.1f}x "
        f"(words are segmented once per corpus)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
