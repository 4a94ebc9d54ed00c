"""Vietnamese tone-mark placement: one canonical vowel for the tone mark of each syllable.

Two conventions exist for open syllables with the glides oa, oe, uy: old style `hòa, hòe, thúy`
and new style `hoà, hoè, thuý`. We default to old style: it is what Unikey and the Windows
keyboard produce by default and what most Vietnamese web text uses, so it matches more of the
data models see. Everything else follows the shared rules: a vowel with a shape mark
(ă â ê ô ơ ư) takes the tone; otherwise the last vowel when a final consonant follows, the middle
of three vowels, and the first of two. "qu" and "gi" before a vowel are consonants.
Words that do not parse as one Vietnamese syllable (English, names) are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_SHAPED = "ăâêôơư"
_VOWELS = "aăâeêioôơuưy"
_INITIALS = sorted("ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p q r s t v x".split(), key=len, reverse=True)
_FINALS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
_WORD_RE = re.compile(r"[^\W\d_]+")
_VI_CHARS_RE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")


def looks_vietnamese(text: str) -> bool:
    """True when text has letters only Vietnamese uses (đ, ơ, ư, ă, or a dot-below/hook vowel)."""
    return _VI_CHARS_RE.search(text) is not None


def _split(word: str) -> tuple[str, str, str] | None:
    """(initial, vowels, final) of a toneless lower-case syllable, or None."""
    initial = ""
    for cand in _INITIALS:
        if word.startswith(cand) and any(ch in _VOWELS for ch in word[len(cand) :]):
            initial = cand
            break
    rest = word[len(initial) :]
    n = 0
    while n < len(rest) and rest[n] in _VOWELS:
        n += 1
    vowels, final = rest[:n], rest[n:]
    if not vowels or final not in _FINALS or len(vowels) > 3:
        return None
    return initial, vowels, final


def _tone_index(vowels: str, final: str, style: str) -> int:
    shaped = [i for i, ch in enumerate(vowels) if ch in _SHAPED]
    if shaped:
        return shaped[-1]
    if len(vowels) == 1 or final:
        return len(vowels) - 1
    if len(vowels) == 3:
        return 1
    return 1 if style == "new" and vowels in ("oa", "oe", "uy") else 0


@lru_cache(maxsize=65536)
def _place(word: str, style: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    if len(bare.lower()) != len(bare):
        return word  # a letter whose lower case is longer (e.g. "İ"): not Vietnamese
    parts = _split(bare.lower())
    if parts is None:
        return word
    initial, vowels, final = parts
    target = len(initial) + _tone_index(vowels, final, style)
    toned = bare[: target + 1] + tones[0] + bare[target + 1 :]
    return unicodedata.normalize("NFC", toned)


def place_tone_marks(text: str, style: str = "old") -> str:
    """Move each syllable's tone mark to its canonical vowel (style "old": hòa, "new": hoà)."""
    if style not in ("old", "new"):
        raise ValueError(f"vi_tone must be 'old' or 'new', got {style!r}")
    return _WORD_RE.sub(lambda m: _place(m.group(), style), text)
