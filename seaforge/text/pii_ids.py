"""Validators for Southeast Asian national ID numbers and payment cards.

Each `valid_*` function takes the bare digits (separators already removed) and says whether the
number is structurally possible: checksum, embedded birth date, region code. None of them can say
that a number was really issued; they only rule out numbers that cannot have been.
The `*_check_*` helpers compute the check character, so tests and fixtures can build valid
numbers without using anyone's real one.

python-stdnum does the checks it has as well as we do (Luhn, Malaysian NRIC, Thai PIN); the rest is
ours because stdnum has no validator for it (Singapore NRIC/FIN, Vietnamese CCCD, Philippine SSS
and PhilSys, card issuer prefixes) or an outdated one (Indonesian NIK, see its province table).
"""

from __future__ import annotations

import datetime as _dt

from stdnum import luhn
from stdnum.my import nric as _stdnum_mykad
from stdnum.th import pin as _stdnum_thai_pin

# stdnum has Singapore's UEN only, not the NRIC/FIN: ours, with the 2022 M series.
_NRIC_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
# Check letters indexed by the weighted sum mod 11 (ICA's scheme). The M series (FINs issued from
# 2022) adds 3 and uses its own table, which ICA publishes as "KLJNPQRTUWX" indexed by 10 - r.
_NRIC_TABLES = {
    "S": (0, "JZIHGFEDCBA"),
    "T": (4, "JZIHGFEDCBA"),
    "F": (0, "XWUTRQPNMLK"),
    "G": (4, "XWUTRQPNMLK"),
    "M": (3, "KLJNPQRTUWX"[::-1]),
}

# Indonesian province codes (Kemendagri), including the Papua provinces created in 2022. Ours:
# stdnum.id.nik's region table lacks Kalimantan Utara (65) and Papua Barat and the new Papua
# provinces (92, 93, 95, 96), so it rejects NIKs issued there.
_NIK_PROVINCES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 "
    "71 72 73 74 75 76 81 82 91 92 93 94 95 96".split()
)

# Vietnamese province codes used in the first 3 digits of the 12-digit CCCD (Circular 07/2016).
_CCCD_PROVINCES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

# Issuer prefixes (IIN) and allowed lengths of the card networks seen in the region.
_CARD_IINS: tuple[tuple[tuple[int, int], tuple[int, ...]], ...] = (
    ((4, 4), (13, 16, 19)),  # Visa
    ((51, 55), (16,)),  # Mastercard
    ((2221, 2720), (16,)),  # Mastercard 2-series
    ((34, 34), (15,)),  # American Express
    ((37, 37), (15,)),
    ((6011, 6011), (16, 19)),  # Discover
    ((644, 649), (16, 19)),
    ((65, 65), (16, 19)),
    ((3528, 3589), (16, 19)),  # JCB
    ((62, 62), (16, 17, 18, 19)),  # UnionPay
    ((300, 305), (14, 16)),  # Diners Club
    ((36, 36), (14, 16)),
    ((38, 39), (14, 16)),
    ((50, 50), (16, 19)),  # Maestro and regional debit schemes
    ((56, 58), (16, 19)),
    ((60, 60), (16, 19)),  # RuPay and regional debit schemes
    ((63, 63), (16, 19)),
    ((67, 67), (16, 19)),
)


def nric_check_letter(prefix: str, digits: str) -> str:
    """Check letter of a Singapore NRIC/FIN with this prefix (S, T, F, G or M) and 7 digits."""
    offset, table = _NRIC_TABLES[prefix.upper()]
    total = offset + sum(int(d) * w for d, w in zip(digits, _NRIC_WEIGHTS))
    return table[total % 11]


def valid_nric(value: str) -> bool:
    """True for a Singapore NRIC/FIN like S1234567D whose check letter matches."""
    value = value.upper()
    if len(value) != 9 or value[0] not in _NRIC_TABLES or not value[1:8].isdigit():
        return False
    return nric_check_letter(value[0], value[1:8]) == value[8]


def luhn_ok(digits: str) -> bool:
    """True when `digits` passes the Luhn (mod 10) check."""
    return len(digits) > 1 and luhn.is_valid(digits)


def valid_card(digits: str) -> bool:
    """True for a 13-19 digit payment card number with a known issuer prefix and a Luhn check."""
    n = len(digits)
    if not 13 <= n <= 19:
        return False
    for (low, high), lengths in _CARD_IINS:
        width = len(str(low))
        if n in lengths and low <= int(digits[:width]) <= high:
            return luhn_ok(digits)
    return False


_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_THIS_YEAR = _dt.date.today().year


def _date_ok(yy: int, month: int, day: int) -> bool:
    """A 2-digit year is ambiguous: accept the date when it exists in 19yy or 20yy.
    (A table, not datetime: this runs on every candidate number of a corpus.)"""
    if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]):
        return False
    # 29 February needs a leap year: yy % 4 == 0 is one in 19yy or 20yy (2000 is, 1900 not).
    return not (month == 2 and day == 29 and yy % 4 != 0)


def valid_mykad(digits: str) -> bool:
    """True for a Malaysian MyKad number YYMMDD-PB-###G: real date and an issued place code."""
    return len(digits) == 12 and digits.isdigit() and _stdnum_mykad.is_valid(digits)


def valid_nik(digits: str) -> bool:
    """True for an Indonesian NIK: province, regency and district codes, DDMMYY (+40 on the
    day for women) and a non-zero serial."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    regency, district = int(digits[2:4]), int(digits[4:6])
    # Regencies are numbered from 01 (at most ~40 per province), cities from 71.
    if digits[:2] not in _NIK_PROVINCES or not (1 <= regency <= 40 or 71 <= regency <= 79):
        return False
    if district == 0 or digits[12:] == "0000":
        return False
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    return _date_ok(yy, month, day)


def valid_thai_id(digits: str) -> bool:
    """True for a 13-digit Thai ID (person types 1-8) whose check digit matches."""
    return len(digits) == 13 and digits.isdigit() and _stdnum_thai_pin.is_valid(digits)


# stdnum's Vietnamese module has the tax code (MST) only; the CCCD check is ours.
def valid_cccd(digits: str, today: _dt.date | None = None) -> bool:
    """True for a 12-digit Vietnamese CCCD: province code, century/sex digit and a birth year
    that is not in the future."""
    if len(digits) != 12 or not digits.isdigit() or digits[:3] not in _CCCD_PROVINCES:
        return False
    century_sex, yy = int(digits[3]), int(digits[4:6])
    # 0/1 = born 1900s (male/female), 2/3 = 2000s; later codes are not issued yet.
    if century_sex > 3:
        return False
    year = (1900 if century_sex < 2 else 2000) + yy
    return year <= (today.year if today else _THIS_YEAR)


# stdnum has no Philippine module: SSS and PhilSys are ours.
def valid_sss(digits: str) -> bool:
    """True for a 10-digit Philippine SSS number. SSS publishes no checksum, so only the shape
    is checked; callers must require the ##-#######-# layout or a context word."""
    return len(digits) == 10 and digits.isdigit() and digits != "0" * 10


def valid_philsys(digits: str) -> bool:
    """True for a 16-digit PhilSys number (PSN or PCN). No public checksum exists: callers must
    require a context word such as 'PhilSys' or 'PCN'."""
    return len(digits) == 16 and digits.isdigit() and len(set(digits)) > 1
