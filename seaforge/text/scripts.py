"""The one table of Unicode ranges per writing system (ISO 15924 names).

Language ID, normalization, segmentation and the tokenizer derive their character classes from
this table instead of each carrying its own copy of the ranges. Ranges are whole Unicode blocks
(so they need no update when a block gains a character), except Latin, which lists letters only:
its blocks also hold the ASCII and Latin-1 punctuation that every script shares.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

Ranges = tuple[tuple[int, int], ...]

SCRIPT_RANGES: dict[str, Ranges] = {
    "Latn": ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F), (0x1E00, 0x1EFF)),
    "Thai": ((0x0E00, 0x0E7F),),
    "Laoo": ((0x0E80, 0x0EFF),),
    "Khmr": ((0x1780, 0x17FF), (0x19E0, 0x19FF)),  # Khmer, Khmer Symbols
    "Mymr": ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)),  # Myanmar, Extended-B, -A
    "Taml": ((0x0B80, 0x0BFF),),
    "Hani": ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)),
    "Kana": ((0x3040, 0x30FF), (0x31F0, 0x31FF)),
    "Hang": ((0x1100, 0x11FF), (0xAC00, 0xD7AF), (0x3130, 0x318F)),
    "Arab": ((0x0600, 0x06FF), (0x0750, 0x077F)),  # Arabic, Arabic Supplement (Jawi)
    "Java": ((0xA980, 0xA9DF),),
    "Sund": ((0x1B80, 0x1BBF),),
    "Bali": ((0x1B00, 0x1B7F),),
    "Bugi": ((0x1A00, 0x1A1F),),
    # Devanagari to Sinhala (Tamil included): the Indic blocks, whose shaping uses ZWJ/ZWNJ.
    "Indic": ((0x0900, 0x0DFF),),
    # Letters of scripts no registered language uses: Greek, Cyrillic, Hebrew, Devanagari to Oriya,
    # Telugu to Sinhala.
    "Other": ((0x370, 0x52F), (0x0590, 0x05FF), (0x900, 0xB7F), (0xC00, 0xDFF)),
}


def ranges(*scripts: str) -> Ranges:
    """The code point ranges of ``scripts``, in the order given."""
    return tuple(span for name in scripts for span in SCRIPT_RANGES[name])


def class_of(spans: Ranges) -> str:
    """The body of a regex character class (``re`` or ``regex``) matching any code point in ``spans``."""
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in spans)


def char_class(*scripts: str) -> str:
    """The body of a regex character class matching any character of ``scripts``."""
    return class_of(ranges(*scripts))


def letters_and_marks(script: str) -> Ranges:
    """The code points of ``script`` that are letters or marks (no digits, punctuation or symbols),
    as ranges: a plain class, which the regex engine matches faster than a set intersection."""
    spans: list[tuple[int, int]] = []
    for lo, hi in SCRIPT_RANGES[script]:
        for code_point in range(lo, hi + 1):
            if unicodedata.category(chr(code_point))[0] not in "LM":
                continue
            if spans and spans[-1][1] == code_point - 1:
                spans[-1] = (spans[-1][0], code_point)
            else:
                spans.append((code_point, code_point))
    return tuple(spans)


@cache
def script_re(*scripts: str) -> re.Pattern:
    """A compiled pattern matching one character of ``scripts``."""
    return re.compile(f"[{char_class(*scripts)}]")


def has_script(text: str, script: str) -> bool:
    """True when ``text`` holds at least one character of ``script``."""
    return script_re(script).search(text) is not None
