"""From per-item results to task scores, bootstrap standard errors and the SEA average.

Normalisation is SEA-HELM's: (score - baseline) / (max - baseline) * 100, with the random-guess
baseline for multiple choice, so 0 means "no better than chance" in every task. Averages go
task -> competency -> language -> SEA average; standard errors combine as for a mean of
independent estimates.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from seaforge.eval.metrics import chrf_from_stats, macro_f1
from seaforge.eval.tasks import Task

BOOTSTRAP_ROUNDS = 500

# A per-item record is a dict with at least "score" (0-1, or None when unscorable); choice
# tasks add "pred"/"gold", chrF++ adds "chrf_stats".


def metric_value(task: Task, records: Sequence[dict]) -> float:
    """The task metric on a 0-100 scale over the given per-item records of one seed."""
    if task.metric == "macro_f1":
        return 100 * macro_f1([r["pred"] for r in records], [r["gold"] for r in records], task.labels)
    if task.metric == "chrf_pp":
        totals = [sum(col) for col in zip(*(r["chrf_stats"] for r in records))]
        return chrf_from_stats(totals)
    scored = [r["score"] for r in records if r["score"] is not None]
    return 100 * sum(scored) / len(scored) if scored else float("nan")


def normalize(value: float, baseline: float, max_score: float = 100.0) -> float:
    """SEA-HELM normalisation to 0 at chance and 100 at the maximum (not clipped)."""
    return (value - baseline) / (max_score - baseline) * 100


def bootstrap_se(stat: Callable[[list[int]], float], n_items: int, rounds: int = BOOTSTRAP_ROUNDS,
                 seed: int = 0) -> float:
    """Standard deviation of `stat` over item resamples (with replacement)."""
    if n_items < 2:
        return float("nan")
    rng = random.Random(seed)
    values = []
    for _ in range(rounds):
        v = stat([rng.randrange(n_items) for _ in range(n_items)])
        if not math.isnan(v):
            values.append(v)
    if len(values) < 2:
        return float("nan")
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def task_summary(task: Task, per_seed: dict[int, list[dict]]) -> dict:
    """Metric, normalised metric and their bootstrap SEs over items, averaged over seeds.

    Every seed's records must list the same items in the same order.
    """
    seeds = sorted(per_seed)
    values = [metric_value(task, per_seed[s]) for s in seeds]
    mean = sum(values) / len(values)
    n = len(per_seed[seeds[0]])

    def stat(idx: list[int]) -> float:
        return sum(metric_value(task, [per_seed[s][i] for i in idx]) for s in seeds) / len(seeds)

    se = bootstrap_se(stat, n)
    span = task.max_score - task.random_baseline
    name = task.metric
    out = {name: mean, f"normalized_{name}": normalize(mean, task.random_baseline, task.max_score),
           "stderr": se, "normalized_stderr": se * 100 / span, "n": n,
           "per_seed": dict(zip(map(str, seeds), values)), "baseline": task.random_baseline}
    unscored = sum(r["score"] is None for s in seeds for r in per_seed[s])
    if unscored:
        out["unscored"] = unscored
    unparsed = sum(r.get("pred", "") is None for s in seeds for r in per_seed[s])
    if unparsed:
        out["unparsed"] = unparsed
    return out


def _mean_se(parts: list[tuple[float, float]]) -> dict:
    parts = [(v, s) for v, s in parts if not math.isnan(v)]
    if not parts:
        return {"score": float("nan"), "stderr": float("nan")}
    score = sum(v for v, _ in parts) / len(parts)
    se = math.sqrt(sum(s ** 2 for _, s in parts if not math.isnan(s))) / len(parts)
    return {"score": score, "stderr": se}


def aggregate(results: dict) -> dict:
    """`{lang: {competency: {task: summary}}}` -> competency, language and SEA averages."""
    languages = {}
    for lang, comps in results.items():
        comp_scores = {}
        for comp, tasks in comps.items():
            parts = [(s[normalized_key(s)], s["normalized_stderr"]) for s in tasks.values()]
            comp_scores[comp] = _mean_se(parts)
        lang_score = _mean_se([(c["score"], c["stderr"]) for c in comp_scores.values()])
        languages[lang] = {**lang_score, "competencies": comp_scores}
    sea = _mean_se([(v["score"], v["stderr"]) for v in languages.values()])
    return {"sea_average": sea, "languages": languages}


def normalized_key(summary: dict) -> str:
    """The `normalized_<metric>` key of a task summary."""
    return next(k for k in summary if k.startswith("normalized_") and "stderr" not in k)
