"""Zawgyi <-> Unicode conversion: the classic cases both ways, and accuracy on real text."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pytest

from seaforge.text.normalize import normalize, zawgyi_probability
from seaforge.text.zawgyi import unicode_to_zawgyi, zawgyi_to_unicode

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "myanmar-tools"

# (Unicode, Zawgyi) pairs of common words, spelled out code point by code point.
CLASSIC = {
    "vowel E after the consonant": ("\u1014\u1031", "\u1031\u1014"),  # နေ
    "medial ra + vowel E reordering": ("\u1015\u103c\u1031\u102c", "\u1031\u103b\u1015\u102c"),  # ပြော
    "wide medial ra with upper vowel": ("\u1000\u103c\u102e\u1038", "\u1080\u1000\u102e\u1038"),  # ကြီး
    "asat and medial ra": ("\u1019\u103c\u1014\u103a\u1019\u102c", "\u103b\u1019\u1014\u1039\u1019\u102c"),  # မြန်မာ
    "medial ya": ("\u1019\u103b\u102c\u1038", "\u1019\u103a\u102c\u1038"),  # များ
    "kinzi": (
        "\u1021\u1004\u103a\u1039\u1002\u101c\u102d\u1015\u103a",
        "\u1021\u1002\u1064\u101c\u102d\u1015\u1039",
    ),  # အင်္ဂလိပ်
    "stacked consonant": (
        "\u1015\u102f\u1002\u1039\u1002\u102d\u102f\u101c\u103a",
        "\u1015\u102f\u1002\u1062\u102d\u102f\u101c\u1039",
    ),  # ပုဂ္ဂိုလ်
    "short na with lower vowel": (
        "\u1014\u102d\u102f\u1004\u103a\u1004\u1036",
        "\u108f\u102d\u102f\u1004\u1039\u1004\u1036",
    ),  # နိုင်ငံ
    "dot below before asat": ("\u1001\u103d\u1004\u1037\u103a", "\u1001\u103c\u1004\u1039\u1037"),  # ခွင့်
    "asat before medial ya": (
        "\u101a\u1031\u102c\u1000\u103a\u103b\u102c\u1038",
        "\u1031\u101a\u102c\u1000\u1039\u103a\u102c\u1038",
    ),  # ယောက်ျား
    "medial ha + u ligature": ("\u101c\u103e\u102f", "\u101c\u1088"),  # လှု
}


@pytest.mark.parametrize("case", sorted(CLASSIC))
def test_zawgyi_to_unicode_classic_cases(case):
    uni, zg = CLASSIC[case]
    assert zawgyi_to_unicode(zg) == uni


@pytest.mark.parametrize("case", sorted(CLASSIC))
def test_unicode_to_zawgyi_classic_cases(case):
    uni, zg = CLASSIC[case]
    assert unicode_to_zawgyi(uni) == zg


def test_zawgyi_typing_order_variants_give_the_same_unicode():
    assert zawgyi_to_unicode("\u1000\u102f\u102d") == "\u1000\u102d\u102f"  # ု typed before ိ
    assert zawgyi_to_unicode("\u1015\u102f\u1002\u1062\u102d\u1033\u101c\u1039") == CLASSIC["stacked consonant"][0]


def test_digit_zero_written_for_wa_becomes_wa_but_numbers_stay():
    assert (
        zawgyi_to_unicode("\u1040\u1014\u1039\u1080\u1000\u102e\u1038") == "\u101d\u1014\u103a\u1000\u103c\u102e\u1038"
    )
    assert zawgyi_to_unicode("\u1042\u1040\u1041\u1049") == "\u1042\u1040\u1041\u1049"
    assert zawgyi_to_unicode("\u1040\u1014\u1039", fix_digits=False) == "\u1040\u1014\u103a"


def test_non_myanmar_text_passes_through_both_ways():
    text = "Yangon 2024, ok!"
    assert zawgyi_to_unicode(text) == text
    assert unicode_to_zawgyi(text) == text


def _lines(name: str) -> list[str]:
    path = CORPUS / name
    if not path.exists():
        pytest.skip("shared/corpora/myanmar-tools not present")
    return path.read_text(encoding="utf-8").split("\n")


def _pairs(src: str, ref: str) -> list[tuple[str, str]]:
    return [(s, r) for s, r in zip(_lines(src), _lines(ref)) if s.strip()]


def test_zawgyi_to_unicode_matches_reference_on_udhr():
    pairs = _pairs("udhr_mya_zawgyi_out.txt", "udhr_mya_unicode_src.txt")
    exact = sum(zawgyi_to_unicode(z) == unicodedata.normalize("NFC", u) for z, u in pairs)
    assert exact / len(pairs) >= 0.98


def test_zawgyi_to_unicode_matches_reference_on_government_news():
    pairs = _pairs("mmgov_zawgyi_src.txt", "mmgov_unicode_out.txt")
    outs = [(zawgyi_to_unicode(z), unicodedata.normalize("NFC", u)) for z, u in pairs]
    exact = sum(o == r for o, r in outs)
    # The reference (ICU) keeps digit zero for WA after a bare consonant ("အ၀တ်"); we fix those,
    # so also compare with zero and WA identified.
    same_but_wa = sum(o.replace("\u1040", "\u101d") == r.replace("\u1040", "\u101d") for o, r in outs)
    assert exact / len(pairs) >= 0.9
    assert same_but_wa == len(pairs)


def test_unicode_to_zawgyi_round_trips_on_udhr():
    pairs = _pairs("udhr_mya_unicode_src.txt", "udhr_mya_zawgyi_out.txt")
    back = sum(
        zawgyi_to_unicode(unicode_to_zawgyi(u), fix_digits=False) == unicodedata.normalize("NFC", u) for u, _ in pairs
    )
    exact = sum(unicode_to_zawgyi(u) == z for u, z in pairs)
    assert back / len(pairs) >= 0.98
    assert exact / len(pairs) >= 0.85  # glyph-variant choices differ from ICU's on a few lines


def test_normalize_converts_zawgyi_corpus_lines_and_is_idempotent():
    zg_lines = [z for z, _ in _pairs("mmgov_zawgyi_src.txt", "mmgov_unicode_out.txt") if not z.startswith("#")]
    for line in zg_lines:
        once = normalize(line)
        assert normalize(once) == once
        assert zawgyi_probability(once) <= 0.95


def test_probability_agrees_with_detector_fixtures():
    rows = [line.split("\t", 1) for line in _lines("compatibility.tsv") if "\t" in line]
    for expected, text in rows:
        want = float(expected)
        want = 0.0 if math.isinf(want) else want
        assert zawgyi_probability(text) == pytest.approx(want, rel=1e-6, abs=1e-9)


def test_normalize_turns_zawgyi_udhr_into_the_unicode_udhr():
    pairs = _pairs("udhr_mya_zawgyi_out.txt", "udhr_mya_unicode_src.txt")
    burmese = [(z, u) for z, u in pairs if zawgyi_probability(z) > 0.95]
    assert len(burmese) >= 80  # the Burmese lines; the English title lines are not Zawgyi
    same = sum(normalize(z) == normalize(u) for z, u in burmese)
    assert same / len(burmese) >= 0.98


def test_zawgyi_u_with_asat_is_nya_and_u_with_ii_is_uu():
    assert zawgyi_to_unicode("\u100a\u1025\u1037\u1039") == "\u100a\u1009\u1037\u103a"  # ညဉ့်
    assert zawgyi_to_unicode("\u1025\u102e\u1038") == "\u1026\u1038"  # ဦး


def test_digit_seven_written_for_ra_inside_a_syllable():
    assert zawgyi_to_unicode("\u1031\u1047\u102c\u1000\u1039") == "\u101b\u1031\u102c\u1000\u103a"  # ရောက်
