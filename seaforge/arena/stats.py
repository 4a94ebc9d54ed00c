"""Arena statistics: Bradley-Terry leaderboard with bootstrap intervals, win rates, agreement, position bias.

Counting rules, shared by every function here:
- one vote per annotator and battle: when an annotator judged the same battle twice, the later vote
  (``created_at``, then input order) is their judgement;
- Bradley-Terry and the win matrix use A, B and tie votes; a tie counts as half a win for each side;
  ``both_bad`` says nothing about which answer is better, so it is left out (and counted per model);
- a vote between a model and itself carries no ranking information and is left out of both too.

Speed: votes are first aggregated into (model pair, outcome) counts; a bootstrap round redraws those
counts from a multinomial (the same as resampling the votes with replacement) and all rounds are fitted
at once by Newton's method on the small model-by-model system, so 100,000 votes take well under a second.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from operator import attrgetter

import numpy as np

from seaforge.arena.records import OUTCOMES, Vote

ANCHOR = 1000.0  # the mean score
SCALE = 400.0 / math.log(10.0)  # Elo's scale: 400 points is 10:1 odds
NEWTON_STEPS = 100
NEWTON_TOL = 1e-9
FEW_ITEMS = 30  # on fewer shared battles kappa's standard error is about 0.15 or more
MAX_STEP = 2.0  # natural-log units per Newton step; keeps the first steps sane on lopsided data


@dataclass
class Rating:
    model: str
    score: float  # Elo-like: 400*log10 of the odds, mean of the models = 1000
    lo: float  # 95% bootstrap interval (2.5th and 97.5th percentile)
    hi: float
    votes: int  # A/B/tie votes against another model (the ones the score rests on)
    wins: float  # decisive wins
    losses: float
    ties: int
    both_bad: int = 0  # votes that found both answers bad (not in the score)


@dataclass
class Agreement:
    kappa: float | None
    method: str  # "cohen", "fleiss" or "none"
    items: int  # battles judged by two or more annotators
    annotators: int  # distinct annotators on those battles
    note: str


@dataclass
class PositionBias:
    a_wins: int  # decisive votes for the left answer
    b_wins: int
    share_a: float | None
    p_value: float | None  # exact two-sided binomial test against 1/2
    biased: bool


class _Judged(list):
    """Votes ``judgements`` already reduced (or a subset of them): the functions ``summary`` calls skip it."""


def judgements(votes: Sequence[Vote], lang: str | None = None) -> list[Vote]:
    """The votes of ``lang`` (all when None) in time order, one per annotator and battle: the latest
    (by ``created_at``, then input order)."""
    if isinstance(votes, _Judged):
        return votes if lang is None else _Judged(v for v in votes if v.lang == lang)
    ordered = sorted((v for v in votes if lang is None or v.lang == lang), key=attrgetter("created_at"))
    latest = {(vote.battle_id, vote.annotator): vote for vote in ordered}  # a later vote replaces an earlier
    if len(latest) < len(ordered):
        ordered = sorted(latest.values(), key=attrgetter("created_at"))
    return _Judged(ordered)


@dataclass
class _Tally:
    models: list[str]
    wins: np.ndarray  # (K, K): decisive wins of the row model over the column model, either side
    ties: np.ndarray  # (K, K), symmetric
    both_bad: np.ndarray  # (K,)


def _tally(kept: Sequence[Vote]) -> _Tally:
    counts = Counter((vote.model_a, vote.model_b, vote.winner) for vote in kept)
    models = sorted({name for a, b, _ in counts for name in (a, b)})
    index = {name: i for i, name in enumerate(models)}
    size = len(models)
    wins, ties, both_bad = np.zeros((size, size)), np.zeros((size, size)), np.zeros(size, dtype=int)
    for (a, b, winner), n in counts.items():
        i, j = index[a], index[b]
        if winner == "both_bad":
            both_bad[i] += n
            both_bad[j] += n if j != i else 0
        elif i == j:
            continue
        elif winner == "a":
            wins[i, j] += n
        elif winner == "b":
            wins[j, i] += n
        else:
            ties[i, j] += n
            ties[j, i] += n
    return _Tally(models, wins, ties, both_bad)


def fit_strengths(wins: np.ndarray) -> np.ndarray:
    """Bradley-Terry log-strengths for a batch of (..., K, K) win matrices (ties already split in halves).

    Maximises the likelihood plus one virtual tie of each model against a reference of strength 0, which
    keeps a model that won or lost every vote finite and pulls a model with few votes towards the middle.
    The objective is strictly concave, so Newton's method converges; steps are capped for the first,
    far-off iterations.
    """
    wins = np.asarray(wins, dtype=float)
    games = wins + np.swapaxes(wins, -1, -2)
    theta = np.zeros(wins.shape[:-1])
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(theta[..., None, :] - theta[..., :, None]))  # P(row beats column)
        s = 1.0 / (1.0 + np.exp(-theta))  # P(beats the reference)
        grad = (wins - games * p).sum(-1) + (0.5 - s)
        curv = games * p * (1.0 - p)
        neg_hessian = -curv
        diag = curv.sum(-1) + s * (1.0 - s)
        neg_hessian[..., np.arange(theta.shape[-1]), np.arange(theta.shape[-1])] = diag
        step = np.linalg.solve(neg_hessian, grad[..., None])[..., 0]
        biggest = np.abs(step).max(-1, keepdims=True)
        theta += step * np.minimum(1.0, MAX_STEP / np.maximum(biggest, 1e-300))
        if biggest.max() < NEWTON_TOL:
            break
    return theta


def _scores(theta: np.ndarray) -> np.ndarray:
    return ANCHOR + SCALE * (theta - theta.mean(-1, keepdims=True))


def _resampled_wins(tally: _Tally, rounds: int, seed: int) -> np.ndarray:
    """``rounds`` bootstrap win matrices (ties as halves): the vote counts of each (model pair, outcome)
    cell redrawn from a multinomial, the same as resampling the votes with replacement."""
    i, j = np.triu_indices(len(tally.models), 1)
    cells = np.concatenate([tally.wins[i, j], tally.wins[j, i], tally.ties[i, j]])  # i won, j won, tie
    draws = np.random.default_rng(seed).multinomial(int(cells.sum()), cells / cells.sum(), size=rounds)
    i_won, j_won, tied = np.split(draws.astype(float), 3, axis=1)
    wins = np.zeros((rounds, len(tally.models), len(tally.models)))
    wins[:, i, j] = i_won + 0.5 * tied
    wins[:, j, i] = j_won + 0.5 * tied
    return wins


def leaderboard(votes: Sequence[Vote], *, lang: str | None = None, rounds: int = 200, seed: int = 0) -> list[Rating]:
    """Bradley-Terry ratings with 95% bootstrap intervals, best first; [] when there are no votes.

    Models rated: those with a counted vote against another model (or, when none has, every model seen,
    all at 1000).
    """
    tally = _played(_tally(judgements(votes, lang)))
    if not tally.models:
        return []
    wins = tally.wins + 0.5 * tally.ties
    scores = _scores(fit_strengths(wins))
    lo, hi = scores, scores
    if rounds > 0 and tally.wins.sum() + tally.ties.sum() > 0:
        boot = _scores(fit_strengths(_resampled_wins(tally, rounds, seed)))
        lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    ratings = [
        Rating(
            model=model,
            score=float(scores[i]),
            lo=float(min(lo[i], scores[i])),
            hi=float(max(hi[i], scores[i])),
            votes=int(tally.wins[i].sum() + tally.wins[:, i].sum() + tally.ties[i].sum()),
            wins=float(tally.wins[i].sum()),
            losses=float(tally.wins[:, i].sum()),
            ties=int(tally.ties[i].sum()),
            both_bad=int(tally.both_bad[i]),
        )
        for i, model in enumerate(tally.models)
    ]
    return sorted(ratings, key=lambda r: (-r.score, r.model))


def _played(tally: _Tally) -> _Tally:
    """Only the models with a counted vote against another model, unless none has."""
    played = np.flatnonzero((tally.wins + tally.ties).sum(0) + (tally.wins + tally.ties).sum(1) > 0)
    if not len(played):
        return tally
    grid = np.ix_(played, played)
    return _Tally([tally.models[i] for i in played], tally.wins[grid], tally.ties[grid], tally.both_bad[played])


def win_matrix(votes: Sequence[Vote], *, lang: str | None = None) -> tuple[list[str], list[list[float | None]]]:
    """Models (leaderboard order) and, per row and column, the share of their games the row model won
    (ties count half); None on the diagonal and for pairs that never met."""
    kept = judgements(votes, lang)
    tally = _tally(kept)
    order = [r.model for r in leaderboard(kept, rounds=0)]
    order += [m for m in tally.models if m not in order]
    index = [tally.models.index(m) for m in order]
    won = tally.wins + 0.5 * tally.ties
    games = tally.wins + tally.wins.T + tally.ties
    shares = [[float(won[i, j] / games[i, j]) if i != j and games[i, j] else None for j in index] for i in index]
    return order, shares


def annotator_counts(votes: Sequence[Vote], *, lang: str | None = None) -> dict[str, int]:
    """Votes per annotator (one per battle), most first."""
    counts = Counter(vote.annotator for vote in judgements(votes, lang))
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def battle_outcomes(kept: Sequence[Vote]) -> dict[str, dict[str, str]]:
    """battle -> annotator -> outcome, with "a"/"b" read in the orientation of the battle's first vote
    (so a battle shown with its sides swapped to some annotators still compares like with like)."""
    first: dict[str, tuple[str, str]] = {}
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for vote in sorted(kept, key=lambda v: (v.created_at, v.annotator)):
        a, _ = first.setdefault(vote.battle_id, (vote.model_a, vote.model_b))
        swapped = vote.model_a != a and vote.model_a != vote.model_b
        label = {"a": "b", "b": "a"}.get(vote.winner, vote.winner) if swapped else vote.winner
        labels[vote.battle_id][vote.annotator] = label
    return labels


def _battles(n: int) -> str:
    return f"{n} battle" if n == 1 else f"{n} battles"


def _landis_koch(kappa: float) -> str:
    bands = ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"))
    name = "almost perfect"
    for upper, band in bands:
        if kappa <= upper:
            name = band
            break
    return f"{name} agreement (Landis & Koch)"


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items; None when chance agreement is 1."""
    n = len(pairs)
    first, second = Counter(p for p, _ in pairs), Counter(q for _, q in pairs)
    observed = sum(p == q for p, q in pairs) / n
    chance = sum(first[c] * second[c] for c in OUTCOMES) / n / n
    return None if chance >= 1.0 else (observed - chance) / (1.0 - chance)


