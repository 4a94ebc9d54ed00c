"""National-ID and card validators, checked against independent re-implementations of each
published rule and against numbers verified by hand. Every number here is synthetic."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from seaforge.text import pii_ids as ids
from seaforge.text.pii import find_pii

# ---- independent generators: written from the published rules, not from seaforge's code ----


def make_nric(prefix: str, digits: str) -> str:
    """ICA: weights 2765432, +4 for T/G, +3 for M; letter from the series table."""
    total = sum(int(d) * w for d, w in zip(digits, [2, 7, 6, 5, 4, 3, 2]))
    total += {"S": 0, "F": 0, "T": 4, "G": 4, "M": 3}[prefix]
    r = total % 11
    if prefix == "M":
        return prefix + digits + "KLJNPQRTUWX"[(11 - r) - 1]  # ICA: P = 11 - R, letter P
    table = {"S": "JZIHGFEDCBA", "T": "JZIHGFEDCBA", "F": "XWUTRQPNMLK", "G": "XWUTRQPNMLK"}[prefix]
    return prefix + digits + table[r]


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


def make_card(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


def make_thai_id(rng: random.Random) -> str:
    body = rng.choice("12345678") + "".join(rng.choice("0123456789") for _ in range(11))
    weighted = sum(int(d) * w for d, w in zip(body, range(13, 1, -1)))
    return body + str((11 - weighted % 11) % 10)


def random_date(rng: random.Random) -> dt.date:
    return dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 74))


def make_mykad(rng: random.Random) -> str:
    born = random_date(rng)
    place = rng.choice(["01", "07", "10", "14", "16", "24", "54", "60", "71", "82", "98"])
    return born.strftime("%y%m%d") + place + f"{rng.randrange(10000):04d}"


def make_nik(rng: random.Random) -> str:
    born = random_date(rng)
    day = born.day + (40 if rng.random() < 0.5 else 0)  # women: day + 40
    region = rng.choice(["3174", "3273", "3578", "5171", "1271", "7371", "9202", "6472"])
    return f"{region}{rng.randrange(1, 30):02d}{day:02d}{born:%m%y}{rng.randrange(1, 10000):04d}"


def make_cccd(rng: random.Random) -> str:
    born = random_date(rng)
    century_sex = (0 if born.year < 2000 else 2) + rng.randrange(2)
    province = rng.choice(["001", "079", "048", "031", "092", "075", "038", "046"])
    return f"{province}{century_sex}{born:%y}{rng.randrange(10**6):06d}"


# ---- hand-verified numbers ----
# S1234567D: 1*2+2*7+3*6+4*5+5*4+6*3+7*2 = 106, 106 % 11 = 7, "JZIHGFEDCBA"[7] = D.
# M1234567K: 106 + 3 = 109, 109 % 11 = 10, P = 11 - 10 = 1, "KLJNPQRTUWX"[P - 1] = K.
# 1101200123457: weights 13..2 give 103, 103 % 11 = 4, (11 - 4) % 10 = 7.
# 3174055203954745: DKI (31) South Jakarta (74) district 05, born 12-03-95 (52 = 12 + 40: a woman).
HAND_VALID = {
    "nric": ["S1234567D", "T1234567J", "F1234567N", "G1234567X", "M1234567K"],
    "thai": ["1101200123457"],
    "card": ["4111111111111111", "5555555555554444", "378282246310005"],
    "nik": ["3174055203954745"],
    "mykad": ["850412144281", "000229714060"],
    "cccd": ["079192081390"],
}


@pytest.mark.parametrize("value", HAND_VALID["nric"])
def test_nric_hand_verified_numbers_are_valid(value):
    assert ids.valid_nric(value)
    assert ids.valid_nric(value.lower())


@pytest.mark.parametrize(
    "value", ["S1234567A", "T1234567D", "F1234567X", "G1234567N", "M1234567X", "M1234567", "A1234567D", "S12345678"]
)
def test_nric_wrong_letter_prefix_or_length_is_invalid(value):
    assert not ids.valid_nric(value)


def test_m_series_uses_its_own_table():
    # F and M differ only where ICA's M table has J instead of M: same digits, different letter.
    digits = next(f"{n:07d}" for n in range(10**6) if make_nric("M", f"{n:07d}")[-1] == "J")
    assert ids.valid_nric(f"M{digits}J") and not ids.valid_nric(f"M{digits}M")


def test_nric_generator_agrees_with_validator_on_many_numbers():
    rng = random.Random(1)
    for _ in range(500):
        prefix, digits = rng.choice("STFGM"), f"{rng.randrange(10**7):07d}"
        good = make_nric(prefix, digits)
        assert ids.valid_nric(good), good
        wrong = {c for c in "ABCDEFGHIJKLMNPQRTUWXZ" if c != good[-1]}
        assert not any(ids.valid_nric(good[:-1] + c) for c in wrong)


def test_luhn_and_card_prefixes():
    rng = random.Random(2)
    for prefix, length in [
        ("4", 16),
        ("51", 16),
        ("2720", 16),
        ("37", 15),
        ("6011", 16),
        ("3530", 16),
        ("62", 19),
        ("36", 14),
        ("4", 13),
    ]:
        card = make_card(prefix, length, rng)
        assert ids.valid_card(card), card
        broken = card[:-1] + str((int(card[-1]) + 1) % 10)
        assert not ids.valid_card(broken)
    assert all(ids.valid_card(c) for c in HAND_VALID["card"])
    assert not ids.valid_card(make_card("9", 16, rng))  # no network issues 9...
    assert not ids.valid_card(make_card("37", 16, rng))  # Amex numbers have 15 digits


def test_thai_id_checksum():
    rng = random.Random(3)
    assert ids.valid_thai_id(HAND_VALID["thai"][0])
    for _ in range(300):
        good = make_thai_id(rng)
        assert ids.valid_thai_id(good)
        assert not ids.valid_thai_id(good[:-1] + str((int(good[-1]) + 3) % 10))
    assert not ids.valid_thai_id("0" + HAND_VALID["thai"][0][1:])  # person type 0 is not used


def test_mykad_needs_real_date_and_issued_place_code():
    rng = random.Random(4)
    assert all(ids.valid_mykad(v) for v in HAND_VALID["mykad"])
    assert all(ids.valid_mykad(make_mykad(rng)) for _ in range(300))
    assert not ids.valid_mykad("851312144281")  # month 13
    assert not ids.valid_mykad("850230144281")  # 30 February
    assert not ids.valid_mykad("010229144281")  # 29 Feb 2001 and 1901: neither is a leap year
    for place in ["00", "17", "20", "69", "70", "73", "80", "81", "94", "97"]:
        assert not ids.valid_mykad(f"850412{place}4281"), place


def test_nik_needs_region_date_and_serial():
    rng = random.Random(5)
    assert ids.valid_nik(HAND_VALID["nik"][0])
    assert all(ids.valid_nik(make_nik(rng)) for _ in range(300))
    assert not ids.valid_nik("9974055203954745")  # no province 99
    assert not ids.valid_nik("3100055203954745")  # regency 00
    assert not ids.valid_nik("3174005203954745")  # district 00
    assert not ids.valid_nik("3174053203954745")  # day 32
    assert not ids.valid_nik("3174057203954745")  # day 72 - 40 = 32
    assert not ids.valid_nik("3174055213954745")  # month 13
    assert not ids.valid_nik("3174055203950000")  # serial 0000


def test_cccd_needs_province_century_and_past_year():
    rng = random.Random(6)
    assert ids.valid_cccd(HAND_VALID["cccd"][0])
    assert all(ids.valid_cccd(make_cccd(rng)) for _ in range(300))
    assert not ids.valid_cccd("003085700675")  # 003 is not a province code
    assert not ids.valid_cccd("001585700675")  # century digit 5 (22nd century) not issued
    today = dt.date(2026, 6, 1)
    assert ids.valid_cccd("001226700675", today) and not ids.valid_cccd("001227700675", today)


# ---- generated numbers inside sentences: found with the right type, broken ones left alone ----

_TEMPLATES = {
    "SG_NRIC": ["My IC is {} ok.", "请核对{}号码。", "FIN: {}"],
    "MY_MYKAD": ["No. IC saya {} ya.", "IC {} dah tamat?", "身份证{}"],
    "ID_NIK": ["NIK saya {}.", "Nomor KTP: {} (baru)", "NIK-nya {} kak"],
    "TH_NATIONAL_ID": ["เลขบัตรประชาชน {} ครับ", "Thai ID {}.", "บัตรประชาชนเลขที่{}"],
    "VN_CCCD": ["Số CCCD {} của tôi.", "căn cước {}", "CCCD: {}."],
    "PAYMENT_CARD": ["Card {} expired.", "Số thẻ {}", "บัตรเครดิต {} ถูกระงับ"],
}


def _format(kind: str, value: str, rng: random.Random) -> str:
    if kind == "MY_MYKAD" and rng.random() < 0.5:
        return f"{value[:6]}-{value[6:8]}-{value[8:]}"
    if kind == "TH_NATIONAL_ID" and rng.random() < 0.5:
        return f"{value[0]}-{value[1:5]}-{value[5:10]}-{value[10:12]}-{value[12]}"
    if kind == "PAYMENT_CARD" and len(value) == 16 and rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, 16, 4))
    return value


def _generate(kind: str, rng: random.Random) -> str:
    if kind == "SG_NRIC":
        return make_nric(rng.choice("STFGM"), f"{rng.randrange(10**7):07d}")
    if kind == "PAYMENT_CARD":
        if rng.random() < 0.2:
            return make_card(rng.choice(["34", "37"]), 15, rng)  # American Express
        return make_card(rng.choice(["4", "51", "55", "2221", "6011", "3530", "62"]), 16, rng)
    return {"MY_MYKAD": make_mykad, "ID_NIK": make_nik, "TH_NATIONAL_ID": make_thai_id, "VN_CCCD": make_cccd}[kind](rng)


@pytest.mark.parametrize("kind", sorted(_TEMPLATES))
def test_generated_ids_in_sentences_are_found_with_exact_offsets(kind):
    rng = random.Random(kind)
    for i in range(60):
        value = _format(kind, _generate(kind, rng), rng)
        text = _TEMPLATES[kind][i % 3].format(value)
        start = text.index(value)
        found = [(m.type, m.start, m.end) for m in find_pii(text)]
        assert found == [(kind, start, start + len(value))], (text, found)


def test_checksum_broken_ids_in_sentences_are_left_alone():
    rng = random.Random(9)
    for _ in range(60):
        nric = make_nric(rng.choice("STFG"), f"{rng.randrange(10**7):07d}")
        bad_nric = nric[:-1] + ("A" if nric[-1] != "A" else "B")
        thai = make_thai_id(rng)
        bad_thai = thai[:-1] + str((int(thai[-1]) + 1) % 10)
        card = make_card("4", 16, rng)
        bad_card = card[:-1] + str((int(card[-1]) + 1) % 10)
        text = f"IC {bad_nric}, Thai ID {bad_thai}, card {bad_card}."
        assert find_pii(text) == [], text
