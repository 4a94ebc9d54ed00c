"""Arena statistics against answers known in advance: simulated strengths, hand-computed kappas."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from seaforge.arena.records import Vote
from seaforge.arena.stats import (
    SCALE,
    agreement,
    annotator_counts,
    cohen_kappa,
    fit_strengths,
    fleiss_kappa,
    leaderboard,
    position_bias,
    summary,
    win_matrix,
)

_ids = itertools.count()


def vote(a: str, b: str, winner: str, *, annotator: str = "u1", battle: str | None = None, lang: str = "id", **kw):
    return Vote(
        battle_id=battle or f"b{next(_ids)}",
        lang=lang,
        prompt="Apa ibu kota Indonesia?",
        model_a=a,
        model_b=b,
        answer_a=f"jawaban {a}",
        answer_b=f"jawaban {b}",
        winner=winner,
        annotator=annotator,
        **kw,
    )


def simulated(strengths: dict[str, float], n: int, seed: int) -> list[Vote]:
    """Decisive votes between random pairs, A winning with the Bradley-Terry probability."""
    rng = np.random.default_rng(seed)
    names = sorted(strengths)
    votes = []
    for k in range(n):
        i, j = rng.choice(len(names), 2, replace=False)
        p_a = 1 / (1 + math.exp(strengths[names[j]] - strengths[names[i]]))
        votes.append(vote(names[i], names[j], "a" if rng.random() < p_a else "b", annotator=f"u{k % 5}"))
    return votes


def true_scores(strengths: dict[str, float]) -> dict[str, float]:
    mean = sum(strengths.values()) / len(strengths)
    return {m: 1000 + SCALE * (s - mean) for m, s in strengths.items()}


STRENGTHS = {"sailor": 1.2, "sealion": 0.8, "seallm": 0.3, "llama": 0.0, "tiny": -0.9}


def test_leaderboard_recovers_the_simulated_order():
    ratings = leaderboard(simulated(STRENGTHS, 4000, seed=1))
    assert [r.model for r in ratings] == sorted(STRENGTHS, key=STRENGTHS.get, reverse=True)
    truth = true_scores(STRENGTHS)
    assert all(abs(r.score - truth[r.model]) < 40 for r in ratings)
    assert math.isclose(sum(r.score for r in ratings) / len(ratings), 1000.0)


def test_bootstrap_intervals_cover_the_true_scores_in_most_seeds():
    truth = true_scores(STRENGTHS)
    covered = total = 0
    for seed in range(20):
        for r in leaderboard(simulated(STRENGTHS, 1500, seed=100 + seed), rounds=200, seed=seed):
            assert r.lo <= r.score <= r.hi
            covered += r.lo <= truth[r.model] <= r.hi
            total += 1
    assert covered / total >= 0.85  # nominal 95%; the mean anchor makes scores correlated, so allow slack


def test_more_votes_give_narrower_intervals():
    few = leaderboard(simulated(STRENGTHS, 300, seed=3))
    many = leaderboard(simulated(STRENGTHS, 3000, seed=3))
    assert np.mean([r.hi - r.lo for r in many]) < 0.5 * np.mean([r.hi - r.lo for r in few])


def test_newton_fit_matches_a_plain_minorize_maximize_fit():
    """The same objective (likelihood + one virtual tie per model against strength 0) fitted by Hunter's MM."""
    rng = np.random.default_rng(0)
    wins = rng.integers(0, 9, size=(4, 4)).astype(float)
    np.fill_diagonal(wins, 0)
    wins[3, :] = 0  # a model that never won
    p = [1.0] * 4
    for _ in range(20000):
        p = [
            (wins[i].sum() + 0.5) / (sum((wins[i, j] + wins[j, i]) / (p[i] + p[j]) for j in range(4)) + 1 / (p[i] + 1))
            for i in range(4)
        ]
    assert np.allclose(fit_strengths(wins), np.log(p), atol=1e-6)


def test_a_tie_counts_as_half_a_win():
    with_ties = [vote("x", "y", "a")] + [vote("x", "y", "tie") for _ in range(2)]
    decisive = [vote("x", "y", "a") for _ in range(2)] + [vote("y", "x", "a")]  # 2 wins, 1 loss
    assert [r.score for r in leaderboard(with_ties, rounds=0)] == pytest.approx(
        [r.score for r in leaderboard(decisive, rounds=0)]
    )
    x = next(r for r in leaderboard(with_ties, rounds=0) if r.model == "x")
    assert (x.votes, x.wins, x.losses, x.ties) == (3, 1.0, 0.0, 2)


