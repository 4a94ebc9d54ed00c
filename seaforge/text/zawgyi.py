"""Zawgyi-encoded Burmese: detection (myanmartools) and conversion to and from Unicode.

Zawgyi is a font hack that reuses Myanmar code points for glyphs and stores text in visual order
(vowel sign E and medial ra before the consonant, kinzi after it). PyICU's `Zawgyi-my`
transliterator is not installable here, so conversion is our own: each Zawgyi code point maps to
Unicode components with a rank in the Unicode storage order (UTN #11), and each syllable cluster
is re-sorted by rank. The tables below were written from the Unicode Myanmar chart and the
Zawgyi font's glyph chart.

Unicode -> Zawgyi must also pick among Zawgyi's glyph variants (wide/narrow/cut medial ra, short
NA, long-tailed u, three dot-below positions). Those choices follow the font's logic (a glyph
variant leaves room for the marks around it); where the fonts allow either, we chose what the
myanmar-tools reference conversions in ../shared do, so a round trip through other converters
changes as little as possible.
"""

from __future__ import annotations

import re
import unicodedata

# Rank of each component in a Unicode Burmese syllable (UTN #11 storage order).
KINZI, BASE, STACK, MED_Y, MED_R, MED_W, MED_H = 0, 1, 2, 3, 4, 5, 6
VOW_E, VOW_UP, VOW_LOW, VOW_AA, ANUSVARA, DOT, ASAT, VISARGA = 7, 8, 9, 10, 11, 12, 13, 14

_KINZI_U = "\u1004\u103a\u1039"

# Unicode mark -> rank; shared with the Unicode re-ordering in normalize.
UNICODE_MARK_RANK: dict[str, int] = {
    "\u103b": MED_Y,
    "\u103c": MED_R,
    "\u103d": MED_W,
    "\u103e": MED_H,
    "\u1031": VOW_E,
    "\u102d": VOW_UP,
    "\u102e": VOW_UP,
    "\u1032": VOW_UP,
    "\u102f": VOW_LOW,
    "\u1030": VOW_LOW,
    "\u102b": VOW_AA,
    "\u102c": VOW_AA,
    "\u1036": ANUSVARA,
    "\u1037": DOT,
    "\u103a": ASAT,
    "\u1038": VISARGA,
}


def _stack(consonant: str) -> tuple[int, str]:
    return (STACK, "\u1039" + consonant)


