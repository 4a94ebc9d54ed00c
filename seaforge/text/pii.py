"""Find and redact personal data in Southeast Asian text: contacts, national IDs, cards, IPs.

`find_pii` returns sorted, non-overlapping matches with offsets into the original text;
`redact` replaces each with a typed placeholder such as <EMAIL>, <PHONE> or <SG_NRIC>.

Types (PII_TYPES) and how much a context word matters (see "levels" below):

=============== ============================================== ===============================
type            what is matched                                level
=============== ============================================== ===============================
EMAIL           local@domain.tld                               always (own pattern)
IP_ADDRESS      IPv4 with valid octets; IPv6 (validated)       always; "version"/"v" blocks it
SG_NRIC         S/T/F/G/M + 7 digits + check letter            always (checksum decides)
PHONE           +CC numbers (SEA plans checked; others 8-15)   always
                national formats MY ID TH PH VN KH MM LA SG    optional
                BN 7 digits unbroken; SG 3xxx; "6000 8000"     required ("tel", "hp", "WA"...)
MY_MYKAD        YYMMDD-PB-###G: real date, issued PB code      strong as 6-2-4; optional bare
ID_NIK          16 digits: province, regency, DDMMYY(+40 F)    optional
TH_NATIONAL_ID  13 digits, mod-11 check digit                  strong as 1-4-5-2-1; optional
PH_SSS          ##-#######-# (SSS publishes no checksum)       optional as 2-7-1; required bare
PH_PHILSYS      16-digit PSN/PCN (no public checksum)          required ("PhilSys", "PCN"...)
VN_CCCD         12 digits unbroken: province, century, year    optional
PAYMENT_CARD    13-19 digits, known issuer prefix, Luhn        strong grouped; optional bare
=============== ============================================== ===============================

Levels for digit runs. "Strong": matched without context and not blocked by other words.
"Optional": matched on its own, but a keyword naming another type or a negative word ("order",
"phòng", "kode pos", "invoice", "rekening") in the 40 characters before it blocks it.
"Required": matched only after a keyword for its type. A keyword for a type also settles ties
(a 12-digit run can be a valid MyKad and a valid CCCD); without one the first type in
_PRIORITY wins. A currency mark next to a national-format run (RM, Rp, ฿, VND, บาท ...) always
blocks it; dates, times and amounts with thousands separators are never candidates.
Digits in Thai, Lao, Khmer, Burmese and other Unicode scripts are read as digits. Toll-free
service numbers (1800 ...), obfuscated emails ("name [at] mail") and bank account numbers
are out of scope.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from seaforge.text import pii_ids as ids
from seaforge.text.pii_context import context_types, is_money
from seaforge.text.pii_phones import international_phone_country, is_calling_code, local_phone_country

PII_TYPES: tuple[str, ...] = (
    "EMAIL",
    "PHONE",
    "SG_NRIC",
    "MY_MYKAD",
    "ID_NIK",
    "TH_NATIONAL_ID",
    "PH_SSS",
    "PH_PHILSYS",
    "VN_CCCD",
    "PAYMENT_CARD",
    "IP_ADDRESS",
)


@dataclass(frozen=True)
class PIIMatch:
    """One piece of personal data: its type and [start, end) offsets into the original text."""

    type: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Redaction:
    """Redacted text and the matches that were replaced (offsets into the original text)."""

    text: str
    pii: list[PIIMatch]


_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# Speed: every pattern scanned over whole documents starts with a plain character class, so
# the regex engine can skip ahead in C; the "not glued to a word" check is a lookbehind placed
# after that first character (a leading lookbehind makes re try every position, ~10x slower).
_NRIC = re.compile(r"[STFGMstfgm](?<![A-Za-z0-9][STFGMstfgm])[0-9]{7}[A-Za-z](?![A-Za-z0-9])")
_IPV4 = re.compile(
    r"[0-9](?<![A-Za-z0-9_.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}"
    r"(?![A-Za-z0-9_]|\.[0-9])"
)
_IPV6 = re.compile(
    r"[0-9A-Fa-f:](?<![A-Za-z0-9_:][0-9A-Fa-f:])"
    r"(?=[0-9A-Fa-f]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{1,38}"
    r"(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?![A-Za-z0-9_:]|\.[0-9])"
)
_VERSION_WORD = re.compile(r"(?:\bv|version|versi|ver\.?|phiên bản|เวอร์ชัน|build|release)\s*$", re.IGNORECASE)

# A digit run: groups of digits joined by one separator (space, dash, dot, parentheses), with an
# optional leading + or "(+". It must not touch letters or continue a number (decimals, dates).
_SEP = r"(?:[ \u00a0]?[\-.\u2010-\u2013][ \u00a0]?|[ \u00a0]|\)[ \u00a0]?|[ \u00a0]?\()"
# A "/" may join two numbers ("(021) 555-1234/35", "0812.../0813..."): dates never have 7 digits
# before a slash, and runs shorter than that are dropped anyway.
_RUN = re.compile(
    rf"(?<![A-Za-z0-9_@\d])(?<!\d[.,:\-])(?:\(\+?|\+)?\d+(?:{_SEP}\d+)*\)?"
    r"(?![A-Za-z0-9_@\d])(?![.,:\-]\d)"
)
# Stretches made only of characters a run can contain, long enough to hold 7 digits; _RUN is
# tried only inside them, so years, prices and counts are skipped by the regex engine in C.
# Digits are listed as ranges (ASCII, Arabic-Indic, Devanagari, Tamil, Thai, Lao, Myanmar, Shan,
# Khmer, fullwidth): a range class scans twice as fast as \d, which checks Unicode categories.
_DIGITS = (
    "0-9\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u0be6-\u0bef\u0e50-\u0e59"
    "\u0ed0-\u0ed9\u1040-\u1049\u1090-\u1099\u17e0-\u17e9\uff10-\uff19"
)
_RUN_REGION = re.compile(rf"[(+{_DIGITS}][{_DIGITS} ().\-\u00a0\u2010-\u2013+]{{6,}}")
_GROUP = re.compile(r"\d+")
_DATE_SHAPES = {(4, 2, 2): (0, 1, 2), (2, 2, 4): (2, 1, 0), (2, 2, 2): (2, 1, 0)}

_MIN_DIGITS = 7  # the shortest number we report: a Brunei phone number
_STRONG, _PLAIN, _NEEDS_CONTEXT = 0, 1, 2
# Within one evidence level, the first type listed wins a tie.
_PRIORITY = (
    "SG_NRIC",
    "MY_MYKAD",
    "VN_CCCD",
    "ID_NIK",
    "TH_NATIONAL_ID",
    "PH_SSS",
    "PH_PHILSYS",
    "PAYMENT_CARD",
    "PHONE",
)
_DIGIT_TYPES = frozenset(_PRIORITY) - {"SG_NRIC"}


def find_pii(text: str, types: Iterable[str] | None = None) -> list[PIIMatch]:
    """Personal data in `text`, sorted by start and non-overlapping.

    `types` restricts the result to some of PII_TYPES. A digit run is judged among all types
    first, so a run judged a PHONE is not reported as an ID when PHONE is left out.
    """
    if not isinstance(text, str):
        raise TypeError(f"find_pii expects str, got {type(text).__name__}")
    wanted = _wanted(types)
    found: list[PIIMatch] = []
    if "EMAIL" in wanted and "@" in text:
        found += _find_emails(text)
    if "SG_NRIC" in wanted:
        found += _find_nric(text)
    if "IP_ADDRESS" in wanted:
        found += _find_ips(text)
    if not wanted.isdisjoint(_DIGIT_TYPES):
        found += _find_digit_runs(text)
    return [m for m in _non_overlapping(found) if m.type in wanted]


def redact(text: str, types: Iterable[str] | None = None) -> Redaction:
    """Replace each match of `find_pii(text, types)` with a placeholder like <PHONE>."""
    matches = find_pii(text, types)
    parts, pos = [], 0
    for m in matches:
        parts += [text[pos : m.start], f"<{m.type}>"]
        pos = m.end
    parts.append(text[pos:])
    return Redaction("".join(parts), matches)


def _wanted(types: Iterable[str] | None) -> frozenset[str]:
    if types is None:
        return frozenset(PII_TYPES)
    wanted = frozenset(t.upper() for t in ([types] if isinstance(types, str) else types))
    unknown = sorted(wanted - set(PII_TYPES))
    if unknown:
        raise ValueError(f"unknown PII type(s) {unknown}; known: {', '.join(PII_TYPES)}")
    return wanted


def _non_overlapping(found: list[PIIMatch]) -> list[PIIMatch]:
    # Leftmost first, then longest: an email that contains digits beats the digits.
    kept: list[PIIMatch] = []
    for m in sorted(found, key=lambda m: (m.start, m.start - m.end)):
        if not kept or m.start >= kept[-1].end:
            kept.append(m)
    return kept


def _find_emails(text: str) -> list[PIIMatch]:
    # Search only around each "@": a local part has at most 64 characters, a domain 255.
    found, pos, at = [], 0, text.find("@")
    while at != -1:
        match = _EMAIL.search(text, max(pos, at - 64), at + 256)
        if match:
            found.append(PIIMatch("EMAIL", match.start(), match.end(), match.group()))
            pos = match.end()
        at = text.find("@", max(pos, at + 1))
    return found


def _find_nric(text: str) -> list[PIIMatch]:
    return [
        PIIMatch("SG_NRIC", m.start(), m.end(), m.group()) for m in _NRIC.finditer(text) if ids.valid_nric(m.group())
    ]


def _find_ips(text: str) -> list[PIIMatch]:
    found = []
    for m in _IPV4.finditer(text):
        octets = m.group().split(".")
        if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
            continue
        if not _VERSION_WORD.search(text[max(0, m.start() - 12) : m.start()]):
            found.append(PIIMatch("IP_ADDRESS", m.start(), m.end(), m.group()))
    if text.count(":") < 2:
        return found
    for m in _IPV6.finditer(text):
        value = m.group()
        if _plausible_ipv6(value):
            found.append(PIIMatch("IP_ADDRESS", m.start(), m.end(), value))
    return found


def _plausible_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    # "::" alone or "a::b" in code are valid addresses but rarely meant as one.
    return value.count(":") >= 7 or sum(c not in ":." for c in value) >= 3 or value == "::1"


def _find_digit_runs(text: str) -> list[PIIMatch]:
    found = []
    for region in _RUN_REGION.finditer(text):
        for run in _runs(text, *region.span()):
            start, end = _trim_parens(text, run.start(), run.end())
            groups = [g.span() for g in _GROUP.finditer(text, start, end)]
            found += _classify_run(text, start, end, groups)
    return found


def _runs(text: str, pos: int, end: int) -> Iterator[re.Match[str]]:
    """The matches of _RUN inside text[pos:end] (its lookarounds still see the whole text)."""
    while pos < end:
        run = _RUN.match(text, pos)
        if run:
            yield run
            pos = run.end()
        else:
            pos += 1


def _trim_parens(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a bracket that belongs to the sentence, e.g. the ')' in "(call 0812-3456-7890)"."""
    span = text[start:end]
    if span.endswith(")") and span.count(")") > span.count("("):
        end -= 1
    span = text[start:end]
    if span.startswith("(") and (span.count("(") > span.count(")") or span.find(")") == len(span) - 1):
        start += 1
        end -= span.endswith(")")
    return start, end


