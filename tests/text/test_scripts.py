"""The one table of script ranges, and the classes derived from it."""

import pytest

from seaforge.text.langid_script import char_script
from seaforge.text.scripts import SCRIPT_RANGES, char_class, has_script, script_re

SAMPLE_LETTER = {
    "Latn": "ệ",
    "Thai": "ก",
    "Laoo": "ກ",
    "Khmr": "ក",
    "Mymr": "က",
    "Taml": "த",
    "Hani": "中",
    "Kana": "カ",
    "Hang": "한",
    "Arab": "ج",
    "Java": "ꦗ",
    "Sund": "ᮞ",
    "Bali": "ᬩ",
    "Bugi": "ᨅ",
}


@pytest.mark.parametrize("script,letter", SAMPLE_LETTER.items())
def test_language_id_reads_each_script_from_the_table(script, letter):
    assert char_script(letter) == script
    assert has_script(f"abc {letter}", script)
    others = [name for name in SAMPLE_LETTER if name != script]
    assert not any(script_re(name).search(letter) for name in others)


def test_latin_is_letters_only():
    assert not script_re("Latn").search("× ÷ 1 , .")
    assert script_re("Latn").fullmatch("ơ") and script_re("Latn").fullmatch("Z")


def test_ranges_do_not_overlap_between_scripts():
    spans = sorted(
        (lo, hi, name) for name, ranges in SCRIPT_RANGES.items() if name not in ("Indic", "Other") for lo, hi in ranges
    )
    for (_, hi, name), (lo, _, next_name) in zip(spans, spans[1:]):
        assert hi < lo, f"{name} overlaps {next_name}"


def test_char_class_spans_whole_blocks():
    assert char_class("Thai") == "\\U00000e00-\\U00000e7f"


def test_tokenizer_latin_targets_come_from_the_table():
    from seaforge.tokenizer.scripts import target_char_pattern

    pattern = target_char_pattern(["Latn"])
    assert pattern.search("thuỷ") and not pattern.search("water") and not pattern.search("2 × 3")


def test_segmenter_runs_are_the_letters_and_marks_of_each_script():
    from seaforge.text.segment import segment

    assert segment("ក្មេងៗលេងបាល់", "km") == ["ក្មេង", "ៗ", "លេង", "បាល់"]  # the repetition mark, as Thai ๆ
    assert segment("ฉันมี ๒ แมว", "th") == ["ฉัน", "มี", "๒", "แมว"]  # Thai digits are a number of their own
    assert "၌" in segment("ရန်ကုန်မြို့၌နေသည်။", "my")  # ၌ is a word, ။ is punctuation


def test_script_counts_count_every_script_of_mixed_text_whatever_the_order():
    from seaforge.text.langid_script import script_counts

    # Thai 7 letters, Latin 3, Han 2 (each weighs 3), Khmer 3; digits, spaces and emoji count for none
    text = "ภาษาไทย abc 中文 ខ្មែ 123 🙂"
    expected = {"Thai": 7.0, "Latn": 3.0, "Hani": 6.0, "Khmr": 4.0}
    assert script_counts(text) == expected
    assert script_counts(" ".join(reversed(text.split()))) == expected
    assert script_counts(text, mixed=False) is None  # the caller counts a cleaned text instead
    assert script_counts("ภาษาไทย 123") == {"Thai": 11.0}  # one script: its share needs no count
    assert script_counts("abc", mixed=False) == {"Latn": 3.0}
    assert script_counts("123 🙂") == {}
