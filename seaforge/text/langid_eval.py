"""Evaluate language ID on the bundled eval sets (or any files in the same JSON Lines format)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from seaforge.errors import UserError
from seaforge.io import iter_jsonl
from seaforge.text.langid import detect_batch, detect_spans
from seaforge.text.languages import resolve

EVAL_FILE = "langid_eval.jsonl"
CODESWITCH_FILE = "langid_codeswitch.jsonl"


class EvalFileError(UserError, ValueError):
    """A language-ID evaluation file with a bad line (ValueError kept for older callers)."""


def _check_codes(row: dict, where: str) -> None:
    codes = row["langs"] if "langs" in row else [row["lang"]]
    if not isinstance(codes, list) or not codes:
        raise EvalFileError(f"{where}: field 'langs' must be a non-empty list of language codes")
    for code in codes:
        try:
            resolve(str(code))
        except UserError as err:
            raise EvalFileError(f"{where}: {err}") from None


def load_jsonl(path: str | Path | None, default: str, fields: tuple[str, ...]) -> list[dict]:
    """Read an eval file (the bundled ``default`` when ``path`` is None); the first bad line
    (bad JSON or UTF-8, missing field, unknown language) raises EvalFileError naming file and line."""
    if path is None:
        path = Path(str(resources.files("seaforge.text") / "data" / default))
    rows = []
    for line in iter_jsonl(path):
        if line.error is not None:
            raise EvalFileError(line.error)
        where = f"{path}:{line.lineno}"
        for name in fields:
            if name not in line.record:
                raise EvalFileError(f"{where}: missing field {name!r}")
        _check_codes(line.record, where)
        rows.append(line.record)
    return rows


def accuracy_report(rows: list[dict]) -> dict:
    """Per-language and overall accuracy of ``detect`` on rows with ``text`` and ``lang``."""
    gold = [resolve(row["lang"]) for row in rows]
    predicted = [detection.lang for detection in detect_batch(row["text"] for row in rows)]
    per_lang: dict[str, dict] = {}
    for want, got in zip(gold, predicted):
        entry = per_lang.setdefault(want, {"n": 0, "correct": 0, "errors": {}})
        entry["n"] += 1
        if want == got:
            entry["correct"] += 1
        else:
            entry["errors"][got] = entry["errors"].get(got, 0) + 1
    for entry in per_lang.values():
        entry["accuracy"] = entry["correct"] / entry["n"]
    correct = sum(want == got for want, got in zip(gold, predicted))
    confusion = {
        f"{true}->{said}": sum(want == true and got == said for want, got in zip(gold, predicted))
        for true, said in (("id", "id"), ("id", "ms"), ("ms", "ms"), ("ms", "id"))
    }
    return {
        "n": len(rows),
        "overall": correct / max(len(rows), 1),
        "per_language": dict(sorted(per_lang.items())),
        "id_ms_confusion": confusion,
    }


def codeswitch_report(rows: list[dict]) -> dict:
    """How often ``detect_spans`` finds every labelled language (and exactly those)."""
    found_all = exact = 0
    misses = []
    for row in rows:
        want = {resolve(code) for code in row["langs"]}
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
    monolingual_single = sum(len(detect_spans(row["text"]).langs) == 1 for row in mono)
    report["monolingual_single_language"] = monolingual_single / max(len(mono), 1)
    return report