def _classify_run(text: str, start: int, end: int, groups: list[tuple[int, int]]) -> list[PIIMatch]:
    """Classify the whole run; if it fits nothing, try its space-separated pieces, longest first."""
    if sum(e - s for s, e in groups) < _MIN_DIGITS:  # most runs are years, prices, counts
        return []
    kind = _classify(text, start, end, groups)
    if kind:
        return [PIIMatch(kind, start, end, text[start:end])]
    chunks = _space_chunks(text, groups)
    if len(chunks) < 2:
        return []
    # "1234 5678 9012 3456" is one order, tracking or account number written in fours, not a
    # phone number at its end: such a run is split only where every piece is a match of its own
    # ("0812 3456 7890 0813 1111 2222"), so no piece of a longer number matches a shorter pattern.
    one_number = len(chunks) >= 3 and all(len(c) == 1 and c[0][1] - c[0][0] == 4 for c in chunks)
    found, i = [], 0
    while i < len(chunks):
        for j in range(min(len(chunks), i + 8), i, -1):
            if i == 0 and j == len(chunks):
                continue  # the whole run was tried above
            part = [g for chunk in chunks[i:j] for g in chunk]
            span_start = start if i == 0 else part[0][0]
            span_end = part[-1][1]
            kind = _classify(text, span_start, span_end, part)
            if kind:
                found.append(PIIMatch(kind, span_start, span_end, text[span_start:span_end]))
                i = j
                break
        else:
            if one_number:
                return []
            i += 1
    return found


