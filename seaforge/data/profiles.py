"""Per-language text profiles measured on real text, from which the quality thresholds are derived.

Gopher's thresholds (Rae et al. 2021) were set on English words. A Tamil article says the same
in about two thirds as many (longer, agglutinated) words, a Burmese one in about twice as many
syllables, so the English numbers drop fair text in one language and wave spam through in
another. Each profile says how a language's segmentation units compare with English words on
real text, and ``quality.settings_for`` scales every English threshold by it, so a filter keeps
the same share of parallel content in every language.

``profiles.json`` is written by ``bench/calibrate_quality.py`` from real text in
``../shared/corpora`` other than the UDHR (NusaX, XCOPA, Global-MMLU-Lite, Belebele) plus our own
parallel sentences; the UDHR is kept as the held-out check (tests/data/test_real_text.py).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

PROFILES_FILE = "profiles.json"


@dataclass(frozen=True)
class LanguageProfile:
    """How a language's text compares with English on real text (English itself is all 1s)."""

    units_per_en_word: float  # segmented units (words, syllables) per English word, parallel text
    chars_per_unit: float  # non-space code points per unit
    stopword_rate: float  # share of units that are in the language's stopword list (0 if none)
    source: str  # where the figures were measured

    @property
    def chars_per_en_word(self) -> float:
        return self.units_per_en_word * self.chars_per_unit


@dataclass(frozen=True)
class TextStats:
    """Counts over a sample of one language's text (summed over its texts)."""

    units: int = 0
    chars: int = 0
    stopwords: int = 0

    def __add__(self, other: TextStats) -> TextStats:
        return TextStats(self.units + other.units, self.chars + other.chars, self.stopwords + other.stopwords)


def text_stats(texts: Iterable[str], lang: str) -> TextStats:
    """Units, non-space characters and stopword units of ``texts`` as the quality filter sees them."""
    from seaforge.data.lexicons import STOPWORDS
    from seaforge.text.normalize import normalize
    from seaforge.text.segment import segment

    stop = STOPWORDS.get(lang, frozenset())
    total = TextStats()
    for text in texts:
        text = normalize(text)
        words = segment(text, lang)
        chars = sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "Z")
        total += TextStats(len(words), chars, sum(1 for w in words if w.lower() in stop))
    return total


@lru_cache(maxsize=1)
def load_profiles() -> dict[str, LanguageProfile]:
    """The shipped profiles, by language code."""
    raw = json.loads(resources.files("seaforge.data").joinpath(PROFILES_FILE).read_text(encoding="utf-8"))
    return {lang: LanguageProfile(**fields) for lang, fields in raw["languages"].items()}


def profile_for(lang: str) -> LanguageProfile | None:
    return load_profiles().get(lang)


def profiles_document(profiles: dict[str, LanguageProfile], how: str) -> dict:
    """What ``profiles.json`` holds: the profiles and how they were measured."""
    return {"measured_by": how, "languages": {lang: asdict(p) for lang, p in sorted(profiles.items())}}
