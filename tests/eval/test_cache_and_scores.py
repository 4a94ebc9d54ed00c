"""The on-disk inference cache (resume, no recompute) and score normalization/aggregation."""

import math

import numpy as np
import pytest

from seaforge.eval.bootstrap import difference_test, paired_bootstrap, standard_error
from seaforge.eval.cache import InferenceCache, LLRequest, cached_call, make_gen, request_key
from seaforge.eval.metrics import chrf_pp, chrf_stats
from seaforge.eval.scores import aggregate, item_vectors, metric_value, normalize, seed_mean_statistic, task_summary
from seaforge.eval.tasks import bundled_tasks


def _requests(n):
    return [make_gen(prompt=f"p{i}", max_tokens=4) for i in range(n)]


def test_cache_computes_only_misses_and_survives_reopen(tmp_path):
    calls = []

    def compute(reqs):
        calls.append(len(reqs))
        return [r.prompt.upper() for r in reqs]

    cache = InferenceCache(tmp_path / "c.sqlite")
    assert cached_call(cache, "m", _requests(5), compute, chunk=2) == ["P0", "P1", "P2", "P3", "P4"]
    assert calls == [2, 2, 1]
    cache.close()
    cache = InferenceCache(tmp_path / "c.sqlite")
    assert cached_call(cache, "m", _requests(6), compute) == ["P0", "P1", "P2", "P3", "P4", "P5"]
    assert calls[-1] == 1 and cache.stats.hits == 5 and cache.stats.misses == 1


def test_killed_run_keeps_finished_chunks_and_resumes_without_duplicates(tmp_path):
    calls = []

    def dies_after_first_chunk(requests):
        calls.append(len(requests))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the kill arrives during the second chunk
        return [request.prompt for request in requests]

    cache = InferenceCache(tmp_path / "c.sqlite")
    with pytest.raises(KeyboardInterrupt):
        cached_call(cache, "m", _requests(4), dies_after_first_chunk, chunk=2)
    assert len(cache) == 2
    seen = []
    out = cached_call(cache, "m", _requests(4), lambda reqs: seen.extend(reqs) or [r.prompt for r in reqs])
    assert out == ["p0", "p1", "p2", "p3"] and [r.prompt for r in seen] == ["p2", "p3"]
    assert len(cache) == 4


def test_cache_key_depends_on_model_and_request_but_not_on_seed_when_greedy():
    greedy0 = make_gen(prompt="x", temperature=0.0, seed=0)
    greedy1 = make_gen(prompt="x", temperature=0.0, seed=1)
    assert request_key("m", greedy0) == request_key("m", greedy1)
    sampled0 = make_gen(prompt="x", temperature=0.7, seed=0)
    sampled1 = make_gen(prompt="x", temperature=0.7, seed=1)
    assert request_key("m", sampled0) != request_key("m", sampled1)
    assert request_key("m", greedy0) != request_key("other", greedy0)
    assert request_key("m", LLRequest("a", " b")) != request_key("m", LLRequest("a ", "b"))


def test_normalize_against_random_baseline():
    assert normalize(62.5, 25.0) == pytest.approx(50.0)  # 4-way MC, 62.5% right
    assert normalize(25.0, 25.0) == 0.0
    assert normalize(10.0, 25.0) < 0  # worse than chance stays visible


def test_task_summary_hand_example_and_seed_average():
    task = bundled_tasks()["knowledge"]  # 4 options: baseline 25
    seed0 = [{"score": s, "pred": "A", "gold": "A"} for s in (1, 1, 0, 0)]  # 50%
    seed1 = [{"score": s, "pred": "A", "gold": "A"} for s in (1, 1, 1, 0)]  # 75%
    summary = task_summary(task, {0: seed0, 1: seed1})
    assert summary["accuracy"] == pytest.approx(62.5)
    assert summary["normalized_accuracy"] == pytest.approx(50.0)
    assert summary["per_seed"] == {"0": 50.0, "1": 75.0}
    assert summary["stderr"] > 0 and summary["n"] == 4


def test_standard_error_is_zero_for_constant_scores_and_nan_for_one_item():
    def constant(weights):
        return np.ones(len(weights))

    assert standard_error(constant, 10) == 0.0
    assert math.isnan(standard_error(constant, 1))


def test_standard_error_of_accuracy_matches_the_binomial_formula():
    records = [{"score": float(i % 10 < 3)} for i in range(400)]  # 30% right
    statistic = seed_mean_statistic("accuracy", [item_vectors("accuracy", records)])
    expected = 100 * math.sqrt(0.3 * 0.7 / 400)  # 2.29 points
    assert standard_error(statistic, 400, rounds=2000) == pytest.approx(expected, rel=0.1)


def test_bootstrap_statistic_at_full_weight_is_the_shown_corpus_metric():
    hyps = ["Pasar buka pagi.", "Saya suka nasi goreng pedas.", "Hujan turun deras sekali."]
    refs = [["Pasar dibuka pagi hari."], ["Saya suka nasi goreng."], ["Hari ini hujan."]]
    records = [{"score": 0.0, "chrf_stats": chrf_stats(h, r, "id")} for h, r in zip(hyps, refs)]
    statistic = seed_mean_statistic("chrf_pp", [item_vectors("chrf_pp", records)])
    corpus = chrf_pp(hyps, refs, "id")
    assert statistic(np.ones((1, 3)))[0] == pytest.approx(corpus)
    mean_of_segments = np.mean([chrf_pp([h], [r], "id") for h, r in zip(hyps, refs)])
    assert abs(corpus - mean_of_segments) > 0.5  # the two really differ, so the test can fail


def test_paired_bootstrap_uses_the_same_resamples_for_every_statistic():
    values = paired_bootstrap([lambda w: w[:, 0], lambda w: w[:, 0] * 2], 5, rounds=300)
    assert values.shape == (2, 300) and np.array_equal(values[1], 2 * values[0])
    assert values[0].sum() > 0 and np.array_equal(
        values, paired_bootstrap([lambda w: w[:, 0], lambda w: w[:, 0] * 2], 5, rounds=300)
    )  # seeded: deterministic


def test_difference_test_of_identical_statistics_is_not_significant():
    records = [{"score": float(i % 2)} for i in range(20)]
    statistic = seed_mean_statistic("accuracy", [item_vectors("accuracy", records)])
    low, high, p_value = difference_test(statistic, statistic, 20)
    assert (low, high, p_value) == (0.0, 0.0, 1.0)


def test_metric_value_uses_the_task_metric():
    task = bundled_tasks()["knowledge"]
    assert metric_value(task, [{"score": 1.0}, {"score": 0.0}, {"score": None}]) == 50.0


def test_aggregate_averages_task_then_competency_then_language():
    def s(x, se=0.0):
        return {"normalized_accuracy": x, "normalized_stderr": se}

    results = {
        "id": {"nlu": {"a": s(40), "b": s(60)}, "nlr": {"c": s(20)}},  # nlu 50, nlr 20 -> 35
        "th": {"nlu": {"a": s(10)}},  # 10
    }
    agg = aggregate(results)
    assert agg["languages"]["id"]["competencies"]["nlu"]["score"] == 50
    assert agg["languages"]["id"]["score"] == 35
    assert agg["languages"]["th"]["score"] == 10
    assert agg["sea_average"]["score"] == pytest.approx(22.5)
