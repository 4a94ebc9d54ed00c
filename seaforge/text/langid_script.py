"""Writing-system evidence for language ID: which scripts a text uses, and Burmese vs Shan.

Scripts used by one registered language decide the language without any model (Thai, Lao,
Khmer, Tamil, Han, Jawi, the Indonesian Brahmic scripts). This is the hot path's first step,
so it counts characters with C-speed regex scans instead of a Python loop.
"""

from __future__ import annotations

import re
from functools import cache

from seaforge.text.scripts import SCRIPT_RANGES, char_class

# Private-use code points stand in for scripts after translate, so they cannot collide with
# characters of the input that survive translation unchanged.
_MARK = {
    name: chr(0xE000 + i)
    for i, name in enumerate(
        [
            "Latn",
            "Thai",
            "Laoo",
            "Khmr",
            "Mymr",
            "Taml",
            "Hani",
            "Kana",
            "Hang",
            "Arab",
            "Java",
            "Sund",
            "Bali",
            "Bugi",
            "Other",
        ]
    )
}

# The scripts language ID tells apart, from the one table (Indic only matters to normalization).
_RANGES = {name: spans for name, spans in SCRIPT_RANGES.items() if name in _MARK}

_TABLE: dict[int, str] = {}
for _name, _spans in _RANGES.items():
    for _lo, _hi in _spans:
        for _cp in range(_lo, _hi + 1):
            _TABLE[_cp] = _MARK[_name]
# Latin-1 punctuation inside the Latin range is not a letter.
for _cp in (0xD7, 0xF7):
    _TABLE.pop(_cp, None)

_ASCII_LETTER_RE = re.compile("[A-Za-z]")

_NAME_OF = {mark: name for name, mark in _MARK.items()}
_LETTER_RE = re.compile(r"[^\W\d_]")


# Per script, a regex for "a letter of any other script": a C-speed scan that proves a text
# is single-script without counting (Other is left out: it decides nothing).
_OUTSIDE = {name: re.compile(f"[^\\W\\d_{char_class(name)}]") for name in _RANGES if name != "Other"}
# Any character of a script seaforge counts; runs of one script.
_ANY_RE = re.compile(f"[{char_class(*_RANGES)}]")
_SCRIPT_RE = {name: re.compile(f"[{char_class(name)}]+") for name in _RANGES}

# Latin-script words (with combining accents: decomposed Vietnamese) inside mixed-script text.
_LATIN_WORD_RE = re.compile(f"[{char_class('Latn')}][{char_class('Latn')}\\u0300-\\u036f'’-]*")

# Script -> the one registered language written in it (Latin and Myanmar need more work).
SCRIPT_LANG = {
    "Thai": "th",
    "Laoo": "lo",
    "Khmr": "km",
    "Taml": "ta",
    "Hani": "zh",
    "Arab": "ms",
    "Java": "jv",
    "Sund": "su",
    "Bali": "ban",
    "Bugi": "bug",
}

# Han characters carry about a word each, so one counts for as much as a few Latin letters
# when deciding which script dominates a mixed text.
_WEIGHT = {"Hani": 3.0}

# Shan letters that Zawgyi-encoded Burmese never produces, and Zawgyi glyph code points that
# Shan Unicode text does not use: both share U+1060-U+109F, so count the two sides.
_SHAN_ONLY = frozenset("\u107a\u1081\u1083\u1084\u1085\u1089")
_ZAWGYI_ONLY = frozenset("\u105a\u107f\u1080\u108f\u1090\u1093\u1094\u1095")


def script_counts(text: str, mixed: bool = True) -> dict[str, float] | None:
    """Weighted letter counts per script (ISO 15924 names), e.g. {"Thai": 40, "Latn": 7};
    with ``mixed=False``, None where the text mixes scripts (the caller will count a cleaned text)."""
    if text.isascii():  # Latin only: the count weighs nothing against another script
        return {"Latn": float(len(text))} if _ASCII_LETTER_RE.search(text) else {}
    first = _LETTER_RE.search(text)
    if first is None:
        return {}
    name = _NAME_OF.get(_TABLE.get(ord(first.group()), ""))
    if name in _OUTSIDE and not _OUTSIDE[name].search(text, first.end()):
        return {name: float(len(text))}  # one script only (the usual case): shares need no counts
    if not mixed:
        return None
    # Mixed text: one script at a time, in order of appearance (usually two), each counted by a
    # C-speed regex over its runs; str.translate with a code-point table took ~18 us on a
    # 200-character Thai post with Latin brand names, most of detect's time there. Everything
    # before the last script found is either uncounted or in a script already counted.
    counts: dict[str, float] = {}
    found = _ANY_RE.search(text)
    while found is not None:
        name = _NAME_OF[_TABLE[ord(found.group())]]
        counts[name] = sum(map(len, _SCRIPT_RE[name].findall(text))) * _WEIGHT.get(name, 1.0)
        found = _scripts_but(frozenset(counts)).search(text, found.end())
    return counts


@cache
def _scripts_but(names: frozenset[str]) -> re.Pattern:
    """A character of any counted script except ``names``."""
    rest = [n for n in _RANGES if n not in names]
    return re.compile(f"[{char_class(*rest)}]" if rest else "(?!)")  # (?!): every script counted


def latin_words(text: str) -> str:
    """The Latin-script words of ``text``, space-separated (what the Latin models should see
    of a mixed-script text: the other script only costs them time)."""
    return " ".join(_LATIN_WORD_RE.findall(text))


def char_script(ch: str) -> str:
    """The script of one character, "" for non-letters (digits, punctuation, emoji)."""
    mark = _TABLE.get(ord(ch))
    if mark is None:
        return ""
    return _NAME_OF[mark]


def myanmar_lang(text: str) -> str:
    """Tell Shan ("shn") from Burmese ("my", Unicode or Zawgyi) in Myanmar-script text."""
    # str.count is a C scan per letter: a Python loop over the characters cost ~50 us a sentence.
    shan = sum(map(text.count, _SHAN_ONLY))
    zawgyi = sum(map(text.count, _ZAWGYI_ONLY))
    return "shn" if shan > zawgyi else "my"
