"""`seaforge eval compare A B`: per-task differences with paired-bootstrap significance.

Both runs scored the same items, so the test pairs them item by item: resampling items and
recomputing the mean difference tells whether a gain is larger than the item noise.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from rich.table import Table

from seaforge.eval.scores import normalized_key

ALPHA = 0.05


def item_scores(run: dict, task: str, lang: str) -> dict[str, float]:
    """Per-item score (0-1) averaged over seeds, from the run's items/<task>/<lang>.jsonl."""
    path = Path(run["_path"]).parent / "items" / task / f"{lang}.jsonl"
    if not path.exists():
        return {}
    sums: dict[str, list[float]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("score") is not None:
                sums.setdefault(str(row["id"]), []).append(float(row["score"]))
    return {k: sum(v) / len(v) for k, v in sums.items()}


def compare_runs(a: dict, b: dict, rounds: int = 2000) -> list[dict]:
    """One row per task and language the two runs share."""
    rows = []
    for lang, comps in b["results"].items():
        for comp, tasks in comps.items():
            for task, sb in tasks.items():
                sa = a["results"].get(lang, {}).get(comp, {}).get(task)
                if sa is None:
                    continue
                key = normalized_key(sb)
                row = {"lang": lang, "competency": comp, "task": task, "metric": key,
                       "a": sa.get(key), "b": sb.get(key)}
                row["diff"] = (row["b"] - row["a"]) if None not in (row["a"], row["b"]) else None
                ia, ib = item_scores(a, task, lang), item_scores(b, task, lang)
                shared = sorted(set(ia) & set(ib))
                row["n"] = len(shared)
                if len(shared) >= 2:
                    scale = 100 / (100 - sb.get("baseline", 0.0)) * 100  # item 0-1 -> normalised
                    mean, low, high, p = paired_bootstrap([ia[k] for k in shared], [ib[k] for k in shared], rounds)
                    row.update(ci=(low * scale, high * scale), p=p, significant=p < ALPHA)
                else:
                    row.update(ci=None, p=None, significant=False)
                rows.append(row)
    return rows


def paired_bootstrap(a: list[float], b: list[float], rounds: int = 2000
                     ) -> tuple[float, float, float, float]:
    """Mean of b - a, its 95% bootstrap interval, and a two-sided p-value for "no difference"."""
    n = len(a)
    diffs = [y - x for x, y in zip(a, b)]
    mean = sum(diffs) / n
    rng = random.Random(0)
    boots = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    low, high = boots[int(0.025 * rounds)], boots[min(rounds - 1, int(0.975 * rounds))]
    if all(d == 0 for d in diffs):
        return mean, low, high, 1.0
    p = 2 * min(sum(d <= 0 for d in boots), sum(d >= 0 for d in boots)) / rounds
    return mean, low, high, min(1.0, p)


def render_comparison(rows: list[dict]) -> Table:
    table = Table(title="B - A (normalised scores; * = p < 0.05, paired bootstrap over items)")
    for col in ("lang", "task", "A", "B", "B - A", "95% CI", "p", "n"):
        table.add_column(col, justify="left" if col in ("lang", "task") else "right")
    for r in sorted(rows, key=lambda r: (r["lang"], r["task"])):
        diff = "-" if r["diff"] is None else f"{r['diff']:+.1f}{' *' if r['significant'] else ''}"
        ci = "-" if not r["ci"] else f"[{r['ci'][0]:+.1f}, {r['ci'][1]:+.1f}]"
        p = "-" if r["p"] is None else f"{r['p']:.3f}"
        table.add_row(r["lang"], r["task"], _f(r["a"]), _f(r["b"]), diff, ci, p, str(r["n"]))
    return table


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"
