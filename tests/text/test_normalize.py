"""normalize(): Unicode hygiene, whitespace, and the per-script canonical forms."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from seaforge.text.normalize import normalize, zawgyi_probability

UDHR = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "udhr"


def test_composes_to_nfc():
    assert normalize("cafe\u0301") == "caf\u00e9"


def test_strips_zero_width_and_control_characters_but_keeps_newlines():
    assert normalize("he\u200bllo\u00ad wor\ufeffld\x07\u202e") == "hello world"


def test_unifies_spaces_and_line_endings_and_keeps_paragraphs():
    raw = "  a\u00a0\u00a0b\tc\u3000d \r\n\r\n\r\n\r\ne  \rf\u2028g  "
    assert normalize(raw) == "a b c d\n\ne\nf\ng"


def test_keeps_zwnj_inside_scripts_that_shape_with_it_and_drops_it_in_latin():
    assert normalize("ab\u200ccd") == "abcd"
    assert normalize("\u0643\u200c\u0644") == "\u0643\u200c\u0644"  # Jawi letters
    assert normalize("\u0b95\u0bcd\u200d\u0bb7") == "\u0b95\u0bcd\u200d\u0bb7"  # Tamil conjunct


def test_keeps_zwj_inside_emoji_sequences():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert normalize(f"ok {family}") == f"ok {family}"


def test_rejects_non_string_input():
    with pytest.raises(TypeError, match="needs str"):
        normalize(b"bytes")  # type: ignore[arg-type]


# --- Vietnamese ---------------------------------------------------------------------------------
def test_vietnamese_default_is_old_style_tone_placement():
    assert normalize("Hoà bình, thuỷ điện, khoẻ", "vi") == "Hòa bình, thủy điện, khỏe"


def test_vietnamese_new_style_is_available():
    assert normalize("hòa thủy khỏe", "vi", vi_tone="new") == "hoà thuỷ khoẻ"


def test_vietnamese_rules_that_do_not_depend_on_style():
    # closed syllables, shaped vowels, qu/gi initials and three-vowel nuclei
    for style in ("old", "new"):
        assert normalize("hoàn toàn quý giá người ngoài muà", "vi", vi_tone=style) == (
            "hoàn toàn quý giá người ngoài mùa"
        )


def test_vietnamese_typed_with_combining_marks_is_composed():
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt có dấu")
    assert normalize(decomposed, "vi") == "Tiếng Việt có dấu"


def test_vietnamese_detected_without_lang_but_other_languages_untouched():
    assert normalize("Đây là hoà bình") == "Đây là hòa bình"
    assert normalize("leí país") == "leí país"  # not Vietnamese: no tone moved
    assert normalize("hoà", "en") == "hoà"


def test_vietnamese_udhr_is_composed_and_stable():
    path = UDHR / "vie.txt"
    if not path.exists():
        pytest.skip("shared/corpora/udhr not present")
    raw = path.read_text(encoding="utf-8")
    out = normalize(raw, "vi")
    assert not any(unicodedata.combining(ch) for ch in out)
    assert len(out) <= len(unicodedata.normalize("NFC", raw))
    assert normalize(out, "vi") == out


# --- Thai / Lao / Khmer ---------------------------------------------------------------------
def test_thai_sara_am_written_as_nikhahit_plus_sara_aa():
    assert normalize("\u0e19\u0e49\u0e4d\u0e32") == "\u0e19\u0e49\u0e33"  # น้ำ
    assert normalize("\u0e19\u0e4d\u0e49\u0e32") == "\u0e19\u0e49\u0e33"  # NIKHAHIT typed first


def test_thai_tone_mark_after_sara_am_moves_before_it():
    assert normalize("\u0e19\u0e33\u0e49") == "\u0e19\u0e49\u0e33"


def test_thai_tone_before_upper_vowel_and_doubled_marks_are_fixed():
    assert normalize("\u0e17\u0e48\u0e35") == "\u0e17\u0e35\u0e48"  # ที่ typed tone-first
    assert normalize("\u0e01\u0e48\u0e48") == "\u0e01\u0e48"
    assert normalize("\u0e40\u0e40\u0e21\u0e27") == "\u0e41\u0e21\u0e27"  # เเมว -> แมว


def test_lao_am_and_mark_order():
    assert normalize("\u0e99\u0ecd\u0ec9\u0eb2") == "\u0e99\u0ec9\u0eb3"  # ນ້ຳ
    assert normalize("\u0e9a\u0ecd\u0ec8") == "\u0e9a\u0ecd\u0ec8"  # ບໍ່ is already right
    assert normalize("\u0e97\u0ec8\u0eb5") == "\u0e97\u0eb5\u0ec8"


def test_khmer_split_vowels_are_composed():
    assert normalize("\u1780\u17c1\u17b8") == "\u1780\u17be"
    assert normalize("\u1780\u17c1\u17b6") == "\u1780\u17c4"


def test_khmer_subscript_and_register_shifter_come_before_the_vowel():
    assert normalize("\u1787\u17b6\u17d2\u1789") == "\u1787\u17d2\u1789\u17b6"  # ជ្ញា
    assert normalize("\u1794\u17b8\u17ca") == "\u1794\u17ca\u17b8"  # ប៊ី
    assert normalize("\u179f\u17d2\u179a\u17d2\u178f\u17b8") == "\u179f\u17d2\u178f\u17d2\u179a\u17b8"  # ស្ត្រី


# --- Burmese --------------------------------------------------------------------------------
def test_zawgyi_probability_is_a_probability():
    assert zawgyi_probability("hello") == 0.0
    assert zawgyi_probability("\u1031\u1014\u103b\u1015\u100a\u1039\u1031\u1010\u102c\u1039") > 0.95
    assert zawgyi_probability("\u1014\u1031\u1015\u103c\u100a\u103a\u1010\u1031\u102c\u103a") < 0.05


def test_zawgyi_line_is_converted_and_unicode_line_kept():
    zawgyi = "\u1031\u1014\u103b\u1015\u100a\u1039\u1031\u1010\u102c\u1039"  # Nay Pyi Taw in Zawgyi
    unicode = "\u1014\u1031\u1015\u103c\u100a\u103a\u1010\u1031\u102c\u103a"
    assert normalize(f"{zawgyi}\n{unicode}") == f"{unicode}\n{unicode}"


def test_zawgyi_threshold_is_configurable():
    zawgyi = "\u1031\u1014\u103b\u1015\u100a\u1039\u1031\u1010\u102c\u1039"
    assert normalize(zawgyi, zawgyi_threshold=1.0) == zawgyi


def test_shan_text_is_never_treated_as_zawgyi():
    shan = "\u101c\u102d\u1075\u103a\u1088\u1010\u1086\u1038"  # the Shan language name
    assert normalize(shan, "shn") == shan
    assert normalize(shan) == shan


def test_unicode_burmese_mark_order_and_digit_zero_for_wa():
    assert normalize("\u1000\u102f\u102d") == "\u1000\u102d\u102f"  # ကို typed u-first
    assert normalize("\u1021\u1040\u1010\u103a") == "\u1021\u101d\u1010\u103a"  # အ၀တ် -> အဝတ်
    assert normalize("\u1041\u1040") == "\u1041\u1040"  # ၁၀ is ten


@pytest.mark.parametrize("name", ["mya", "shn", "tha", "lao", "khm", "tam", "cmn", "eng", "ind"])
def test_udhr_text_is_a_fixed_point_after_one_pass(name):
    path = UDHR / f"{name}.txt"
    if not path.exists():
        pytest.skip("shared/corpora/udhr not present")
    once = normalize(path.read_text(encoding="utf-8"))
    assert normalize(once) == once
    assert zawgyi_probability(once) < 0.5


def test_burmese_digit_fixes_run_before_the_mark_sort_so_one_pass_is_enough():
    for raw, want in [
        ("\u1000\u1040\u102f\u102d", "\u1000\u101d\u102d\u102f"),  # ၀ as ဝ, marks typed u-first
        ("\u1044\u1004\u1038\u103a", "\u104e\u1004\u103a\u1038"),  # ၄င်း typed visarga-first
    ]:
        assert normalize(raw) == want
        assert normalize(want) == want


def test_fast_zawgyi_probability_equals_myanmartools():
    from myanmartools import ZawgyiDetector

    detector = ZawgyiDetector()
    texts = [
        "\u1031\u1014\u103b\u1015\u100a\u1039\u1031\u1010\u102c\u1039 Nay Pyi Taw",
        "\u1014\u1031\u1015\u103c\u100a\u103a\u1010\u1031\u102c\u103a 2024",
        "\u1019\u103a\u102c\u1038",
        "\u1000",
        "x\u1000y\u1001z",
        "\u1041\u1040 \u1042",
        "\u101c\u102d\u1075\u103a\u1088\u1010\u1086\u1038",
        "\uaa60\u1000\u103a",
    ]
    for text in texts:
        want = detector.get_zawgyi_probability(text)
        want = 0.0 if want != want or want < 0 else want
        assert zawgyi_probability(text) == pytest.approx(want, rel=1e-9, abs=1e-12)
