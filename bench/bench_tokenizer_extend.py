"""Extend Qwen3's tokenizer for Thai, Khmer, Lao, Tamil and Burmese and measure parity on held-out UDHR.

Learns on the UDHR preamble and even-numbered articles plus other shared text (Wisesight and
XCOPA Thai, XCOPA Tamil, Global-MMLU-Lite and government Burmese), measures on the odd-numbered
articles, which the learner never sees. Prints Qwen3 before and after, and Llama 4 beside
them; also extends Llama 2 (a byte-fallback SentencePiece BPE) with the same budget.
Needs ../shared; run: .venv/bin/python bench/bench_tokenizer_extend.py [--sizes 4000,8000,16000]
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seaforge.io import read_jsonl
from seaforge.tokenizer.corpus import read_corpus
from seaforge.tokenizer.extend import extend_tokenizer
from seaforge.tokenizer.load import load_tokenizer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UDHR = SHARED / "corpora" / "udhr"
TARGETS = {"th": "tha", "km": "khm", "lo": "lao", "ta": "tam", "my": "mya"}
KEEP = {"en": "eng", "id": "ind"}
GOAL = {"th": 1.5, "km": 3.0, "lo": 3.0, "ta": 3.0, "my": 3.0}


def udhr_lines(code: str) -> list[str]:
    return [x for x in (UDHR / f"{code}.txt").read_text(encoding="utf-8").splitlines() if x.strip()]


def _jsonl(path: Path):
    yield from read_jsonl(path)


def learning_texts() -> dict[str, list[str]]:
    """Text the extension may learn from: never an odd-numbered UDHR article."""
    c = SHARED / "corpora"
    texts = {lang: udhr_lines(code)[0::2] for lang, code in TARGETS.items()}
    texts["th"] += (c / "wisesight-sentiment/kaggle-competition/test.txt").read_text(encoding="utf-8").splitlines()
    texts["th"] += (c / "wisesight-sentiment/q.txt").read_text(encoding="utf-8").splitlines()
    for split in ("val", "test"):
        for lang in ("th", "ta"):
            for r in _jsonl(c / f"xcopa/data/{lang}/{split}.{lang}.jsonl"):
                texts[lang] += [r["premise"], r["choice1"], r["choice2"]]
    for r in _jsonl(c / "global-mmlu-lite/global_mmlu_lite_my_test.jsonl"):
        p = r["prompts"][0]
        texts["my"] += [p[k] for k in ("question", "option_a", "option_b", "option_c", "option_d") if p[k]]
    texts["my"] += (c / "myanmar-tools/mmgov_unicode_out.txt").read_text(encoding="utf-8").splitlines()
    return {lang: [t for t in ts if t.strip()] for lang, ts in texts.items()}


def count(tok, lines: list[str]) -> int:
    return sum(len(e.ids) for e in tok.backend_tokenizer.encode_batch(lines, add_special_tokens=False))


def check_guarantees(base, new, held: dict[str, list[str]]) -> tuple[bool, bool]:
    """(en/id ids identical on every UDHR line, every held-out line round-trips)."""
    same = all(
        new.backend_tokenizer.encode(x, add_special_tokens=False).ids
        == base.backend_tokenizer.encode(x, add_special_tokens=False).ids
        for code in KEEP.values()
        for x in udhr_lines(code)
    )
    trips = all(
        new.decode(new.backend_tokenizer.encode(x, add_special_tokens=False).ids)
        in (x, unicodedata.normalize("NFC", x))
        for lines in held.values()
        for x in lines
    )
    return same, trips


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="16000", help="new-token budgets to try, comma-separated")
    parser.add_argument("--no-script-split", action="store_true", help="also run merges-only")
    args = parser.parse_args()
    if not UDHR.exists():
        print(f"{UDHR} not present; nothing to measure")
        return 0
    console = Console(width=160)
    qwen = load_tokenizer(str(SHARED / "tokenizers/qwen3"))
    llama4 = load_tokenizer(str(SHARED / "tokenizers/llama4/tokenizer.model"))
    held = {lang: udhr_lines(code)[1::2] for lang, code in {**TARGETS, **KEEP}.items()}
    # Out of domain: our own bundled sentences, which share no text with any learning source.
    sample = read_corpus(["sample"]).texts
    ood = {lang: sample[lang] for lang in (*TARGETS, "en")}
    learn = learning_texts()
    sizes = ", ".join(f"{k} {sum(map(len, v)):,}" for k, v in learn.items())
    console.print(f"learning text (chars): {sizes}")
    columns = {
        "qwen3": {k: count(qwen, v) for k, v in held.items()},
        "llama4": {k: count(llama4, v) for k, v in held.items()},
    }
    ood_columns = {
        "qwen3": {k: count(qwen, v) for k, v in ood.items()},
        "llama4": {k: count(llama4, v) for k, v in ood.items()},
    }
    variants: list[tuple] = [(int(n), True) for n in args.sizes.split(",")]
    if args.no_script_split:
        variants.append((int(args.sizes.split(",")[-1]), False))
    # Llama 2 is a byte-fallback SentencePiece BPE: the other kind of base vocabulary.
    llama2 = load_tokenizer(str(SHARED / "tokenizers/llama2"))
    columns["llama2"] = {k: count(llama2, v) for k, v in held.items()}
    ood_columns["llama2"] = {k: count(llama2, v) for k, v in ood.items()}
    variants.append((int(args.sizes.split(",")[-1]), True, "llama2", llama2))
    checks = {}
    for n, split, *base in variants:
        base_name, base_tok = base or ("qwen3", qwen)
        start = time.perf_counter()
        new, ext = extend_tokenizer(base_tok, learn, n, script_split=split)
        name = f"{base_name}+{len(ext.new_tokens) / 1000:.1f}K" + ("" if split else " merges-only")
        columns[name] = {k: count(new, v) for k, v in held.items()}
        ood_columns[name] = {k: count(new, v) for k, v in ood.items()}
        checks[name] = (*check_guarantees(base_tok, new, held), time.perf_counter() - start)
    table = Table(title="Held-out UDHR (odd articles): tokens, and parity with English")
    table.add_column("lang")
    for name in columns:
        table.add_column(name, justify="right")
    table.add_column("goal", justify="right")
    for lang in held:
        cells = [f"{c[lang]:,}  {c[lang] / c['en']:.2f}×" for c in columns.values()]
        table.add_row(lang, *cells, f"≤{GOAL[lang]}×" if lang in GOAL else "unchanged")
    console.print(table)
    table = Table(title="Out of domain: seaforge's bundled parallel sample, parity with English")
    table.add_column("lang")
    for name in ood_columns:
        table.add_column(name, justify="right")
    for lang in TARGETS:
        table.add_row(lang, *[f"{c[lang] / c['en']:.2f}×" for c in ood_columns.values()])
    console.print(table)
    for name, (same, trips, seconds) in checks.items():
        console.print(
            f"{name}: en/id ids identical on all UDHR lines: {same}; held-out lines "
            f"round-trip: {trips}; learned in {seconds:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
