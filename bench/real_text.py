"""Real text from ../shared/corpora as documents with their true language, for bench_data.py --real.

Short items (tweets, test questions) are joined in runs of consecutive items into
paragraph-length documents; UDHR units (preamble + 30 articles) and Belebele passages stay whole.
Every document records its ``source`` and its true ``lang`` (from the dataset, not language ID).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from seaforge.text.langid_corpora import NUSAX_FOLDERS, UDHR_FILES

UDHR = UDHR_FILES  # file stem -> language code
NUSAX = NUSAX_FOLDERS  # sentiment folder -> language code


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _runs(items: list[str], size: int) -> list[str]:
    return [" ".join(items[i : i + size]) for i in range(0, len(items) - size + 1, size)]


def real_documents(corpora: Path) -> list[dict]:
    """[{id, text, lang, source}] from every shared corpus, in a fixed order."""
    docs: list[dict] = []

    def add(source: str, lang: str, texts: list[str]) -> None:
        for i, text in enumerate(texts):
            docs.append({"id": f"{source}/{lang}/{i}", "text": text, "lang": lang, "source": source})

    for key, lang in UDHR.items():
        add("udhr", lang, (corpora / "udhr" / f"{key}.txt").read_text(encoding="utf-8").splitlines())
    for folder, lang in NUSAX.items():
        with open(corpora / f"nusax/datasets/sentiment/{folder}/test.csv", encoding="utf-8", newline="") as fh:
            add("nusax", lang, _runs([row["text"] for row in csv.DictReader(fh)], 5))
    for lang in ("id", "th", "vi", "ta", "zh"):
        items = _jsonl(corpora / f"xcopa/data/{lang}/test.{lang}.jsonl")
        add("xcopa", lang, _runs([f"{r['premise']} {r['choice1']} {r['choice2']}" for r in items], 10))
    messages = (corpora / "wisesight-sentiment/kaggle-competition/test.txt").read_text(encoding="utf-8").splitlines()
    add("wisesight", "th", _runs([m for m in messages if m.strip()], 10))
    for lang in ("jv", "su"):
        add("belebele", lang, [r["prompts"][0]["text"] for r in _jsonl(corpora / f"belebele/{lang}_belebele.jsonl")])
    for lang in ("ms", "tl", "my"):
        items = []
        for r in _jsonl(corpora / f"global-mmlu-lite/global_mmlu_lite_{lang}_test.jsonl"):
            p = r["prompts"][0]
            items.append(" ".join(str(p[k]) for k in ("question", "option_a", "option_b", "option_c", "option_d")))
        add("mmlu", lang, _runs(items, 4))
    premises = list(dict.fromkeys(r["premise"] for r in _jsonl(corpora / "indonli/data/indonli/test_lay.jsonl")))
    add("indonli", "id", _runs(premises, 5))
    return docs


def eval_sets(corpora: Path) -> list[str]:
    """Benchmark files that also appear above as training text: decontamination must remove them."""
    return [
        str(corpora / "belebele/jv_belebele.jsonl"),
        str(corpora / "belebele/su_belebele.jsonl"),
        str(corpora / "global-mmlu-lite"),
        str(corpora / "xcopa/data"),
    ]