def test_scores_follow_the_log_odds_scale():
    ratings = leaderboard(
        [vote("x", "y", "a") for _ in range(750)] + [vote("x", "y", "b") for _ in range(250)], rounds=0
    )
    assert ratings[0].score - ratings[1].score == pytest.approx(400 * math.log10(3), abs=1.0)


def test_both_bad_is_left_out_of_the_scores_and_counted():
    base = simulated(STRENGTHS, 500, seed=5)
    extra = [vote("tiny", "sailor", "both_bad"), vote("tiny", "llama", "both_bad")]
    before = {r.model: r.score for r in leaderboard(base, rounds=0)}
    after = leaderboard(base + extra, rounds=0)
    assert {r.model: r.score for r in after} == pytest.approx(before)
    assert {r.model: r.both_bad for r in after}["tiny"] == 2


def test_a_model_that_won_every_vote_gets_a_finite_score():
    ratings = leaderboard([vote("x", "y", "a") for _ in range(30)] + [vote("y", "z", "a") for _ in range(30)])
    assert [r.model for r in ratings] == ["x", "y", "z"]
    assert all(math.isfinite(v) for r in ratings for v in (r.score, r.lo, r.hi))


def test_empty_and_single_model_inputs_give_clear_results():
    assert leaderboard([]) == []
    assert win_matrix([]) == ([], [])
    assert annotator_counts([]) == {}
    assert agreement([]).kappa is None and agreement([]).items == 0
    assert position_bias([]) == position_bias([], alpha=0.01)
    assert position_bias([]).p_value is None and not position_bias([]).biased
    assert summary([]) == {"votes": 0, "languages": {}}
    (only,) = leaderboard([vote("x", "x", "a"), vote("x", "x", "both_bad")])
    assert (only.model, only.score, only.lo, only.hi, only.votes) == ("x", 1000.0, 1000.0, 1000.0, 0)


def test_language_filter_and_latest_vote_per_annotator():
    votes = [
        vote("x", "y", "a", battle="1", created_at=1.0),
        vote("x", "y", "b", battle="1", created_at=2.0),  # the same annotator changed their mind
        vote("x", "y", "a", lang="th", annotator="u2"),
    ]
    assert [r.model for r in leaderboard(votes, lang="id")] == ["y", "x"]
    assert [r.model for r in leaderboard(votes, lang="th")] == ["x", "y"]
    assert annotator_counts(votes) == {"u1": 1, "u2": 1}


def test_win_matrix_gives_the_share_the_row_model_won():
    votes = [vote("x", "y", "a") for _ in range(3)] + [vote("y", "x", "a"), vote("x", "y", "tie"), vote("y", "z", "a")]
    models, share = win_matrix(votes)
    assert models == ["x", "y", "z"]
    assert share[0] == [None, pytest.approx(3.5 / 5), None]
    assert share[1] == [pytest.approx(1.5 / 5), None, 1.0]
    assert share[2] == [None, 0.0, None]


def test_annotator_counts_are_sorted_most_first():
    votes = [vote("x", "y", "a", annotator="siti")] + [vote("x", "y", "b", annotator="anh") for _ in range(2)]
    assert list(annotator_counts(votes).items()) == [("anh", 2), ("siti", 1)]


def test_cohen_kappa_of_a_hand_computed_table():
    # 10 items. Rater 1: a a a a a a b b tie tie; rater 2: a a a a b b b b tie a.
    # Observed agreement 7/10. Chance: a 6/10*5/10 + b 2/10*4/10 + tie 2/10*1/10 = 0.30 + 0.08 + 0.02 = 0.40.
    # kappa = (0.7 - 0.4) / (1 - 0.4) = 0.5
    first = ["a"] * 6 + ["b"] * 2 + ["tie"] * 2
    second = ["a"] * 4 + ["b"] * 4 + ["tie", "a"]
    assert cohen_kappa(list(zip(first, second))) == pytest.approx(0.5)
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # chance agreement 1: undefined


def test_fleiss_kappa_of_a_hand_computed_table():
    # 4 items, 3 raters each. Per-item agreement P_i = (sum n_ij^2 - 3) / 6:
    # [a a a] 1, [a a b] 1/3, [b b b] 1, [tie b a] 0 -> mean 7/12.
    # Category shares of the 12 ratings: a 6/12, b 5/12, tie 1/12 -> P_e = (36 + 25 + 1) / 144 = 62/144.
    # kappa = (7/12 - 62/144) / (1 - 62/144) = (84 - 62) / (144 - 62) = 22/82
    items = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["tie", "b", "a"]]
    assert fleiss_kappa(items) == pytest.approx(22 / 82)