# Zawgyi code point -> Unicode components (rank, text). Code points not listed map to themselves.
_ZG_MARKS: dict[str, tuple[tuple[int, str], ...]] = {
    "\u1031": ((VOW_E, "\u1031"),),
    "\u1033": ((VOW_LOW, "\u102f"),),
    "\u1034": ((VOW_LOW, "\u1030"),),
    "\u1039": ((ASAT, "\u103a"),),
    "\u103a": ((MED_Y, "\u103b"),),
    "\u107d": ((MED_Y, "\u103b"),),
    "\u103b": ((MED_R, "\u103c"),),
    **{chr(c): ((MED_R, "\u103c"),) for c in range(0x107E, 0x1085)},
    "\u103c": ((MED_W, "\u103d"),),
    "\u103d": ((MED_H, "\u103e"),),
    "\u1087": ((MED_H, "\u103e"),),
    "\u1088": ((MED_H, "\u103e"), (VOW_LOW, "\u102f")),
    "\u1089": ((MED_H, "\u103e"), (VOW_LOW, "\u1030")),
    "\u108a": ((MED_W, "\u103d"), (MED_H, "\u103e")),
    "\u1064": ((KINZI, _KINZI_U),),
    "\u108b": ((KINZI, _KINZI_U), (VOW_UP, "\u102d")),
    "\u108c": ((KINZI, _KINZI_U), (VOW_UP, "\u102e")),
    "\u108d": ((KINZI, _KINZI_U), (ANUSVARA, "\u1036")),
    "\u108e": ((VOW_UP, "\u102d"), (ANUSVARA, "\u1036")),
    "\u105a": ((VOW_AA, "\u102b"), (ASAT, "\u103a")),
    "\u1094": ((DOT, "\u1037"),),
    "\u1095": ((DOT, "\u1037"),),
    "\u1060": (_stack("\u1000"),),
    "\u1061": (_stack("\u1001"),),
    "\u1062": (_stack("\u1002"),),
    "\u1063": (_stack("\u1003"),),
    "\u1065": (_stack("\u1005"),),
    "\u1066": (_stack("\u1006"),),
    "\u1067": (_stack("\u1006"),),
    "\u1068": (_stack("\u1007"),),
    "\u1069": (_stack("\u1008"),),
    "\u106c": (_stack("\u100b"),),
    "\u106d": (_stack("\u100c"),),
    "\u1070": (_stack("\u100f"),),
    "\u1071": (_stack("\u1010"),),
    "\u1072": (_stack("\u1010"),),
    "\u1073": (_stack("\u1011"),),
    "\u1074": (_stack("\u1011"),),
    "\u1075": (_stack("\u1012"),),
    "\u1076": (_stack("\u1013"),),
    "\u1077": (_stack("\u1014"),),
    "\u1078": (_stack("\u1015"),),
    "\u1079": (_stack("\u1016"),),
    "\u107a": (_stack("\u1017"),),
    "\u107b": (_stack("\u1018"),),
    "\u1093": (_stack("\u1018"),),
    "\u107c": (_stack("\u1019"),),
    "\u1085": (_stack("\u101c"),),
    "\u1096": (_stack("\u1010"), (MED_W, "\u103d")),
    **{c: ((UNICODE_MARK_RANK[c], c),) for c in "\u102b\u102c\u102d\u102e\u102f\u1030\u1032\u1036\u1037\u1038"},
}

# Zawgyi base glyphs that stand for a Unicode consonant, possibly with a stacked consonant.
_ZG_BASES: dict[str, tuple[tuple[int, str], ...]] = {
    "\u106a": ((BASE, "\u1009"),),
    "\u106b": ((BASE, "\u100a"),),
    "\u108f": ((BASE, "\u1014"),),
    "\u1090": ((BASE, "\u101b"),),
    "\u1086": ((BASE, "\u103f"),),
    "\u106e": ((BASE, "\u100d"), _stack("\u100d")),
    "\u106f": ((BASE, "\u100e"), _stack("\u100d")),
    "\u1091": ((BASE, "\u100f"), _stack("\u100d")),
    "\u1092": ((BASE, "\u100b"), _stack("\u100c")),
    "\u1097": ((BASE, "\u100b"), _stack("\u100b")),
}
_ZG_PREFIX = frozenset("\u1031\u103b" + "".join(chr(c) for c in range(0x107E, 0x1085)))


def _is_base(ch: str) -> bool:
    o = ord(ch)
    return 0x1000 <= o <= 0x102A or 0x1040 <= o <= 0x104F or o == 0x103F or ch in _ZG_BASES


def _is_myanmar(ch: str) -> bool:
    return 0x1000 <= ord(ch) <= 0x109F


def _zawgyi_clusters(text: str) -> list[list[str] | str]:
    """Split into syllable clusters (lists: prefixes, base, marks) and other characters (str)."""
    out: list[list[str] | str] = []
    cur: list[str] | None = None
    has_base = False
    for ch in text:
        if not _is_myanmar(ch):
            out.append(ch)
            cur, has_base = None, False
            continue
        if ch in _ZG_PREFIX:
            if cur is None or has_base:
                cur, has_base = [], False
                out.append(cur)
            cur.append(ch)
        elif _is_base(ch):
            if cur is None or has_base:
                cur = []
                out.append(cur)
            cur.append(ch)
            has_base = True
        elif cur is not None and not has_base and len(out) > 1 and _has_base(out[-2]):
            # A below/above mark typed after the next syllable's medial ra or vowel E still
            # belongs to the previous consonant (Zawgyi typing order follows the glyphs).
            out[-2].append(ch)
        else:
            if cur is None:
                cur, has_base = [], False
                out.append(cur)
            cur.append(ch)
    return out


