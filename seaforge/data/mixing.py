"""Training mixtures: per-language sampling rates from target proportions or temperature.

Pure functions. Replay languages (English, code) take a fixed share first; the rest is split by
target proportions, by temperature sampling (p ~ n ** (1/T), as in XLM-R/mT5), or naturally.
A rate above 1 repeats a language for several epochs, capped at ``max_epochs``; the shares
actually achieved are reported, never silently renormalized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash


@dataclass
class LangMix:
    lang: str
    tokens_available: int
    target_share: float
    rate: float  # expected copies of each (weighted) document
    tokens_out: int = 0
    capped: bool = False

    def as_dict(self) -> dict:
        return {
            "tokens_available": self.tokens_available,
            "target_share": round(self.target_share, 6),
            "rate": round(self.rate, 6),
            "tokens_out": self.tokens_out,
            "capped": self.capped,
        }


def target_shares(
    tokens: dict[str, float],
    proportions: dict[str, float] | None = None,
    temperature: float | None = None,
    replay: dict[str, float] | None = None,
) -> dict[str, float]:
    """Share per language summing to 1: replay shares first, the rest split among ``tokens``.

    The one mixture planner: data mixing and training replay (``seaforge.train.batches``) both
    call it. ``tokens`` are token counts (or any non-negative weights). A language named in
    ``proportions`` gets its part of the rest even when it also has a replay share; with
    temperature or natural shares, replay languages take only their replay share.
    """
    replay = {lang: share for lang, share in (replay or {}).items() if lang in tokens}
    room = 1.0 - sum(replay.values())
    if proportions is not None:
        weights = {lang: float(proportions.get(lang, 0.0)) for lang in tokens}
    elif temperature is not None:
        weights = {lang: n ** (1.0 / temperature) if n else 0.0 for lang, n in tokens.items() if lang not in replay}
    else:
        weights = {lang: float(n) for lang, n in tokens.items() if lang not in replay}
    total = sum(weights.values())
    shares = {lang: (room * weight / total if total else 0.0) for lang, weight in weights.items()}
    for lang, share in replay.items():
        shares[lang] = shares.get(lang, 0.0) + share
    return shares


def plan_mixture(
    tokens: dict[str, int],
    proportions: dict[str, float] | None = None,
    temperature: float | None = None,
    replay: dict[str, float] | None = None,
    total_tokens: int | None = None,
    max_epochs: float = 4.0,
) -> dict[str, LangMix]:
    """Sampling rate per language so that the output has the target shares of ``total_tokens``."""
    shares = target_shares(tokens, proportions, temperature, replay)
    total = total_tokens or sum(tokens.values())
    plan = {}
    for lang, available in tokens.items():
        share = shares.get(lang, 0.0)
        rate = share * total / available if available else 0.0
        plan[lang] = LangMix(lang, available, share, min(rate, max_epochs), capped=rate > max_epochs)
    return plan


def unit_hash(key: str) -> float:
    """A stable pseudo-random number in [0, 1) for a document key."""
    return xxhash.xxh64_intdigest(key.encode()) / 2**64


def doc_weight(duplicates: int, upsample_duplicates: int, source_upsample: float) -> float:
    """How much more often than average a document is sampled: a source's quality boost times
    its number of copies on the web (capped): content people re-posted is usually worth reading."""
    return source_upsample * min(max(1, duplicates), upsample_duplicates)


def repeats(u: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Deterministic integer copies with the right expectation: floor plus a coin flip decided by
    ``u`` (a per-document number in [0, 1), e.g. ``unit_hash`` of its id)."""
    whole = np.floor(expected)
    return (whole + (u < expected - whole)).astype(np.int64)
