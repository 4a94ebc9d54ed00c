import numpy as np
import pytest

from seaforge.data.mixing import doc_weight, plan_mixture, repeats, target_shares, unit_hash


def test_replay_share_is_taken_first_and_the_rest_follows_proportions():
    shares = target_shares({"th": 100, "km": 10, "en": 1000}, proportions={"th": 3, "km": 1}, replay={"en": 0.2})
    assert shares == pytest.approx({"en": 0.2, "th": 0.6, "km": 0.2})


def test_temperature_flattens_towards_small_languages():
    natural = target_shares({"th": 900, "km": 100})
    flat = target_shares({"th": 900, "km": 100}, temperature=3.0)
    assert natural["km"] == pytest.approx(0.1)
    assert 0.1 < flat["km"] < 0.5 and sum(flat.values()) == pytest.approx(1.0)


def test_rates_hit_the_target_and_are_capped_at_max_epochs():
    plan = plan_mixture({"th": 1000, "lo": 10}, proportions={"th": 0.5, "lo": 0.5}, max_epochs=4)
    assert plan["th"].rate == pytest.approx(0.505)
    assert plan["lo"].rate == 4 and plan["lo"].capped


def test_repeats_are_deterministic_with_the_right_expectation():
    u = np.array([unit_hash(f"doc-{i}") for i in range(20000)])
    counts = repeats(u, np.full(len(u), 1.3))
    assert (counts == repeats(u.copy(), np.full(len(u), 1.3))).all()
    assert set(counts.tolist()) == {1, 2} and counts.mean() == pytest.approx(1.3, abs=0.02)


def test_duplicated_and_high_quality_documents_weigh_more():
    assert doc_weight(1, 3, 1.0) == 1 and doc_weight(5, 3, 1.0) == 3 and doc_weight(2, 3, 2.0) == 4


def test_training_replay_and_data_mixing_plan_shares_with_one_planner():
    from seaforge.train.batches import resolve_weights

    langs = ["th", "vi", "en"]
    cases = [
        ({"th": 3, "vi": 1}, {"en": 0.2}, {}),  # explicit mixture plus replay
        (None, {"en": 0.5}, {"th": 100, "vi": 300, "en": 999}),  # natural shares of the index
        ({"th": 1, "en": 1}, {"en": 0.2}, {}),
    ]  # a replay language also named in the mixture
    for mixture, replay, default in cases:
        trained = resolve_weights(langs, mixture, replay, default)
        tokens = default or dict.fromkeys(langs, 1)
        mixed = {lang: share for lang, share in target_shares(tokens, mixture, None, replay).items() if share > 0}
        assert trained == pytest.approx(mixed) and sum(trained.values()) == pytest.approx(1.0)
    assert resolve_weights(langs, {"th": 1, "en": 1}, {"en": 0.2}, {}) == pytest.approx({"th": 0.4, "en": 0.6})
