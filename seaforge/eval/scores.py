"""From per-item results to task scores, bootstrap standard errors and the SEA average.

Normalization is SEA-HELM's: (score - baseline) / (max - baseline) * 100, with the random-guess
baseline for multiple choice, so 0 means "no better than chance" in every task; under the seahelm
protocol it is clipped at 0 as SEA-HELM does. Choice tasks there are scored with balanced accuracy
(mean recall over the gold labels), so always answering one label scores chance, not the share of
that label. Averages go task -> (aggregation group, e.g. both translation directions) ->
competency -> language -> SEA average; standard errors combine as for a mean of independent
estimates. Standard errors come from the one paired bootstrap in `bootstrap.py`.
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


def _gold_probability(record: dict, labels: Sequence[str]) -> float:
    """exp(log-probability of the gold option): SEA-HELM's cumulative probability of the answer."""
    logprobs = record.get("logprobs")
    if not logprobs or record.get("gold") not in labels:
        return 0.0  # SEA-HELM counts a missing probability as 0
    return math.exp(logprobs[list(labels).index(record["gold"])])


def item_vectors(metric: str, records: Sequence[dict], labels: Sequence[str] = ()) -> np.ndarray:
    """One row per item whose column sums determine the metric (see `metric_from_sums`)."""
    if metric == "chrf_pp":
        return np.array([record["chrf_stats"] for record in records], dtype=float)
    if metric == "wer":  # corpus WER: word errors over reference words (seaforge.eval.asr)
        return np.array([[record["word_errors"], record["words"]] for record in records], dtype=float).reshape(
            len(records), 2
        )
    if metric == "balanced_accuracy":
        labels = list(labels) or sorted({record["gold"] for record in records})
        rows = [
            [
                count
                for label in labels
                for count in (record["pred"] == label == record["gold"], record["gold"] == label)
            ]
            for record in records
        ]
        return np.array(rows, dtype=float).reshape(len(records), 2 * len(labels))
    if metric == "gold_probability":
        return np.array([[_gold_probability(record, labels), 1.0] for record in records], dtype=float).reshape(
            len(records), 2
        )
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
    if metric == "balanced_accuracy":  # mean recall over the labels that occur as gold
        correct, support = sums[..., 0::2], sums[..., 1::2]
        recall = np.divide(correct, support, out=np.zeros_like(correct), where=support > 0)
        present = (support > 0).sum(axis=-1)
        return np.divide(
            100 * recall.sum(axis=-1), present, out=np.full_like(present, np.nan, dtype=float), where=present > 0
        )
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
    metric: str,
    vectors_by_seed: Sequence[np.ndarray],
    baseline: float | None = None,
    max_score: float = 100.0,
    clip: bool = False,
) -> Statistic:
    """Item weights -> the metric averaged over seeds (normalized when `baseline` is given, clipped
    at 0 when `clip`).

    This is the statistic shown in results and in `eval compare`, so it is what gets bootstrapped.
    """

    def statistic(weights: np.ndarray) -> np.ndarray:
        values = np.mean([metric_from_sums(metric, weights @ vectors) for vectors in vectors_by_seed], axis=0)
        return values if baseline is None else normalize(values, baseline, max_score, clip)

    return statistic


def normalize(value, baseline: float, max_score: float = 100.0, clip: bool = False):
    """SEA-HELM normalization to 0 at chance and 100 at the maximum; with `clip` (SEA-HELM's
    protocol) never below 0: max((score - baseline) / (max - baseline), 0) * 100."""
    normalized = (value - baseline) / (max_score - baseline) * 100
    if not clip:
        return normalized
    clipped = np.maximum(normalized, 0.0)  # NaN stays NaN
    return clipped if isinstance(normalized, np.ndarray) else float(clipped)


def _choice_extras(task: Task, records: list[dict]) -> dict:
    """SEA-HELM's companions of a choice score: macro-F1 over the gold labels, the null count
    (answers naming no option) and macro-F1 weighted by the share of non-null answers."""
    scored = [record for record in records if "pred" in record and "gold" in record]
    if not scored:
        return {}
    gold = sorted({record["gold"] for record in scored}, key=lambda label: list(task.labels).index(label)
                  if label in task.labels else len(task.labels))  # fmt: skip
    macro_f1 = float(metric_from_sums("macro_f1", item_vectors("macro_f1", scored, gold).sum(axis=0)))
    nulls = sum(record["pred"] is None for record in scored)
    return {
        "macro_f1": macro_f1,
        "null_count": nulls,
        "null_weighted_f1": macro_f1 * (1 - nulls / len(scored)),
    }


def task_summary(task: Task, per_seed: dict[int, list[dict]], clip: bool = False) -> dict:
    """Metric, normalized metric and their bootstrap SEs over items, averaged over seeds.

    Every seed's records must list the same items in the same order. `clip`: normalized scores
    below 0 become 0 (SEA-HELM); the standard error stays that of the unclipped score.
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
        f"normalized_{name}": normalize(mean, task.random_baseline, task.max_score, clip),
        "stderr": stderr,
        "normalized_stderr": stderr * 100 / span,
        "n": n_items,
        "per_seed": dict(zip(map(str, seeds), values)),
        "baseline": task.random_baseline,
    }
    if task.kind == "choice" and task.metric != "gold_probability":
        extras = [_choice_extras(task, per_seed[seed]) for seed in seeds]
        for key in ("macro_f1", "null_weighted_f1"):
            if all(key in extra for extra in extras):
                summary[key] = sum(extra[key] for extra in extras) / len(extras)
        if all("null_count" in extra for extra in extras):
            summary["null_count"] = sum(extra["null_count"] for extra in extras)
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
    stderr = math.sqrt(sum(se**2 for _, se in parts)) / len(parts)  # a part with none (n = 1): unknown, NaN
    return {"score": score, "stderr": stderr}


def aggregate(results: dict, groups: dict[str, str] | None = None) -> dict:
    """`{lang: {competency: {task: summary}}}` -> competency, language and SEA averages.

    `groups` (task -> aggregation group, SEA-HELM's protocol): the tasks of a group are averaged
    into one entry first, so en->xx and xx->en count once in the competency mean, as one task.
    """
    groups = groups or {}
    languages = {}
    for lang, comps in results.items():
        comp_scores = {}
        for comp, tasks in comps.items():
            entries: dict[str, list[tuple[float, float]]] = {}
            for task, summary in tasks.items():
                part = (summary[normalized_key(summary)], summary["normalized_stderr"])
                entries.setdefault(groups.get(task, f"task:{task}"), []).append(part)
            parts, group_scores = [], {}
            for key, members in entries.items():
                entry = _mean_se(members)
                parts.append((entry["score"], entry["stderr"]))
                if not key.startswith("task:"):
                    group_scores[key] = {
                        **entry,
                        "tasks": [task for task in tasks if groups.get(task) == key],
                    }
            comp_scores[comp] = _mean_se(parts)
            if group_scores:
                comp_scores[comp]["groups"] = group_scores
        lang_score = _mean_se([(entry["score"], entry["stderr"]) for entry in comp_scores.values()])
        languages[lang] = {**lang_score, "competencies": comp_scores}
    sea = _mean_se([(entry["score"], entry["stderr"]) for entry in languages.values()])
    return {"sea_average": sea, "languages": languages}


def normalized_key(summary: dict) -> str:
    """The `normalized_<metric>` key of a task summary."""
    return next(key for key in summary if key.startswith("normalized_") and "stderr" not in key)