def _has_base(item: list[str] | str) -> bool:
    return isinstance(item, list) and any(_is_base(c) for c in item)


def _convert_cluster(cluster: list[str]) -> str:
    parts: list[tuple[float, str]] = []
    for i, ch in enumerate(cluster):
        if ch == "\u1039" and i + 1 < len(cluster) and cluster[i + 1] in "\u103a\u107d":
            parts.append((MED_Y - 0.5, "\u103a"))  # asat before medial ya: ယောက်ျား spelling
        elif ch in _ZG_BASES:
            parts.extend(_ZG_BASES[ch])
        elif ch in _ZG_MARKS:
            parts.extend(_ZG_MARKS[ch])
        elif _is_base(ch):
            parts.append((BASE, ch))
        else:
            parts.append((VISARGA + 1, ch))  # unknown mark: keep it, at the end
    parts.sort(key=lambda p: p[0])
    seen: set[tuple[float, str]] = set()
    deduped = [p for p in parts if not (p in seen or seen.add(p))]  # typed-twice marks
    text = "".join(s for _, s in deduped)
    # U+1025 with asat is the letter NYA (U+1009) in Unicode; Zawgyi fonts draw both alike.
    if text.startswith("\u1025") and "\u103a" in text:
        text = "\u1009" + text[1:]
    return text


_DIGIT_AS_LETTER = {"\u1040": "\u101d", "\u1047": "\u101b"}  # zero ~ WA, seven ~ RA look alike
_LETTER = "\u1000-\u102a\u103f\u104c-\u104f"
_MARK = "\u102b-\u103e"
_DIGIT_LETTER_RE = re.compile(
    rf"(?<![\u1040-\u1049])[\u1040\u1047](?![\u1040-\u1049])"
    rf"(?:(?<=[{_LETTER}{_MARK}][\u1040\u1047])|(?=[{_LETTER}{_MARK}]))"
)
_FOUR_AS_LAGAUNG = re.compile(r"(?<![\u1040-\u1049])\u1044(?=\u1004\u103a\u1038)")


def fix_digit_letters(text: str) -> str:
    """Digit zero/seven written for WA/RA (they look alike) when next to letters, not digits."""
    return _DIGIT_LETTER_RE.sub(lambda m: _DIGIT_AS_LETTER[m.group()], text)


def fix_lagaung(text: str) -> str:
    """Digit four written for the ၎ of ၎င်း ("the aforesaid")."""
    return _FOUR_AS_LAGAUNG.sub("\u104e", text)


def zawgyi_to_unicode(text: str, fix_digits: bool = True) -> str:
    """Convert Zawgyi-encoded Burmese to Unicode (NFC); non-Myanmar characters pass through.

    fix_digits also turns digit zero/seven written for WA/RA back into letters (see
    `fix_digit_letters`); ICU's converter leaves them, so turn it off to compare with ICU output.
    """
    pieces = [c if isinstance(c, str) else _convert_cluster(c) for c in _zawgyi_clusters(text)]
    out = "".join(pieces)
    return unicodedata.normalize("NFC", fix_lagaung(fix_digit_letters(out)) if fix_digits else out)


# --- Unicode -> Zawgyi --------------------------------------------------------------------------
# Stacked consonants with two Zawgyi glyphs: we emit the one in common use (e.g. U+1072 for TA).
_U_STACK_TO_ZG = {
    u[1]: zg
    for zg, parts in _ZG_MARKS.items()
    for rank, u in parts
    if rank == STACK and len(parts) == 1 and zg not in "\u1067\u1071\u1074\u107b"
}
_U_LIGATURE_TO_ZG = {"".join(u for _, u in parts): zg for zg, parts in _ZG_BASES.items() if len(parts) > 1}
_WIDE = frozenset("\u1000\u1003\u1006\u100f\u1010\u1011\u1018\u101a\u101c\u101e\u101f\u1021")
_U_CLUSTER = re.compile(
    "(\u1004\u103a\u1039)?([\u1000-\u102a\u103f\u104e])((?:\u1039[\u1000-\u1021])*)([\u102b-\u103e]*)"
)


