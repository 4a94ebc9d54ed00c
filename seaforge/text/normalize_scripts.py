"""Mark-order and decomposed-vowel fixes for Thai, Lao, Khmer and (Unicode) Burmese text.

These scripts draw a syllable's marks around its consonant, so the same visible word can be
stored in several orders; NFC only reorders marks with a non-zero combining class, which most of
these are not. Each fix sorts the marks after a base into the script's storage order (stable,
identical duplicates dropped) and composes known split vowels. Ranks agree with the combining
classes, so a later NFC never undoes a sort (that keeps `normalize` idempotent).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from seaforge.text.zawgyi import MED_Y, UNICODE_MARK_RANK, fix_digit_letters, fix_lagaung


def _sort_marks(items: list[str], rank: Callable[[int, list[str]], float]) -> str:
    ranked = sorted(range(len(items)), key=lambda i: rank(i, items))
    out: list[str] = []
    for i in ranked:
        if items[i] not in out:  # a mark typed twice is a typo, never a spelling
            out.append(items[i])
    return "".join(out)


# --- Thai ------------------------------------------------------------------------------------
_TH_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
_TH_RUN = re.compile(f"[{_TH_MARKS}]{{2,}}")
_TH_RANK = {**{c: 2 for c in "\u0e48\u0e49\u0e4a\u0e4b"}, "\u0e4c": 3, "\u0e4d": 4, "\u0e4e": 4}
_TH_AM = re.compile(f"\u0e4d([{_TH_MARKS}]*?)\u0e32")  # NIKHAHIT (+marks) + SARA AA = SARA AM
_TH_TONE_AFTER_AM = re.compile("\u0e33([\u0e48-\u0e4b]+)")


def fix_thai(text: str) -> str:
    """SARA AM from NIKHAHIT+SARA AA, SARA E twice -> SARA AE, vowel before tone, no doubled marks."""
    text = text.replace("\u0e40\u0e40", "\u0e41")
    text = _TH_AM.sub(lambda m: m.group(1) + "\u0e33", text)
    text = _TH_TONE_AFTER_AM.sub(lambda m: m.group(1) + "\u0e33", text)
    return _TH_RUN.sub(lambda m: _sort_marks(list(m.group()), lambda i, it: _TH_RANK.get(it[i], 1)), text)


# --- Lao -------------------------------------------------------------------------------------
_LO_MARKS = "\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ece"
_LO_RUN = re.compile(f"[{_LO_MARKS}]{{2,}}")
# U+0ECD is the vowel O in Lao (ບໍ່), so it ranks with the vowels, before the tone mark.
_LO_RANK = {"\u0ebc": 0, **{c: 2 for c in "\u0ec8\u0ec9\u0eca\u0ecb"}, "\u0ecc": 3, "\u0ece": 3}
_LO_AM = re.compile(f"\u0ecd([{_LO_MARKS}]*?)\u0eb2")
_LO_TONE_AFTER_AM = re.compile("\u0eb3([\u0ec8-\u0ecb]+)")


def fix_lao(text: str) -> str:
    """Lao AM (U+0EB3) from NIGGAHITA+AA, SARA E twice -> SARA EI, mark order, no doubled marks."""
    text = text.replace("\u0ec0\u0ec0", "\u0ec1")
    text = _LO_AM.sub(lambda m: m.group(1) + "\u0eb3", text)
    text = _LO_TONE_AFTER_AM.sub(lambda m: m.group(1) + "\u0eb3", text)
    return _LO_RUN.sub(lambda m: _sort_marks(list(m.group()), lambda i, it: _LO_RANK.get(it[i], 1)), text)


# --- Khmer -----------------------------------------------------------------------------------
# Storage order: base, subscripts (COENG+consonant, COENG+RO last) and ROBAT, register shifter,
# joiner, dependent vowel, then the other signs.
_KM_ITEM = re.compile("\u17d2[\u1780-\u17a2]|[\u17b6-\u17d1\u17d3\u17dd\u200c\u200d]")
_KM_CLUSTER = re.compile("[\u1780-\u17b3](?:\u17d2[\u1780-\u17a2]|[\u17b6-\u17d1\u17d3\u17dd\u200c\u200d])+")
_KM_COMPOSE = {"\u17c1\u17b8": "\u17be", "\u17c1\u17b6": "\u17c4"}  # split vowels, see Unicode ch. 16


def _km_rank(i: int, items: list[str]) -> float:
    item = items[i]
    if item == "\u17d2\u179a":
        return 1.5
    if item.startswith("\u17d2") or item == "\u17cc":
        return 1
    if item in "\u17c9\u17ca":
        return 2
    if item in "\u200c\u200d":
        return 2.5
    if "\u17b6" <= item <= "\u17c5":
        return 3
    return 4


def _fix_khmer_cluster(m: re.Match) -> str:
    base, rest = m.group()[0], m.group()[1:]
    out = _sort_marks(_KM_ITEM.findall(rest), _km_rank)
    for split, composed in _KM_COMPOSE.items():
        out = out.replace(split, composed)
    return base + out


def fix_khmer(text: str) -> str:
    """Khmer: split vowels composed (e.g. U+17C1 U+17B8 -> U+17BE), subscripts/shifters/vowels ordered."""
    return _KM_CLUSTER.sub(_fix_khmer_cluster, text)


# --- Burmese (Unicode) -----------------------------------------------------------------------
_MY_MARK_SET = "".join(UNICODE_MARK_RANK)
_MY_CLUSTER = re.compile(
    f"(?:\u1004\u103a\u1039)?[\u1000-\u102a\u103f\u104e](?:\u1039[\u1000-\u1021]|[{_MY_MARK_SET}])+"
)
_MY_ITEM = re.compile(f"\u1039[\u1000-\u1021]|[{_MY_MARK_SET}]")
_NOT_BURMESE = re.compile("[\u1022\u1028\u1033-\u1035\u1050-\u109f]")  # Shan, Mon, Karen...


def _my_out_of_order_regex() -> re.Pattern:
    """Adjacent pairs that a sorted, de-duplicated cluster never contains. Most Unicode text
    has none, and one regex search is far cheaper than sorting every syllable in Python."""
    ranks = {**UNICODE_MARK_RANK, "\u1039": 2}
    alternatives = []
    for a, rank_a in ranks.items():
        after = "".join(
            b for b, rank_b in ranks.items() if (rank_b < rank_a or a == b) and (a, b) != ("\u103a", "\u103b")
        )
        if after:
            alternatives.append(f"{a}[{after}]")
    return re.compile("|".join(alternatives))


_MY_OUT_OF_ORDER = _my_out_of_order_regex()


def _my_rank(i: int, items: list[str]) -> float:
    item = items[i]
    if item.startswith("\u1039"):
        return 2
    if item == "\u103a" and i + 1 < len(items) and items[i + 1] == "\u103b":
        return MED_Y - 0.5  # asat before medial ya is a spelling (ယောက်ျား), keep it
    return UNICODE_MARK_RANK[item]


def _fix_myanmar_cluster(m: re.Match) -> str:
    text = m.group()
    if not _MY_OUT_OF_ORDER.search(text):
        return text
    head = 4 if text.startswith("\u1004\u103a\u1039") else 1
    if "\u103a\u1039" in text[head:]:
        return text  # a kinzi the cluster regex took as marks: its order is already fixed
    return text[:head] + _sort_marks(_MY_ITEM.findall(text[head:]), _my_rank)


def fix_myanmar_unicode(text: str) -> str:
    """Unicode Burmese: marks in UTN #11 order, doubled marks dropped, ၀/၇ used as ဝ/ရ fixed.

    Lines with Shan, Mon or Karen letters are left as they are: their ordering rules differ.
    """
    if _NOT_BURMESE.search(text):
        return text
    # Digits first: a ၀ that becomes ဝ is a base whose marks the sort must then see.
    text = fix_digit_letters(text)
    if _MY_OUT_OF_ORDER.search(text):
        text = _MY_CLUSTER.sub(_fix_myanmar_cluster, text)
    return fix_lagaung(text)