def _space_chunks(text: str, groups: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    chunks = [[groups[0]]]
    for prev, cur in zip(groups, groups[1:]):
        if text[prev[1] : cur[0]].strip(" \u00a0"):
            chunks[-1].append(cur)
        else:
            chunks.append([cur])
    return chunks


def _ascii_digits(text: str) -> str:
    return text if text.isascii() else "".join(str(unicodedata.decimal(c)) for c in text)


def _classify(text: str, start: int, end: int, groups: list[tuple[int, int]]) -> str | None:
    """The PII type of the digit run text[start:end], or None for an ordinary number."""
    shape = tuple(e - s for s, e in groups)
    if sum(shape) < _MIN_DIGITS:
        return None
    digits = _ascii_digits("".join(text[s:e] for s, e in groups))
    plus = text[start] == "+" or text[start : start + 2] == "(+"
    # "(65) 9123 4567": a calling code in brackets is written instead of the +.
    plus = plus or (
        text[start] == "("
        and text[groups[0][1] : groups[0][1] + 1] == ")"
        and is_calling_code(digits[: groups[0][1] - groups[0][0]])
    )
    if plus:
        # A + prefix is only ever a phone number; it needs no context.
        if len(groups) <= 6 and international_phone_country(digits):
            return "PHONE"
        return None
    if _is_date(digits, shape):
        return None
    candidates = _candidates(digits, shape)
    if not candidates or is_money(text, start, end):
        return None
    announced = context_types(text, start)
    for types in announced:  # the nearest keyword naming a possible type decides
        for kind in _PRIORITY:
            if kind in types and kind in candidates:
                return kind
    level, _, kind = min((level, _PRIORITY.index(kind), kind) for kind, level in candidates.items())
    # A keyword that names another type ("Thai ID" before a number failing the Thai checksum)
    # or a negative one ("order") leaves only layouts that speak for themselves.
    if level == _NEEDS_CONTEXT or (announced and level == _PLAIN):
        return None
    return kind


def _candidates(digits: str, shape: tuple[int, ...]) -> dict[str, int]:
    """Every type the digits could be, with the evidence level their layout gives."""
    n, bare = len(digits), len(shape) == 1
    out: dict[str, int] = {}
    if n == 12:
        if ids.valid_mykad(digits) and (bare or shape == (6, 2, 4)):
            out["MY_MYKAD"] = _PLAIN if bare else _STRONG
        if ids.valid_cccd(digits) and bare:  # CCCDs are written unbroken
            out["VN_CCCD"] = _PLAIN
    elif n == 13 and ids.valid_thai_id(digits) and (bare or shape == (1, 4, 5, 2, 1)):
        out["TH_NATIONAL_ID"] = _PLAIN if bare else _STRONG
    elif n == 10 and ids.valid_sss(digits) and (bare or shape == (2, 7, 1)):
        out["PH_SSS"] = _NEEDS_CONTEXT if bare else _PLAIN
    elif n == 16:
        if ids.valid_nik(digits) and (bare or shape in ((4, 4, 4, 4), (6, 6, 4), (2, 2, 2, 6, 4))):
            out["ID_NIK"] = _PLAIN
        if ids.valid_philsys(digits) and (bare or shape == (4, 4, 4, 4)):
            out["PH_PHILSYS"] = _NEEDS_CONTEXT
    if ids.valid_card(digits) and (bare or _card_shape(shape)):
        out["PAYMENT_CARD"] = _PLAIN if bare else _STRONG
    phone = _phone_level(digits, shape)
    if phone is not None:
        out["PHONE"] = phone
    return out


def _card_shape(shape: tuple[int, ...]) -> bool:
    if shape in ((4, 6, 5), (4, 6, 4)):  # American Express, Diners Club
        return True
    return len(shape) >= 3 and all(g == 4 for g in shape[:-1]) and 1 <= shape[-1] <= 4


def _phone_level(digits: str, shape: tuple[int, ...]) -> int | None:
    """Evidence level for a national-format phone number, or None when it is not one."""
    country = local_phone_country(digits)
    if country is None or len(shape) > 5:
        return None
    bare = len(shape) == 1
    if country in ("SG", "BN"):
        if shape not in ((8,), (4, 4), (7,), (3, 4)):
            return None
        # Without a trunk 0 these look like quantities ("6000 8000", "3000 2002"): bare Brunei
        # numbers, Singapore 3xxx (VoIP) numbers and round groups need a context word.
        doubtful = shape == (7,) or digits[0] == "3" or any(digits[e - 3 : e] == "000" for e in _group_ends(shape))
        return _NEEDS_CONTEXT if doubtful else _PLAIN
    first_ok = shape[0] >= 2 or digits[0] == "0"  # Thai landlines: 0-2123-4567
    # Middle groups have 2-5 digits; the last may hold the whole subscriber number (012-3456789).
    if not bare and (not first_ok or min(shape[1:]) < 2 or max(shape[:-1]) > 5 or shape[-1] > 8):
        return None
    if len(digits) < 9 and max(shape) <= 2:  # "08.00-16.00" is a time range, not a number
        return None
    return _PLAIN


def _group_ends(shape: tuple[int, ...]) -> list[int]:
    ends, pos = [], 0
    for width in shape:
        pos += width
        ends.append(pos)
    return ends


def _is_date(digits: str, shape: tuple[int, ...]) -> bool:
    order = _DATE_SHAPES.get(shape)
    if order is None:
        return False
    parts, pos = [], 0
    for width in shape:
        parts.append(int(digits[pos : pos + width]))
        pos += width
    year, month, day = (parts[i] for i in order)
    if shape != (2, 2, 2) and not 1800 <= year <= 2199:
        return False
    # Day and month may come in either order (12/03 and 03/12 are both written).
    return 1 <= month <= 12 and 1 <= day <= 31 or 1 <= day <= 12 and 1 <= month <= 31
