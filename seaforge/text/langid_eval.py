"""Evaluate language ID on the bundled eval sets (or any files in the same JSON Lines format)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from seaforge.text.langid import detect_batch, detect_spans
from seaforge.text.languages import resolve

EVAL_FILE = "langid_eval.jsonl"
CODESWITCH_FILE = "langid_codeswitch.jsonl"


def load_jsonl(path: str | Path | None, default: str, fields: tuple[str, ...]) -> list[dict]:
    """Read an eval file; a bad line raises ValueError naming the file, line and field."""
    if path is None:
        text = resources.files("seaforge.text").joinpath("data", default).read_text("utf-8")
        source = default
    else:
        text = Path(path).read_text("utf-8")
        source = str(path)
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{source}:{lineno}: not valid JSON ({e.msg})") from None
        for name in fields:
            if name not in row:
                raise ValueError(f"{source}:{lineno}: missing field {name!r}")
        rows.append(row)
    return rows


def accuracy_report(rows: list[dict]) -> dict:
    """Per-language and overall accuracy of ``detect`` on rows with ``text`` and ``lang``."""
    gold = [resolve(r["lang"]) for r in rows]
    pred = [d.lang for d in detect_batch(r["text"] for r in rows)]
    per_lang: dict[str, dict] = {}
    for g, p in zip(gold, pred):
        entry = per_lang.setdefault(g, {"n": 0, "correct": 0, "errors": {}})
        entry["n"] += 1
        if g == p:
            entry["correct"] += 1
        else:
            entry["errors"][p] = entry["errors"].get(p, 0) + 1
    for entry in per_lang.values():
        entry["accuracy"] = entry["correct"] / entry["n"]
    correct = sum(g == p for g, p in zip(gold, pred))
    confusion = {
        f"{a}->{b}": sum(g == a and p == b for g, p in zip(gold, pred))
        for a, b in (("id", "id"), ("id", "ms"), ("ms", "ms"), ("ms", "id"))
    }
    return {"n": len(rows), "overall": correct / max(len(rows), 1),
            "per_language": dict(sorted(per_lang.items())), "id_ms_confusion": confusion}


def codeswitch_report(rows: list[dict]) -> dict:
    """How often ``detect_spans`` finds every labelled language (and exactly those)."""
    found_all = exact = 0
    misses = []
    for row in rows:
        want = {resolve(c) for c in row["langs"]}
        got = set(detect_spans(row["text"]).langs)
        if want <= got:
            found_all += 1
        else:
            misses.append({"text": row["text"], "want": sorted(want), "got": sorted(got)})
        exact += want == got
    n = max(len(rows), 1)
    return {"n": len(rows), "all_found": found_all / n, "exact": exact / n, "misses": misses}


def evaluate_langid(eval_path=None, codeswitch_path=None) -> dict:
    """Run both eval sets: accuracy per language, overall, id/ms confusion, code-switch rates."""
    mono = load_jsonl(eval_path, EVAL_FILE, ("text", "lang"))
    mixed = load_jsonl(codeswitch_path, CODESWITCH_FILE, ("text", "langs"))
    report = accuracy_report(mono)
    report["codeswitch"] = codeswitch_report(mixed)
    monolingual_single = sum(len(detect_spans(r["text"]).langs) == 1 for r in mono)
    report["monolingual_single_language"] = monolingual_single / max(len(mono), 1)
    return report
