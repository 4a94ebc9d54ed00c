"""`seaforge eval compare A B`: per-task differences with paired-bootstrap significance.

Both runs scored the same items, so the test pairs them item by item: resampling items and
recomputing each run's shown score (the normalized corpus metric, averaged over seeds: chrF++ from
summed n-gram counts, macro-F1 from summed label counts) tells whether a gain is larger than the
item noise. The bootstrap is the one in `bootstrap.py` that also gives the standard errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

from seaforge.errors import UserError
from seaforge.eval.bootstrap import difference_test
from seaforge.eval.scores import item_vectors, normalized_key, seed_mean_statistic
from seaforge.eval.tasks import check_name
from seaforge.io import iter_jsonl

ALPHA = 0.05
ROUNDS = 2000


def item_records(run: dict, task: str, lang: str) -> dict[int, dict[str, dict]]:
    """`{seed: {item id: record}}` from the run's items/<task>/<lang>.jsonl ({} when absent)."""
    path = Path(run["_path"]).parent / "items" / check_name(task) / f"{check_name(lang, 'language')}.jsonl"
    if not path.exists():
        return {}
    by_seed: dict[int, dict[str, dict]] = {}
    for line in iter_jsonl(path):
        if line.error:
            raise UserError(f"{line.error} (a per-item results file of `eval run`)")
        record = line.record
        by_seed.setdefault(int(record.get("seed", 0)), {})[str(record["id"])] = record
    return by_seed


def _statistic(run: dict, task: str, records_by_seed: dict[int, dict[str, dict]], shared: list[str], summary: dict):
    meta = run.get("tasks", {}).get(task, {})
    metric = meta.get("metric") or normalized_key(summary).removeprefix("normalized_")
    vectors = [
        item_vectors(metric, [records[item_id] for item_id in shared], meta.get("labels") or ())
        for _, records in sorted(records_by_seed.items())
    ]
    clip = bool((run.get("protocol") or {}).get("clip"))  # as the run normalized it (SEA-HELM: at 0)
    return seed_mean_statistic(metric, vectors, summary.get("baseline", 0.0), meta.get("max_score", 100.0), clip)


def compare_runs(a: dict, b: dict, rounds: int = ROUNDS) -> list[dict]:
    """One row per task and language the two runs share."""
    rows = []
    for lang, comps in b["results"].items():
        for comp, tasks in comps.items():
            for task, summary_b in tasks.items():
                summary_a = a["results"].get(lang, {}).get(comp, {}).get(task)
                if summary_a is None:
                    continue
                key = normalized_key(summary_b)
                row = {
                    "lang": lang,
                    "competency": comp,
                    "task": task,
                    "metric": key,
                    "a": summary_a.get(key),
                    "b": summary_b.get(key),
                }
                row["diff"] = (row["b"] - row["a"]) if None not in (row["a"], row["b"]) else None
                records_a, records_b = item_records(a, task, lang), item_records(b, task, lang)
                id_sets = [set(records) for records in (*records_a.values(), *records_b.values())]
                shared = sorted(set.intersection(*id_sets)) if id_sets else []
                row["n"] = len(shared)
                test = None
                if len(shared) >= 2:
                    test = difference_test(
                        _statistic(a, task, records_a, shared, summary_a),
                        _statistic(b, task, records_b, shared, summary_b),
                        len(shared),
                        rounds,
                    )
                if test is None:
                    row.update(ci=None, p=None, significant=False)
                else:
                    low, high, p_value = test
                    row.update(ci=(low, high), p=p_value, significant=p_value < ALPHA)
                rows.append(row)
    return rows


def render_comparison(rows: list[dict]) -> Table:
    table = Table(title="B - A (normalized scores; * = p < 0.05, paired bootstrap over items)")
    for column in ("lang", "task", "A", "B", "B - A", "95% CI", "p", "n"):
        table.add_column(column, justify="left" if column in ("lang", "task") else "right")
    for row in sorted(rows, key=lambda row: (row["lang"], row["task"])):
        diff = "-" if row["diff"] is None else f"{row['diff']:+.1f}{' *' if row['significant'] else ''}"
        interval = "-" if not row["ci"] else f"[{row['ci'][0]:+.1f}, {row['ci'][1]:+.1f}]"
        p_value = "-" if row["p"] is None else f"{row['p']:.3f}"
        table.add_row(
            row["lang"], row["task"], _format(row["a"]), _format(row["b"]), diff, interval, p_value, str(row["n"])
        )
    return table


def _format(value: float | None) -> str:
    return "-" if value is None or np.isnan(value) else f"{value:.1f}"
