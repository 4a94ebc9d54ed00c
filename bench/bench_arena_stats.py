"""Arena leaderboard recomputation time for 100,000 votes, bootstrap intervals included, against a naive
baseline measured in the same run.

    .venv/bin/python bench/bench_arena_stats.py [--votes 100000] [--models 16] [--rounds 200]

Votes are simulated from known Bradley-Terry strengths (about 10% ties, 3% both bad, 40 annotators).
Fast: ``seaforge.arena.stats.leaderboard`` (counts per model pair and outcome, multinomial resampling of the
counts, all rounds fitted at once). Naive: what one writes first: each round draws the vote list with
replacement (``random.choices``), tallies it vote by vote in Python, and fits that round's win matrix by
itself (same Newton solver). The naive bootstrap is timed on ``--naive-rounds`` rounds and scaled to
``--rounds`` (every round is the same work); its point estimates are checked to equal the fast ones.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # one core, as the target says
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402 - after the thread limits above
import math  # noqa: E402 - after the thread limits above
import random  # noqa: E402 - after the thread limits above
import statistics  # noqa: E402 - after the thread limits above
import time  # noqa: E402 - after the thread limits above

import numpy as np  # noqa: E402 - after the thread limits above

from seaforge.arena.records import Vote  # noqa: E402 - after the thread limits above
from seaforge.arena.stats import _scores, fit_strengths, leaderboard, summary  # noqa: E402 - after the limits


def simulated_votes(n: int, models: int, seed: int = 0) -> tuple[list[Vote], dict[str, float]]:
    rng = random.Random(seed)
    strengths = {f"model-{k:02d}": rng.gauss(0.0, 0.8) for k in range(models)}
    names = sorted(strengths)
    votes = []
    for k in range(n):
        a, b = rng.sample(names, 2)
        p_a = 1.0 / (1.0 + math.exp(strengths[b] - strengths[a]))
        # A quarter of the judgements weigh the pair twice and call it a tie when the two looks disagree:
        # about 10% ties, and a tie scored as half a win leaves A's expected score at exactly p_a.
        first = rng.random() < p_a
        second = first if rng.random() < 0.75 else rng.random() < p_a
        winner = "both_bad" if rng.random() < 0.03 else "tie" if first != second else "a" if first else "b"
        annotator = f"annotator-{rng.randrange(40):02d}"
        votes.append(Vote(f"battle-{k}", "id", "p", a, b, "x", "y", winner, annotator, created_at=float(k)))
    return votes, strengths


def naive_wins(votes: list[Vote], index: dict[str, int]) -> np.ndarray:
    wins = np.zeros((len(index), len(index)))
    for vote in votes:
        i, j = index[vote.model_a], index[vote.model_b]
        if vote.winner == "a":
            wins[i, j] += 1
        elif vote.winner == "b":
            wins[j, i] += 1
        elif vote.winner == "tie":
            wins[i, j] += 0.5
            wins[j, i] += 0.5
    return wins


def naive_leaderboard(votes: list[Vote], rounds: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    index = {name: i for i, name in enumerate(sorted({v.model_a for v in votes} | {v.model_b for v in votes}))}
    point = _scores(fit_strengths(naive_wins(votes, index)))
    rng = random.Random(seed)
    boot = [_scores(fit_strengths(naive_wins(rng.choices(votes, k=len(votes)), index))) for _ in range(rounds)]
    return point, np.array(boot)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--naive-rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    votes, strengths = simulated_votes(args.votes, args.models)
    leaderboard(votes[:1000], rounds=10)  # warm-up: imports, numpy kernels
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ratings = leaderboard(votes, rounds=args.rounds)
        times.append(time.perf_counter() - start)
    fast = statistics.median(times)
    print(f"{args.votes} votes, {args.models} models, {args.rounds} bootstrap rounds")
    print(f"fast  leaderboard: median {fast * 1000:.0f} ms, best {min(times) * 1000:.0f} ms of {args.repeat}")

    start = time.perf_counter()
    point, _ = naive_leaderboard(votes, args.naive_rounds)
    naive_measured = time.perf_counter() - start
    start = time.perf_counter()
    naive_leaderboard(votes, 0)
    naive_point = time.perf_counter() - start
    naive = naive_point + (naive_measured - naive_point) * args.rounds / max(1, args.naive_rounds)
    print(
        f"naive leaderboard: {naive:.1f} s for {args.rounds} rounds "
        f"({naive_measured:.1f} s measured on {args.naive_rounds} rounds, scaled)"
    )
    print(f"ratio naive / fast: {naive / fast:.0f}x")
    fast_scores = np.array([r.score for r in sorted(ratings, key=lambda r: r.model)])
    print(f"point estimates, fast vs naive: max difference {np.abs(fast_scores - point).max():.2e} points")

    mean = sum(strengths.values()) / len(strengths)
    truth = {m: 1000 + 400 / math.log(10) * (s - mean) for m, s in strengths.items()}
    covered = sum(r.lo <= truth[r.model] <= r.hi for r in ratings)
    error = max(abs(r.score - truth[r.model]) for r in ratings)
    width = statistics.median(r.hi - r.lo for r in ratings)
    print(f"true score inside the 95% interval: {covered}/{len(ratings)} models; largest error {error:.1f} points;")
    print(f"median interval width {width:.1f} points")

    start = time.perf_counter()
    summary(votes, rounds=args.rounds)
    print(f"full summary (leaderboard, win matrix, agreement, position bias): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
