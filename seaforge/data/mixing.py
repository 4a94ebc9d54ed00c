"""Training mixtures: per-language sampling rates from target proportions or temperature.

Pure functions. Replay languages (English, code) take a fixed share first; the rest is split by
target proportions, by temperature sampling (p ~ n ** (1/T), as in XLM-R/mT5), or naturally.
A rate above 1 repeats a language for several epochs, capped at ``max_epochs``; the shares
actually achieved are reported, never silently renormalised.
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
        return {"tokens_available": self.tokens_available, "target_share": round(self.target_share, 6),
                "rate": round(self.rate, 6), "tokens_out": self.tokens_out, "capped": self.capped}


def target_shares(tokens: dict[str, int], proportions: dict[str, float] | None = None,
                  temperature: float | None = None, replay: dict[str, float] | None = None) -> dict[str, float]:
    """Token share per language summing to 1 (languages with no data keep their target)."""
    replay = {k: v for k, v in (replay or {}).items() if k in tokens}
    rest = [lang for lang in tokens if lang not in replay]
    room = 1.0 - sum(replay.values())
    if proportions is not None:
        weights = {lang: proportions.get(lang, 0.0) for lang in rest}
    elif temperature is not None:
        weights = {lang: tokens[lang] ** (1.0 / temperature) if tokens[lang] else 0.0 for lang in rest}
    else:
        weights = {lang: float(tokens[lang]) for lang in rest}
    total = sum(weights.values())
    shares = {lang: (room * w / total if total else 0.0) for lang, w in weights.items()}
    return {**replay, **shares}


def plan_mixture(tokens: dict[str, int], proportions: dict[str, float] | None = None,
                 temperature: float | None = None, replay: dict[str, float] | None = None,
                 total_tokens: int | None = None, max_epochs: float = 4.0) -> dict[str, LangMix]:
    """Sampling rate per language so that the output has the target shares of ``total_tokens``."""
    shares = target_shares(tokens, proportions, temperature, replay)
    total = total_tokens or sum(tokens.values())
    plan = {}
    for lang, n in tokens.items():
        share = shares.get(lang, 0.0)
        rate = share * total / n if n else 0.0
        plan[lang] = LangMix(lang, n, share, min(rate, max_epochs), capped=rate > max_epochs)
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
