"""From per-item results to task scores, bootstrap standard errors and the SEA average.

Normalization is SEA-HELM's: (score - baseline) / (max - baseline) * 100, with the random-guess
baseline for multiple choice, so 0 means "no better than chance" in every task. Averages go
task -> competency -> language -> SEA average; standard errors combine as for a mean of
independent estimates. Standard errors come from the one paired bootstrap in `bootstrap.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from seaforge.eval.bootstrap import Statistic, standard_error
from seaforge.eval.metrics import chrf_from_stats
from seaforge.eval.tasks import Task

# A per-item record is a dict with at least "score" (0-1, or None when unscorable); choice
# tasks add "pred"/"gold", chrF++ adds "chrf_stats".


def item_vectors(metric: str, records: Sequence[dict], labels: Sequence[str] = ()) -> np.ndarray:
    """One row per item whose column sums determine the metric (see `metric_from_sums`)."""
    if metric == "chrf_pp":
        return np.array([record["chrf_stats"] for record in records], dtype=float)
    if metric == "macro_f1":
        labels = list(labels) or sorted({record["gold"] for record in records})
        rows = []
        for record in records:
            pred, gold = record["pred"], record["gold"]
            rows.append(
                [
                    count
                    for label in labels  # tp, fp, fn of each label
                    for count in (
                        pred == label and gold == label,
                        pred == label and gold != label,
                        pred != label and gold == label,
                    )
                ]
            )
        return np.array(rows, dtype=float).reshape(len(records), 3 * len(labels))
    return np.array([[record["score"] or 0.0, record["score"] is not None] for record in records], dtype=float).reshape(
        len(records), 2
    )


def metric_from_sums(metric: str, sums: np.ndarray) -> np.ndarray:
    """The metric (0-100) from summed item vectors, for every row of `sums` (..., columns)."""
    sums = np.asarray(sums, dtype=float)
    if metric == "chrf_pp":
        flat = sums.reshape(-1, sums.shape[-1])
        return np.array([chrf_from_stats(row) for row in flat]).reshape(sums.shape[:-1])
    if metric == "macro_f1":
        tp, fp, fn = sums[..., 0::3], sums[..., 1::3], sums[..., 2::3]
        denominator = 2 * tp + fp + fn
        f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=tp > 0)
        return 100 * f1.mean(axis=-1)
    total, scored = sums[..., 0], sums[..., 1]
    return np.divide(100 * total, scored, out=np.full_like(total, np.nan), where=scored > 0)


def metric_value(task: Task, records: Sequence[dict]) -> float:
    """The task metric on a 0-100 scale over the given per-item records of one seed."""
    return float(metric_from_sums(task.metric, item_vectors(task.metric, records, task.labels).sum(axis=0)))


def seed_mean_statistic(
    metric: str, vectors_by_seed: Sequence[np.ndarray], baseline: float | None = None, max_score: float = 100.0
) -> Statistic:
    """Item weights -> the metric averaged over seeds (normalized when `baseline` is given).

    This is the statistic shown in results and in `eval compare`, so it is what gets bootstrapped.
    """

    def statistic(weights: np.ndarray) -> np.ndarray:
        values = np.mean([metric_from_sums(metric, weights @ vectors) for vectors in vectors_by_seed], axis=0)
        return values if baseline is None else normalize(values, baseline, max_score)

    return statistic


def normalize(value, baseline: float, max_score: float = 100.0):
    """SEA-HELM normalization to 0 at chance and 100 at the maximum (not clipped)."""
    return (value - baseline) / (max_score - baseline) * 100


def task_summary(task: Task, per_seed: dict[int, list[dict]]) -> dict:
    """Metric, normalized metric and their bootstrap SEs over items, averaged over seeds.

    Every seed's records must list the same items in the same order.
    """
    seeds = sorted(per_seed)
    vectors_by_seed = [item_vectors(task.metric, per_seed[seed], task.labels) for seed in seeds]
    values = [float(metric_from_sums(task.metric, vectors.sum(axis=0))) for vectors in vectors_by_seed]
    mean = sum(values) / len(values)
    n_items = len(per_seed[seeds[0]])
    stderr = standard_error(seed_mean_statistic(task.metric, vectors_by_seed), n_items)
    span = task.max_score - task.random_baseline
    name = task.metric
    summary = {
        name: mean,
        f"normalized_{name}": normalize(mean, task.random_baseline, task.max_score),
        "stderr": stderr,
        "normalized_stderr": stderr * 100 / span,
        "n": n_items,
        "per_seed": dict(zip(map(str, seeds), values)),
        "baseline": task.random_baseline,
    }
    unscored = sum(record["score"] is None for seed in seeds for record in per_seed[seed])
    if unscored:
        summary["unscored"] = unscored
    unparsed = sum(record.get("pred", "") is None for seed in seeds for record in per_seed[seed])
    if unparsed:
        summary["unparsed"] = unparsed
    return summary


def _mean_se(parts: list[tuple[float, float]]) -> dict:
    parts = [(value, stderr) for value, stderr in parts if not math.isnan(value)]
    if not parts:
        return {"score": float("nan"), "stderr": float("nan")}
    score = sum(value for value, _ in parts) / len(parts)
    stderr = math.sqrt(sum(se**2 for _, se in parts if not math.isnan(se))) / len(parts)
    return {"score": score, "stderr": stderr}


def aggregate(results: dict) -> dict:
    """`{lang: {competency: {task: summary}}}` -> competency, language and SEA averages."""
    languages = {}
    for lang, comps in results.items():
        comp_scores = {}
        for comp, tasks in comps.items():
            parts = [(summary[normalized_key(summary)], summary["normalized_stderr"]) for summary in tasks.values()]
            comp_scores[comp] = _mean_se(parts)
        lang_score = _mean_se([(entry["score"], entry["stderr"]) for entry in comp_scores.values()])
        languages[lang] = {**lang_score, "competencies": comp_scores}
    sea = _mean_se([(entry["score"], entry["stderr"]) for entry in languages.values()])
    return {"sea_average": sea, "languages": languages}


def normalized_key(summary: dict) -> str:
    """The `normalized_<metric>` key of a task summary."""
    return next(key for key in summary if key.startswith("normalized_") and "stderr" not in key)
