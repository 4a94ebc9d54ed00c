"""Which Southeast Asian numbering plan a phone number fits, from its bare digits.

The numbering plans come from `phonenumbers` (Google's libphonenumber metadata, which tracks the
allocated blocks of every plan and is updated with them). What is ours: the order in which local
numbers try the countries, the trunk 0 tolerated after a country code ("+62 (0)812..."), and
the "INTL" rule for other countries' numbers written with a +.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

# Country calling codes of the region; three-digit codes are tried first.
_CALLING_CODES = {
    "855": "KH",
    "856": "LA",
    "673": "BN",
    "65": "SG",
    "60": "MY",
    "62": "ID",
    "66": "TH",
    "63": "PH",
    "84": "VN",
    "95": "MM",
}
# Dialled with a leading 0 at home; tried in this order (the first plan that fits wins).
_TRUNK_COUNTRIES = ("MY", "ID", "TH", "PH", "VN", "KH", "MM", "LA")


@lru_cache(maxsize=4096)
def _valid_in(national: str, country: str) -> bool:
    """True when ``national`` (digits, trunk 0 included or not) is a valid number of ``country``."""
    try:
        number = phonenumbers.parse(national, country)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number_for_region(number, country)


def international_phone_country(digits: str) -> str | None:
    """Country of a number written with a leading + (digits exclude the +).

    A trunk 0 written after the country code ("+62 (0)812...") is tolerated. Numbers with a
    calling code outside Southeast Asia are accepted as "INTL" when they have a plausible
    E.164 length (8-15 digits), since a + prefix is itself strong evidence of a phone number.
    """
    for cc_len in (3, 2):
        country = _CALLING_CODES.get(digits[:cc_len])
        if country is not None:
            nsn = digits[cc_len:]
            if nsn.startswith("0"):
                nsn = nsn[1:]
            return country if nsn and _valid_in("+" + digits[:cc_len] + nsn, country) else None
    if digits[:1] != "0" and 8 <= len(digits) <= 15 and not _is_sea_prefix(digits):
        return "INTL"
    return None


def is_calling_code(digits: str) -> bool:
    """True for a Southeast Asian country calling code such as "65" or "855"."""
    return digits in _CALLING_CODES


def _is_sea_prefix(digits: str) -> bool:
    # A number starting with a SEA code that failed that plan must not fall back to INTL.
    return digits[:2] in _CALLING_CODES or digits[:3] in _CALLING_CODES


def local_phone_country(digits: str) -> str | None:
    """Country of a number written in national format, or None.

    Singapore (8 digits) and Brunei (7 digits) have no trunk prefix; the others are dialled
    with a leading 0. The first plan that fits wins, which is enough for redaction: only the
    type PHONE is reported.
    """
    if digits.startswith("0"):
        for country in _TRUNK_COUNTRIES:
            if _valid_in(digits, country):
                return country
        return None
    if len(digits) == 8 and _valid_in(digits, "SG"):
        return "SG"
    if len(digits) == 7 and _valid_in(digits, "BN"):
        return "BN"
    return None