def test_agreement_picks_cohen_for_two_annotators_and_says_what_it_rests_on():
    first = ["a"] * 6 + ["b"] * 2 + ["tie"] * 2
    second = ["a"] * 4 + ["b"] * 4 + ["tie", "a"]
    votes = [vote("x", "y", w, annotator="siti", battle=str(i)) for i, w in enumerate(first)]
    votes += [vote("x", "y", w, annotator="budi", battle=str(i)) for i, w in enumerate(second)]
    votes.append(vote("x", "y", "a", annotator="siti", battle="solo"))  # judged once: not an item
    result = agreement(votes)
    assert (result.method, result.items, result.annotators) == ("cohen", 10, 2)
    assert result.kappa == pytest.approx(0.5)
    assert "10 battles" in result.note and "moderate agreement" in result.note


def test_agreement_uses_fleiss_for_more_annotators():
    items = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["tie", "b", "a"]]
    votes = [
        vote("x", "y", w, annotator=name, battle=f"item{i}")
        for i, labels in enumerate(items)
        for name, w in zip(("ana", "ben", "cai"), labels)
    ]
    result = agreement(votes)
    assert (result.method, result.items, result.annotators) == ("fleiss", 4, 3)
    assert result.kappa == pytest.approx(22 / 82)
    assert "3 annotators each" in result.note


def test_agreement_reads_a_battle_with_swapped_sides_the_same_way():
    votes = [
        vote("x", "y", "a", annotator="siti", battle="1", created_at=1.0),
        vote("y", "x", "b", annotator="budi", battle="1", created_at=2.0),  # also chose x
        vote("x", "y", "b", annotator="siti", battle="2", created_at=3.0),
        vote("y", "x", "a", annotator="budi", battle="2", created_at=4.0),  # also chose y
    ]
    assert agreement(votes).kappa == pytest.approx(1.0)


def test_position_bias_flags_a_left_leaning_annotator_and_not_a_fair_one():
    rng = np.random.default_rng(7)
    # Equal models: a fair annotator picks left half the time, a biased one 70% of the time.
    fair = [vote("x", "y", "a" if rng.random() < 0.5 else "b", annotator="fair") for _ in range(400)]
    biased = [vote("x", "y", "a" if rng.random() < 0.7 else "b", annotator="lefty") for _ in range(400)]
    result = position_bias(biased)
    assert result.biased and result.p_value < 1e-6 and result.share_a == pytest.approx(0.7, abs=0.06)
    assert not position_bias(fair).biased
    flagged = summary(fair + biased)["languages"]["id"]["position_bias_by_annotator"]
    assert flagged["lefty"]["biased"] and not flagged["fair"]["biased"]


def test_position_bias_p_value_is_the_exact_binomial_one():
    # 9 of 10 decisive votes for A: P(X >= 9) + P(X <= 1) = 2 * (10 + 1) / 1024
    votes = [vote("x", "y", "a") for _ in range(9)] + [vote("x", "y", "b"), vote("x", "y", "tie")]
    result = position_bias(votes)
    assert (result.a_wins, result.b_wins) == (9, 1)
    assert result.p_value == pytest.approx(22 / 1024)


def test_summary_is_json_ready_and_per_language():
    votes = simulated(STRENGTHS, 200, seed=2) + [vote("x", "y", "both_bad", lang="th", tags=("wrong_language",))]
    result = summary(votes, rounds=50)
    text = json.dumps(result, allow_nan=False)
    assert set(result["languages"]) == {"id", "th"}
    assert result["languages"]["th"]["tags"] == {"wrong_language": 1}
    assert result["languages"]["th"]["outcomes"]["both_bad"] == 1
    assert json.loads(text)["languages"]["id"]["leaderboard"][0]["model"] == "sailor"


def test_same_seed_gives_the_same_intervals():
    votes = simulated(STRENGTHS, 500, seed=9)
    assert leaderboard(votes, seed=4) == leaderboard(votes, seed=4)
    assert leaderboard(votes, seed=4) != leaderboard(votes, seed=5)


def test_leaderboard_chart_is_a_png_with_one_row_per_model(tmp_path):
    from matplotlib.image import imread

    from seaforge.arena.charts import leaderboard_png

    leaderboard_png(leaderboard(simulated(STRENGTHS, 300, seed=4), rounds=50), tmp_path / "five.png")
    leaderboard_png([], tmp_path / "none.png")
    assert (tmp_path / "five.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert imread(tmp_path / "five.png").shape[0] > imread(tmp_path / "none.png").shape[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["five.png", "none.png"]