def fleiss_kappa(items: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa over items rated by two or more raters each (per-item agreement averaged, so items
    may have different numbers of raters; with equal numbers this is Fleiss' 1971 formula)."""
    per_item, totals = [], Counter()
    for labels in items:
        counts, n = Counter(labels), len(labels)
        per_item.append((sum(c * c for c in counts.values()) - n) / (n * (n - 1)))
        totals.update(counts)
    assigned = sum(totals.values())
    chance = sum((c / assigned) ** 2 for c in totals.values())
    return None if chance >= 1.0 else (sum(per_item) / len(per_item) - chance) / (1.0 - chance)


def agreement(votes: Sequence[Vote], *, lang: str | None = None) -> Agreement:
    """Chance-corrected agreement on battles judged by several annotators, over the four outcomes."""
    battles = {b: by for b, by in battle_outcomes(judgements(votes, lang)).items() if len(by) >= 2}
    raters = sorted({name for by in battles.values() for name in by})
    if not battles:
        return Agreement(None, "none", 0, 0, "no battle was judged by two or more annotators")
    if len(raters) == 2:
        kappa = cohen_kappa([(by[raters[0]], by[raters[1]]) for by in battles.values()])
        method = "cohen"
        what = f"Cohen's kappa over {_battles(len(battles))} judged by both {raters[0]} and {raters[1]}"
    else:
        sizes = sorted({len(by) for by in battles.values()})
        each = str(sizes[0]) if len(sizes) == 1 else f"{sizes[0]}-{sizes[-1]}"
        kappa = fleiss_kappa([list(by.values()) for by in battles.values()])
        method = "fleiss"
        what = f"Fleiss' kappa over {_battles(len(battles))} judged by {each} annotators each ({len(raters)} in all)"
    if kappa is None:
        return Agreement(None, method, len(battles), len(raters), f"{what}: undefined, every vote has one outcome")
    caution = f"; only {len(battles)}, a rough figure" if len(battles) < FEW_ITEMS else ""
    return Agreement(kappa, method, len(battles), len(raters), f"{what}: {_landis_koch(kappa)}{caution}")


def position_bias(votes: Sequence[Vote], *, lang: str | None = None, alpha: float = 0.05) -> PositionBias:
    """Does the left answer (A) win more or less often than chance among decisive votes?"""
    outcomes = Counter(vote.winner for vote in judgements(votes, lang))
    a_wins, b_wins = outcomes["a"], outcomes["b"]
    if a_wins + b_wins == 0:
        return PositionBias(0, 0, None, None, False)
    from scipy.stats import binomtest  # scipy.stats takes half a second to import; only here

    p_value = float(binomtest(a_wins, a_wins + b_wins, 0.5).pvalue)
    return PositionBias(a_wins, b_wins, a_wins / (a_wins + b_wins), p_value, p_value < alpha)


def summary(votes: Sequence[Vote], *, rounds: int = 200, seed: int = 0, alpha: float = 0.05) -> dict:
    """Everything above per language, JSON-ready (no NaN). Per-annotator position bias is flagged at
    ``alpha`` divided by the number of annotators tested (Bonferroni), as many are tested at once."""
    kept = judgements(votes)
    languages = {}
    for lang in sorted({vote.lang for vote in kept}):
        mine = judgements(kept, lang)
        models, shares = win_matrix(mine)
        by_annotator = defaultdict(_Judged)
        for vote in mine:
            by_annotator[vote.annotator].append(vote)
        tested = {name: own for name, own in by_annotator.items() if any(v.winner in ("a", "b") for v in own)}
        languages[lang] = {
            "votes": len(mine),
            "outcomes": {outcome: sum(v.winner == outcome for v in mine) for outcome in OUTCOMES},
            "tags": dict(sorted(Counter(tag for v in mine for tag in v.tags).items())),
            "leaderboard": [asdict(r) for r in leaderboard(mine, rounds=rounds, seed=seed)],
            "win_matrix": {"models": models, "share": shares},
            "annotators": annotator_counts(mine),
            "agreement": asdict(agreement(mine)),
            "position_bias": asdict(position_bias(mine, alpha=alpha)),
            "position_bias_by_annotator": {
                name: asdict(position_bias(own, alpha=alpha / len(tested))) for name, own in sorted(tested.items())
            },
        }
    return {"votes": len(kept), "languages": languages}
