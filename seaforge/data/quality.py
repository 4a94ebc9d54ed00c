"""Per-language document quality: line cleanup, Gopher-style repetition and quality signals.

Pure functions over (text, words): the datatrove steps in ``steps.py`` call them, tests call them
directly. ``words`` are OUR segmented words (``seaforge.text.segment``), so word counts, mean
word length and n-gram repetition mean the same thing for Thai or Khmer as for Indonesian.
The repetition counters are datatrove's own (Gopher, Rae et al. 2021, table A1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, replace

from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_duplicates,
    find_top_duplicate,
    get_n_grams,
)

from seaforge.data.lexicons import (
    BOILERPLATE_CUES,
    COOKIE_CUES,
    FLAGGED,
    NAV_SEPARATORS,
    STOPWORDS,
)

_NAV_SPLIT = re.compile("|".join(re.escape(s) for s in NAV_SEPARATORS))


@dataclass(frozen=True)
class QualitySettings:
    """Thresholds for one language; a document failing any is dropped with that reason."""

    min_words: int = 50
    max_words: int = 100_000
    min_mean_word_len: float = 3.0
    max_mean_word_len: float = 10.0
    min_stopwords: int = 2
    max_flagged_ratio: float = 0.01
    max_symbol_ratio: float = 0.10  # punctuation/symbol characters over non-space characters
    max_digit_ratio: float = 0.15
    min_alpha_word_ratio: float = 0.8
    max_dup_line_frac: float = 0.30
    max_dup_line_char_frac: float = 0.20
    max_dup_para_frac: float = 0.30
    max_dup_para_char_frac: float = 0.20
    top_ngram_char_frac: dict[int, float] = field(default_factory=lambda: {2: 0.20, 3: 0.18, 4: 0.16})
    dup_ngram_char_frac: dict[int, float] = field(
        default_factory=lambda: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
    )

    def updated(self, **overrides) -> QualitySettings:
        known = {f.name for f in fields(self)}
        for key in overrides:
            if key not in known:
                raise ValueError(f"unknown quality setting {key!r}; known: {', '.join(sorted(known))}")
        return replace(self, **overrides)


GOPHER = QualitySettings()  # the English values every language's thresholds are derived from
# Stopwords a real document of minimum length may lack by chance: the count required is the
# largest (up to Gopher's 2) that a Poisson count with the language's measured stopword rate
# misses in at most 1% of such documents.
STOPWORD_MISS_RATE = 0.01
# Languages measured on no real text borrow the profile of one that segments the same way.
PROFILE_FALLBACK = {"shn": "my"}


def _scaled_ngrams(thresholds: dict[int, float], ratio: float) -> dict[int, float]:
    """Gopher's n-word windows as windows of the language's units (Burmese: about 2n syllables).

    Each window is the nearest whole number of units, and its threshold is Gopher's, read off
    the straight line through Gopher's (n, threshold) points at the English length that window
    stands for, so rounding the window does not change what the check tolerates.
    """
    points = sorted(thresholds.items())
    (n0, f0), (n1, f1) = points[0], points[-1]
    slope = (f1 - f0) / (n1 - n0) if n1 != n0 else 0.0
    out: dict[int, float] = {}
    for n, _ in points:
        size = max(2, round(n * ratio))
        if size not in out:
            out[size] = round(min(f0, max(f1, f0 + slope * (size / ratio - n0))), 4)
    return out


def stopwords_needed(expected: float, at_most: int) -> int:
    """How many stopwords to require when a real document is expected to hold ``expected``."""
    from math import exp, factorial

    for k in range(at_most, 0, -1):
        miss = sum(exp(-expected) * expected**i / factorial(i) for i in range(k))  # P(count < k)
        if miss <= STOPWORD_MISS_RATE:
            return k
    return 0


def derive_settings(english: QualitySettings, lang: str) -> QualitySettings:
    """``english`` thresholds restated in ``lang``'s units, from its measured profile (see profiles.py).

    Lengths scale with units per English word, word-length bounds with characters per unit,
    character shares (symbols, digits) with characters per English word, and the share of
    non-alphabetic units with units per English word, so each check passes the same content in
    every language. English, and a language with no profile, keep ``english`` as it is.
    """
    from seaforge.data.profiles import profile_for

    profile, en = profile_for(PROFILE_FALLBACK.get(lang, lang)), profile_for("en")
    if profile is None or en is None or lang == "en":
        return english
    r = profile.units_per_en_word / en.units_per_en_word
    m = profile.chars_per_unit / en.chars_per_unit
    c = profile.chars_per_en_word / en.chars_per_en_word
    min_words = max(1, round(english.min_words * r))
    return english.updated(
        min_words=min_words,
        max_words=max(min_words, round(english.max_words * r)),
        min_mean_word_len=round(english.min_mean_word_len * m, 2),
        max_mean_word_len=round(english.max_mean_word_len * m, 2),
        max_symbol_ratio=round(min(0.5, english.max_symbol_ratio / c), 4),
        max_digit_ratio=round(min(0.5, english.max_digit_ratio / c), 4),
        min_alpha_word_ratio=round(max(0.0, 1 - (1 - english.min_alpha_word_ratio) / r), 4),
        min_stopwords=stopwords_needed(profile.stopword_rate * min_words, english.min_stopwords),
        max_flagged_ratio=english.max_flagged_ratio / r,
        top_ngram_char_frac=_scaled_ngrams(english.top_ngram_char_frac, r),
        dup_ngram_char_frac=_scaled_ngrams(english.dup_ngram_char_frac, r),
    )


def settings_for(lang: str, overrides: dict | None = None, english: dict | None = None) -> QualitySettings:
    """Thresholds for ``lang``: Gopher's English values (with ``english`` overrides, given in
    English-word terms, e.g. a recipe's ``quality.default``) derived for the language, then
    ``overrides`` in the language's own units (a recipe's ``quality.<lang>``)."""
    base = derive_settings(GOPHER.updated(**(english or {})), lang)
    if lang not in STOPWORDS:
        base = base.updated(min_stopwords=0)  # no list written for it: do not punish it
    return base.updated(**(overrides or {}))


def line_kind(line: str) -> str | None:
    """Why a line is web boilerplate ("navigation", "cookie", "boilerplate"), or None to keep it."""
    stripped = line.strip()
    if not stripped:
        return None
    low = stripped.lower()
    if sum(low.count(s) for s in NAV_SEPARATORS) >= 2 and len(low) < 200:
        chunks = _NAV_SPLIT.split(low)
        if max(len(c.split()) for c in chunks) <= 4:
            return "navigation"
    if len(low) < 400 and any(cue in low for cue in COOKIE_CUES):
        return "cookie"
    if len(low) < 200 and low.startswith(BOILERPLATE_CUES) or ("©" in low and len(low) < 200):
        return "boilerplate"
    return None


def clean_lines(text: str) -> tuple[str, dict[str, int]]:
    """Drop boilerplate lines; returns the cleaned text and the count of removed lines per kind."""
    kept, removed = [], {}
    for line in text.split("\n"):
        kind = line_kind(line)
        if kind is None:
            kept.append(line)
        else:
            removed[kind] = removed.get(kind, 0) + 1
    return "\n".join(kept).strip("\n"), removed


def _char_class_ratios(text: str) -> tuple[float, float]:
    symbols = digits = total = 0
    for ch in text:
        if ch.isspace():
            continue
        total += 1
        if ch.isdigit():
            digits += 1
        elif unicodedata.category(ch)[0] in "PS":
            symbols += 1
    return (symbols / total, digits / total) if total else (0.0, 0.0)


def flagged_hits(words: list[str], lang: str) -> int:
    """Occurrences of the language's flagged terms as whole segmented words.

    A term matches only where it starts and ends on a word boundary of OUR segmentation, so
    Indonesian "bandar" no longer fires inside "Bandara" (airport); a multi-word term ("slot
    gacor") or a Thai term the segmenter splits (บาคาร่า -> บา คา ร่า) matches a run of words.
    """
    terms = FLAGGED.get(lang, ())
    if not terms or not words:
        return 0
    lowered = [word.lower() for word in words]  # lower() can change a word's length ("İ")
    joined = "".join(lowered)
    boundaries, offset = {0}, 0
    for word in lowered:
        offset += len(word)
        boundaries.add(offset)
    hits = 0
    for term in terms:
        needle = "".join(term.lower().split())  # words are joined without spaces, so is the term
        start = joined.find(needle)
        while start != -1:
            if start in boundaries and start + len(needle) in boundaries:
                hits += 1
            start = joined.find(needle, start + 1)
    return hits


def repetition_reason(text: str, words: list[str], settings: QualitySettings) -> str | None:
    """Gopher repetition checks on lines, paragraphs and n-grams of segmented words."""
    lines = [x for x in text.split("\n") if x.strip()]
    paras = [x for x in text.split("\n\n") if x.strip()]
    checks = (
        ("line", lines, settings.max_dup_line_frac, settings.max_dup_line_char_frac),
        ("para", paras, settings.max_dup_para_frac, settings.max_dup_para_char_frac),
    )
    for name, parts, max_frac, max_char in checks:
        if not parts:
            continue
        dups, dup_chars = find_duplicates(parts)
        if dups / len(parts) > max_frac:
            return f"dup_{name}_frac"
        if dup_chars / max(1, len(text)) > max_char:
            return f"dup_{name}_char_frac"
    n_chars = sum(len(w) for w in words) or 1
    for n, max_frac in settings.top_ngram_char_frac.items():
        grams = get_n_grams(words, n)
        if grams and find_top_duplicate(grams) / n_chars > max_frac:
            return f"top_{n}gram"
    for n, max_frac in sorted(settings.dup_ngram_char_frac.items()):
        dup_chars = find_all_duplicate(words, n)
        if dup_chars / n_chars > max_frac:
            return f"dup_{n}gram"
        if dup_chars == 0:
            break  # no repeated n-gram means no repeated longer one either
    return None


def quality_reason(text: str, words: list[str], lang: str, settings: QualitySettings) -> str | None:
    """The first quality check ``text`` fails (cheapest first), or None if it passes them all."""
    n = len(words)
    if n < settings.min_words:
        return "too_few_words"
    if n > settings.max_words:
        return "too_many_words"
    symbol_ratio, digit_ratio = _char_class_ratios(text)
    if symbol_ratio > settings.max_symbol_ratio:
        return "symbol_ratio"
    if digit_ratio > settings.max_digit_ratio:
        return "digit_ratio"
    mean_len = sum(len(w) for w in words) / n
    if mean_len < settings.min_mean_word_len:
        return "mean_word_len_low"
    if mean_len > settings.max_mean_word_len:
        return "mean_word_len_high"
    if sum(any(c.isalpha() for c in w) for w in words) / n < settings.min_alpha_word_ratio:
        return "alpha_word_ratio"
    if settings.min_stopwords:
        stop = STOPWORDS.get(lang, frozenset())
        if sum(1 for w in words if w.lower() in stop) < settings.min_stopwords:
            return "few_stopwords"
    if flagged_hits(words, lang) / n > settings.max_flagged_ratio:
        return "flagged_words"
    return repetition_reason(text, words, settings)
