"""`seaforge guard eval`: AUPRC, F1 and false-positive rate overall, per language, per code-switched
mix and per category, with the confusion counts behind them."""

from __future__ import annotations

from collections import Counter, defaultdict

from seaforge.guard.records import Record


def _metrics(labels: list[bool], scores: list[float], predicted: list[bool]) -> dict:
    from sklearn.metrics import average_precision_score

    tp = sum(y and p for y, p in zip(labels, predicted))
    fp = sum(p and not y for y, p in zip(labels, predicted))
    fn = sum(y and not p for y, p in zip(labels, predicted))
    tn = sum(not y and not p for y, p in zip(labels, predicted))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else (0.0 if tp + fn else None)
    both = 0 < sum(labels) < len(labels)  # AUPRC needs positives and negatives
    return {
        "n": len(labels),
        "unsafe": sum(labels),
        "auprc": round(float(average_precision_score(labels, scores)), 4) if both else None,
        "f1": None if f1 is None else round(f1, 4),
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "fpr": round(fp / (fp + tn), 4) if fp + tn else None,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def evaluate(records: list[Record], guard, progress=None) -> dict:
    """Run the guard over labelled records and report every slice."""
    results = []
    for record in records:
        results.append(guard.check(record.text, record.response))
        if progress:
            progress()
    groups: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        groups["all"].append(i)
        groups[f"lang:{record.lang}"].append(i)
        if record.mix:
            groups[f"mix:{record.mix}"].append(i)
        groups["mode:response" if record.response else "mode:prompt"].append(i)
    slices = {}
    for name, index in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        slices[name] = _metrics(
            [records[i].unsafe for i in index], [results[i].score for i in index], [results[i].unsafe for i in index]
        )
    per_category = {}
    safe = [i for i, r in enumerate(records) if not r.unsafe]
    for name in sorted({c for r in records for c in r.categories}):
        positives = [i for i, r in enumerate(records) if name in r.categories]
        index = positives + safe  # this category's harm against every benign record
        per_category[name] = _metrics(
            [True] * len(positives) + [False] * len(safe),
            [results[i].scores[name] for i in index],
            [any(c["name"] == name for c in results[i].categories) for i in index],
        )
    stages = Counter(r.stage for r in results)
    errors = [
        {"text": records[i].target[:120], "lang": records[i].lang, "label": records[i].unsafe,
         "score": round(results[i].score, 3), "stage": results[i].stage}
        for i in range(len(records)) if records[i].unsafe != results[i].unsafe
    ]  # fmt: skip
    return {
        "slices": slices,
        "categories": per_category,
        "stages": dict(stages),
        "generative_share": round(stages.get("generative", 0) / len(records), 4) if records else 0.0,
        "errors": errors,
    }


def render(report: dict, console) -> None:
    from rich.table import Table

    def fmt(value):
        return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    for title, rows in (
        ("slices", report["slices"]),
        ("categories (each against all safe records)", report["categories"]),
    ):
        table = Table(title=title)
        for column in ("slice", "n", "unsafe", "AUPRC", "F1", "precision", "recall", "FPR", "tp/fp/fn/tn"):
            table.add_column(column, justify="left" if column == "slice" else "right")
        for name, m in rows.items():
            c = m["confusion"]
            table.add_row(name, str(m["n"]), str(m["unsafe"]), fmt(m["auprc"]), fmt(m["f1"]), fmt(m["precision"]),
                          fmt(m["recall"]), fmt(m["fpr"]), f"{c['tp']}/{c['fp']}/{c['fn']}/{c['tn']}")  # fmt: skip
        console.print(table)
    console.print(
        f"stages: {report['stages']}; share decided by the generative guard: {report['generative_share']:.1%}"
    )
