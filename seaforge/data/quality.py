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


_LATIN = QualitySettings()
# Why these differ from Gopher's English values:
# - Thai/Lao: segmented words average 2-4 code points (tone marks and vowels are separate code
#   points), so Gopher's 3-10 range would drop good text; long compounds also exist.
# - Khmer: subscript consonants (coeng + consonant) make words longer in code points.
# - Burmese: our segmenter emits syllables (no reliable word segmenter), 2-6 code points each,
#   and a sentence has about twice as many syllables as English has words.
# - Chinese: words are 1-3 characters.
# - Vietnamese: words are space-separated syllables, 2-7 letters.
# - Spaceless scripts yield more units per sentence, so min_words is higher there.
DEFAULT_SETTINGS: dict[str, QualitySettings] = {
    "en": _LATIN,
    "id": _LATIN,
    "ms": _LATIN,
    "tl": _LATIN,
    "jv": _LATIN,
    "su": _LATIN,
    "vi": _LATIN.updated(min_mean_word_len=2.0, max_mean_word_len=7.0),
    "th": _LATIN.updated(min_mean_word_len=1.5, max_mean_word_len=12.0, min_words=60),
    "lo": _LATIN.updated(min_mean_word_len=1.5, max_mean_word_len=12.0, min_words=60),
    "km": _LATIN.updated(min_mean_word_len=2.0, max_mean_word_len=15.0, min_words=60),
    "my": _LATIN.updated(
        min_mean_word_len=1.5,
        max_mean_word_len=8.0,
        min_words=80,
        # syllables: Gopher's n-word windows become 2n-syllable windows
        top_ngram_char_frac={4: 0.20, 6: 0.18, 8: 0.16},
        dup_ngram_char_frac={10: 0.15, 12: 0.14, 14: 0.13, 16: 0.12, 18: 0.11, 20: 0.10},
    ),
    "zh": _LATIN.updated(min_mean_word_len=1.0, max_mean_word_len=5.0, min_words=60),
    "ta": _LATIN.updated(max_mean_word_len=16.0),  # agglutinative, and vowel signs are code points
}


def settings_for(lang: str, overrides: dict | None = None) -> QualitySettings:
    """Default settings for ``lang`` (Latin-script defaults when unknown), then overrides."""
    base = DEFAULT_SETTINGS.get(lang, _LATIN)
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
