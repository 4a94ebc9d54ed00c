"""Text normalization for Southeast Asian languages: one canonical form per written word.

`normalize` runs: line endings -> NFC -> invisible/control characters stripped -> whitespace
unified -> script rules (Burmese/Zawgyi, Thai, Lao, Khmer, Vietnamese) -> NFC. Each step is
idempotent and none undoes another, so normalize(normalize(x)) == normalize(x) (property-tested).

Joiner policy: ZWJ (U+200D) and ZWNJ (U+200C) change how Arabic (Jawi), Indic (Tamil),
Myanmar and Khmer letters join and stack, and ZWJ glues emoji sequences, so they are kept between
two characters of those kinds and dropped everywhere else (in Latin, Thai, Han text they only
break words for tokenizers). ZWSP, word joiner, BOM, soft hyphen, bidi controls and the
discouraged Khmer inherent vowels U+17B4/U+17B5 are always dropped: they are invisible and
split or glue tokens at random. Thai/Lao/Khmer writers sometimes put ZWSP between words; we drop
it rather than turn it into a space because those scripts are written without spaces.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Literal

import numpy as np

from seaforge.text import zawgyi as _zg
from seaforge.text.normalize_scripts import fix_khmer, fix_lao, fix_myanmar_unicode, fix_thai
from seaforge.text.normalize_vi import looks_vietnamese, place_tone_marks
from seaforge.text.scripts import SCRIPT_RANGES, char_class, class_of, script_re

ToneStyle = Literal["old", "new"]
ZAWGYI_THRESHOLD = 0.95

_DROP = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
)
# C0/C1 controls except tab/newline (handled as whitespace), plus the always-dropped set.
_INVISIBLE_RE = re.compile(f"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f{_DROP}]")
# Scripts whose shaping uses ZWJ/ZWNJ: Arabic (Jawi), Indic incl. Tamil, Myanmar, Khmer.
_JOINING = char_class("Arab", "Indic", "Mymr", "Khmr")
_EMOJI = "\u00a9\u00ae\u203c-\u3299\U0001f000-\U0001faff\ufe0f"
_JOINER_RE = re.compile(f"(?<![{_JOINING}])[\u200c\u200d]|[\u200c\u200d](?![{_JOINING}])")
_EMOJI_ZWJ_RE = re.compile(f"(?<=[{_EMOJI}\U0001f3fb-\U0001f3ff])\u200d(?=[{_EMOJI}])")

_LINE_BREAKS_RE = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028]")
_SPACES_RE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000 ]+")
_PARAGRAPH_RE = re.compile("\n{3,}")
# The Myanmar block proper: Zawgyi and the Burmese rules use no character of the extensions.
_MYANMAR_RE = re.compile(f"[{class_of(SCRIPT_RANGES['Mymr'][:1])}]")
_THAI_RE = script_re("Thai")
_LAO_RE = script_re("Laoo")
_KHMER_RE = script_re("Khmr")


def _strip_invisible(text: str) -> str:
    text = _INVISIBLE_RE.sub("", text)
    if "\u200c" not in text and "\u200d" not in text:
        return text
    # Protect emoji ZWJ sequences, then drop joiners not between joining-script characters.
    text = _EMOJI_ZWJ_RE.sub("\x00", text)
    text = _JOINER_RE.sub("", text)
    return text.replace("\x00", "\u200d")


def _unify_whitespace(text: str) -> str:
    text = _LINE_BREAKS_RE.sub("\n", text.replace("\u2029", "\n\n"))
    text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    return _PARAGRAPH_RE.sub("\n\n", text).strip("\n ")


@lru_cache(maxsize=1)
def _detector():
    from myanmartools import ZawgyiDetector  # loads a model file: once per process

    return ZawgyiDetector()


@lru_cache(maxsize=1)
def _markov_tables() -> tuple[np.ndarray, np.ndarray, int] | None:
    """myanmartools' character-pair model as numpy lookups. Its own scorer bisects a sorted list
    for every character in Python, which made Burmese normalization ~10x slower than the rest;
    this computes the identical sum (checked against it in tests/text/test_normalize.py)."""
    detector = _detector()
    chars, params = getattr(detector, "_chars", None), getattr(detector, "_params", None)
    if chars is None or params is None:
        return None
    lut = np.zeros(max(map(ord, chars)) + 2, dtype=np.int64)  # code point -> state; 0 = foreign
    for i, ch in enumerate(chars):
        lut[ord(ch)] = i + 1
    return lut, np.asarray(params, dtype=np.float64), len(chars) + 1


def zawgyi_probability(text: str) -> float:
    """Probability in [0, 1] that Burmese text is Zawgyi-encoded; 0.0 without Myanmar letters."""
    if not _MYANMAR_RE.search(text):
        return 0.0
    tables = _markov_tables()
    if tables is None:  # a future myanmartools without these internals: use its API
        prob = _detector().get_zawgyi_probability(text)
        return 0.0 if prob != prob or prob < 0 else float(prob)  # prob != prob: NaN
    lut, params, size = tables
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    states = np.zeros(len(codes) + 2, dtype=np.int64)  # padded with foreign at both ends
    states[1:-1] = np.where(codes < len(lut), lut[np.minimum(codes, len(lut) - 1)], 0)
    llrs = params[states[:-1] * size + states[1:]]
    known = llrs[~np.isnan(llrs)]  # nan marks foreign-foreign pairs
    if known.size == 0:
        return 0.0
    total = float(known.sum())
    # P(Zawgyi) = 1 / (1 + exp(lnPu - lnPz)), written to avoid overflow (as myanmartools does)
    if total >= 0:
        z = math.exp(-total)
        return z / (z + 1)
    return 1 / (1 + math.exp(total))


def _burmese_line(line: str, threshold: float, allow_zawgyi: bool) -> str:
    """Convert a Zawgyi line, else tidy Unicode; keep whichever stays on the same side of
    `threshold`, so a second pass makes the same decision (idempotency)."""
    if allow_zawgyi and zawgyi_probability(line) > threshold:
        converted = fix_myanmar_unicode(_zg.zawgyi_to_unicode(line))
        return converted if zawgyi_probability(converted) <= threshold else line
    fixed = fix_myanmar_unicode(line)
    if fixed != line and allow_zawgyi and zawgyi_probability(fixed) > threshold:
        return line
    return fixed


def normalize_burmese(text: str, threshold: float = ZAWGYI_THRESHOLD, zawgyi: bool = True) -> str:
    """Myanmar-script lines: Zawgyi -> Unicode when P(Zawgyi) > threshold, mark order fixed."""
    return "\n".join(
        _burmese_line(line, threshold, zawgyi) if _MYANMAR_RE.search(line) else line for line in text.split("\n")
    )


def normalize(
    text: str,
    lang: str | None = None,
    *,
    zawgyi_threshold: float = ZAWGYI_THRESHOLD,
    vi_tone: ToneStyle = "old",
) -> str:
    """Return the canonical form of `text` (idempotent).

    Script rules run where the script's characters occur; `lang` forces the Vietnamese tone rule
    on (lang="vi") or off (another language), and turns Zawgyi conversion off for Shan (whose
    Unicode letters sit where Zawgyi puts Burmese glyphs). `vi_tone` picks old-style `hòa`
    (default: what Unikey and most Vietnamese web text use) or new-style `hoà`.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize() needs str, got {type(text).__name__}")
    code = _resolve(lang)
    text = unicodedata.normalize("NFC", _strip_invisible(text))
    text = _unify_whitespace(text)
    if _MYANMAR_RE.search(text):
        text = normalize_burmese(text, zawgyi_threshold, zawgyi=code not in ("shn",))
    if _THAI_RE.search(text):
        text = fix_thai(text)
    if _LAO_RE.search(text):
        text = fix_lao(text)
    if _KHMER_RE.search(text):
        text = fix_khmer(text)
    if code == "vi" or (code is None and looks_vietnamese(text)):
        text = place_tone_marks(text, vi_tone)
    return unicodedata.normalize("NFC", text)


def _resolve(lang: str | None) -> str | None:
    if lang is None:
        return None
    from seaforge.text.languages import resolve

    return resolve(lang)
