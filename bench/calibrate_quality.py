"""Measure the per-language text profiles the quality filters scale their thresholds by.

    .venv/bin/python bench/calibrate_quality.py [--corpora ../shared/corpora] [--write]

Source set A (what the thresholds are derived from; the UDHR is NOT used, it is the held-out
check in tests/data/test_real_text.py and `bench/bench_data.py --real`):
- NusaX MT test (400 sentences parallel in English, Indonesian and 9 regional languages):
  units per English word for id, jv, su, ace, ban, bjn, bug, mad, min.
- XCOPA test+val (600 items parallel in id, th, vi, ta, zh; premise and both choices): ratio to
  Indonesian, times Indonesian's ratio to English.
- Global-MMLU-Lite test (400 items parallel in ms, tl, my; question and options): ratio to Malay,
  times Malay's ratio to English (Malay to Indonesian on our own parallel sentences).
- Our own parallel sentences (seaforge/tokenizer/data/parallel_sample.jsonl and the eval
  translation samples, 12 English-paired sentences per language): the only source for km and lo.
Characters per unit and stopword rate pool every real text of the language in set A.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seaforge.data.profiles import PROFILES_FILE, LanguageProfile, TextStats, profiles_document, text_stats
from seaforge.io import atomic_write_json
from seaforge.text.langid_corpora import NUSAX_FOLDERS

REPO = Path(__file__).resolve().parents[1]
NUSAX_COLUMNS = NUSAX_FOLDERS  # the MT file's columns are named like the sentiment folders
console = Console(width=120)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def nusax(corpora: Path) -> dict[str, list[str]]:
    with open(corpora / "nusax/datasets/mt/test.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {lang: [row[col] for row in rows] for col, lang in NUSAX_COLUMNS.items()}


def xcopa(corpora: Path) -> dict[str, list[str]]:
    out = {}
    for lang in ("id", "th", "vi", "ta", "zh"):
        items = []
        for split in ("test", "val"):
            items += _jsonl(corpora / f"xcopa/data/{lang}/{split}.{lang}.jsonl")
        items.sort(key=lambda r: (r["idx"], r["premise"]))
        out[lang] = [" ".join((r["premise"], r["choice1"], r["choice2"])) for r in items]
    return out


def mmlu(corpora: Path) -> dict[str, list[str]]:
    out = {}
    for lang in ("ms", "tl", "my"):
        texts = []
        for record in _jsonl(corpora / f"global-mmlu-lite/global_mmlu_lite_{lang}_test.jsonl"):
            prompt = record["prompts"][0]
            texts.append(" ".join(str(prompt[k]) for k in ("question", "option_a", "option_b", "option_c", "option_d")))
        out[lang] = texts
    return out


def belebele(corpora: Path) -> dict[str, list[str]]:
    return {
        lang: [r["prompts"][0]["text"] for r in _jsonl(corpora / f"belebele/{lang}_belebele.jsonl")]
        for lang in ("jv", "su")
    }


def own_parallel() -> dict[str, dict[str, list[str]]]:
    """Our English-paired sentences: {lang: {"en": [...], "xx": [...]}} (same order)."""
    pairs: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"en": [], "xx": []})
    by_id: dict[int, dict[str, str]] = defaultdict(dict)
    for r in _jsonl(REPO / "seaforge/tokenizer/data/parallel_sample.jsonl"):
        by_id[r["id"]][r["lang"]] = r["text"]
    for row in by_id.values():
        for lang, text in row.items():
            if lang != "en" and "en" in row:
                pairs[lang]["en"].append(row["en"])
                pairs[lang]["xx"].append(text)
    for name in ("translation.jsonl", "translation_examples.jsonl"):
        for r in _jsonl(REPO / "seaforge/eval/tasks/samples" / name):
            pairs[r["lang"]]["en"].append(r["en"])
            pairs[r["lang"]]["xx"].append(r["text"])
    return pairs


def ratio(a: TextStats, b: TextStats) -> float:
    return a.units / b.units


def measure(corpora: Path) -> tuple[dict[str, LanguageProfile], list[tuple]]:
    nx, xc, mm, bb, own = nusax(corpora), xcopa(corpora), mmlu(corpora), belebele(corpora), own_parallel()
    stats = {}  # (source, lang) -> TextStats
    for source, table in (("nusax", nx), ("xcopa", xc), ("mmlu", mm), ("belebele", bb)):
        for lang, texts in table.items():
            stats[source, lang] = text_stats(texts, lang)
    own_stats = {lang: (text_stats(p["xx"], lang), text_stats(p["en"], "en")) for lang, p in own.items()}

    upw: dict[str, tuple[float, str]] = {"en": (1.0, "reference")}
    en = stats["nusax", "en"]
    for lang in NUSAX_COLUMNS.values():
        if lang != "en":
            upw[lang] = (ratio(stats["nusax", lang], en), "NusaX MT, parallel with English")
    for lang in ("th", "vi", "ta", "zh"):
        upw[lang] = (ratio(stats["xcopa", lang], stats["xcopa", "id"]) * upw["id"][0], "XCOPA via id")
    own_ms, own_id = own_stats["ms"][0], own_stats["id"][0]
    upw["ms"] = (ratio(own_ms, own_id) * upw["id"][0], "own parallel sentences via id")
    for lang in ("tl", "my"):
        upw[lang] = (ratio(stats["mmlu", lang], stats["mmlu", "ms"]) * upw["ms"][0], "Global-MMLU-Lite via ms")
    for lang in ("km", "lo"):
        xx, en_own = own_stats[lang]
        upw[lang] = (ratio(xx, en_own), "own parallel sentences only (weak: 12 sentences)")

    # Pool every real text of a language for characters per unit and stopword rate.
    pooled: dict[str, TextStats] = defaultdict(TextStats)
    for (_source, lang), s in stats.items():
        pooled[lang] += s
    for lang in ("km", "lo"):
        pooled[lang] += own_stats[lang][0]
    profiles, check = {}, []
    for lang, (units_ratio, how) in sorted(upw.items()):
        p = pooled[lang]
        profiles[lang] = LanguageProfile(
            units_per_en_word=round(units_ratio, 3),
            chars_per_unit=round(p.chars / p.units, 3),
            stopword_rate=round(p.stopwords / p.units, 4),
            source=how,
        )
        if lang in own_stats and lang not in ("km", "lo"):
            xx, en_own = own_stats[lang]
            check.append((lang, units_ratio, ratio(xx, en_own)))
    return profiles, check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--write", action="store_true", help=f"write seaforge/data/{PROFILES_FILE}")
    args = parser.parse_args()
    profiles, check = measure(args.corpora)
    table = Table(title="Language profiles (source set A; UDHR not used)")
    for col in ("lang", "units/en word", "chars/unit", "chars/en word", "stopword rate", "source"):
        table.add_column(col, justify="left" if col in ("lang", "source") else "right")
    for lang, p in profiles.items():
        table.add_row(
            lang,
            f"{p.units_per_en_word:.3f}",
            f"{p.chars_per_unit:.2f}",
            f"{p.chars_per_en_word:.2f}",
            f"{p.stopword_rate:.3f}",
            p.source,
        )
    console.print(table)
    console.print("units/en word, chained estimate vs our 12 English-paired sentences (a sanity check):")
    console.print(", ".join(f"{lang} {a:.2f}/{b:.2f}" for lang, a, b in check))
    if args.write:
        path = REPO / "seaforge" / "data" / PROFILES_FILE
        atomic_write_json(path, profiles_document(profiles, "bench/calibrate_quality.py (source set A)"))
        console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