def _zg_prefix(base: str, marks: str, upper: str) -> str:
    """Vowel E and the medial-ra glyph (wide/narrow, cut for upper marks) drawn before the base."""
    pre = "\u1031" if "\u1031" in marks else ""
    if "\u103c" in marks:
        cut = bool(upper) or "\u1036" in marks
        if base in _WIDE:
            return pre + ("\u1080" if cut else "\u107e")
        return pre + ("\u107f" if cut else "\u103b")
    return pre


def _zg_medials(marks: str) -> tuple[str, str]:
    """Zawgyi medials (ya, wa, ha and their ligatures) and the lower vowel glyph."""
    has = marks.__contains__
    medials = "\u103a" if has("\u103b") else ""
    if has("\u103d") and has("\u103e"):
        medials += "\u108a"
    else:
        medials += "\u103c" if has("\u103d") else ""
        medials += ("\u1087" if has("\u103c") else "\u103d") if has("\u103e") else ""
    long_u = has("\u103b") or has("\u103c")  # long-tailed u/uu under medial ya/ra
    u = "".join(("\u1033" if c == "\u102f" else "\u1034") if long_u else c for c in marks if c in "\u102f\u1030")
    if medials.endswith("\u103d") and u in ("\u102f", "\u1030"):
        medials, u = medials[:-1], "\u1088" if u == "\u102f" else "\u1089"
    return medials, u


def _zawgyi_cluster(m: re.Match) -> str:
    kinzi, base, stacks, marks = m.group(1), m.group(2), m.group(3), m.group(4)
    has = marks.__contains__
    lower = bool(stacks) or any(c in marks for c in "\u103b\u103d\u103e\u102f\u1030")
    if base + stacks in _U_LIGATURE_TO_ZG:
        base, stacks = _U_LIGATURE_TO_ZG[base + stacks], ""
    elif lower and base == "\u1014" and not has("\u1031"):
        base = "\u108f"  # short NA leaves room for the marks below
    elif lower and base == "\u100a":
        base = "\u106b"
    zg_stacks = "".join(_U_STACK_TO_ZG.get(s[1], s) for s in re.findall("\u1039.", stacks))
    upper = "".join(c for c in marks if c in "\u102d\u102e\u1032")
    if kinzi:
        k = {"\u102d": "\u108b", "\u102e": "\u108c"}.get(upper[:1], "\u1064")
        upper = upper[1:] if k != "\u1064" else upper
        zg_stacks = k + zg_stacks
    pre = _zg_prefix(base, marks, upper)
    medials, u = _zg_medials(marks)
    aa = "".join(c for c in marks if c in "\u102b\u102c")
    asat = "\u1039" if has("\u103a") else ""
    if "\u103a\u103b" in marks:  # ယောက်ျား: the asat is stored before medial ya in both
        medials, asat = "\u1039" + medials, ""
    if aa == "\u102b" and asat:
        aa, asat = "\u105a", ""
    dot = ""
    if has("\u1037"):
        below = any(c in marks for c in "\u102f\u1030\u103d\u103e") or (base == "\u1014" and asat)
        dot = "\u1095" if u in ("\u1033", "\u1034") else ("\u1094" if below else "\u1037")
    if u in ("\u1088", "\u1089"):
        tail = u + ("\u1036" if has("\u1036") else "") + aa + asat
    else:
        tail = ("\u1036" if has("\u1036") else "") + u + aa + asat
    tail += dot + ("\u1038" if has("\u1038") else "")
    if medials.endswith(("\u103d", "\u1087")) and upper == "\u102d":  # ိ goes before HA
        return pre + base + zg_stacks + medials[:-1] + upper + medials[-1] + tail
    return pre + base + zg_stacks + medials + upper + tail


def unicode_to_zawgyi(text: str) -> str:
    """Convert Unicode Burmese to Zawgyi (visual order, Zawgyi glyph variants)."""
    text = unicodedata.normalize("NFC", text)
    return _U_CLUSTER.sub(_zawgyi_cluster, text)
