"""Which Southeast Asian numbering plan a phone number fits, from its bare digits.

Numbers are checked against the national significant number (NSN: what follows the country
code or the trunk 0) of each plan, so "+62 812-3456-7890" and "0812-3456-7890" test the same
rule. The rules follow the public numbering plans (ITU-T E.164 country pages) at the level of
detail that separates phone numbers from other digit runs; they do not track every block.
"""

from __future__ import annotations

import re

# Country calling code -> (ISO country, NSN pattern). Three-digit codes are tried first.
_PLANS: dict[str, tuple[str, re.Pattern[str]]] = {
    "855": ("KH", re.compile(r"[1-9]\d{7,8}")),
    "856": ("LA", re.compile(r"20\d{8}|[2-9]\d{7,8}")),
    "673": ("BN", re.compile(r"[2-8]\d{6}")),
    "65": ("SG", re.compile(r"[3689]\d{7}")),
    "60": ("MY", re.compile(r"1\d{8,9}|[3-9]\d{7,8}")),
    "62": ("ID", re.compile(r"8[1-9]\d{7,10}|[2-79]\d{7,10}")),
    "66": ("TH", re.compile(r"[689]\d{8}|[2-7]\d{7}")),
    "63": ("PH", re.compile(r"9\d{9}|2\d{8}|[3-8]\d{7,8}")),
    "84": ("VN", re.compile(r"[35789]\d{8}|2\d{9}")),
    "95": ("MM", re.compile(r"9\d{7,9}|[1-8]\d{5,8}")),
}
_TRUNK_COUNTRIES = ("MY", "ID", "TH", "PH", "VN", "KH", "MM", "LA")
_BY_COUNTRY = {country: pattern for country, pattern in _PLANS.values()}


def international_phone_country(digits: str) -> str | None:
    """Country of a number written with a leading + (digits exclude the +).

    A trunk 0 written after the country code ("+62 (0)812...") is tolerated. Numbers with a
    calling code outside Southeast Asia are accepted as "INTL" when they have a plausible
    E.164 length (8-15 digits), since a + prefix is itself strong evidence of a phone number.
    """
    for cc_len in (3, 2):
        cc = digits[:cc_len]
        if cc in _PLANS:
            country, pattern = _PLANS[cc]
            nsn = digits[cc_len:]
            if nsn.startswith("0"):
                nsn = nsn[1:]
            return country if pattern.fullmatch(nsn) else None
    if digits[:1] != "0" and 8 <= len(digits) <= 15 and not _is_sea_prefix(digits):
        return "INTL"
    return None


def is_calling_code(digits: str) -> bool:
    """True for a Southeast Asian country calling code such as "65" or "855"."""
    return digits in _PLANS


def _is_sea_prefix(digits: str) -> bool:
    # A number starting with a SEA code that failed that plan must not fall back to INTL.
    return digits[:2] in _PLANS or digits[:3] in _PLANS


def local_phone_country(digits: str) -> str | None:
    """Country of a number written in national format, or None.

    Singapore (8 digits from 3, 6, 8 or 9) and Brunei (7 digits) have no trunk prefix; the
    others are dialled with a leading 0. The first plan that fits wins, which is enough for
    redaction: only the type PHONE is reported.
    """
    if digits.startswith("0"):
        nsn = digits[1:]
        for country in _TRUNK_COUNTRIES:
            if _BY_COUNTRY[country].fullmatch(nsn):
                return country
        return None
    if _BY_COUNTRY["SG"].fullmatch(digits):
        return "SG"
    if _BY_COUNTRY["BN"].fullmatch(digits):
        return "BN"
    return None
