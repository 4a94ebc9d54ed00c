"""Verifiable instruction checks and the language gate."""

import pytest

from seaforge.eval.instructions import instruction_score, run_checks

ID_LIST = "* Matikan lampu saat keluar kamar.\n* Cabut pengisi daya ponsel.\n* Gunakan kipas angin seperlunya."


def test_bullet_points_and_language_pass_together():
    assert instruction_score(ID_LIST, "id", [{"type": "bullet_points", "n": 3}]) == 1.0
    assert instruction_score(ID_LIST, "id", [{"type": "bullet_points", "n": 2}]) == 0.0


def test_answer_in_the_wrong_language_fails_even_when_checks_pass():
    english = "* Switch off the lights.\n* Unplug the chargers.\n* Use the fan only when needed."
    result = run_checks(english, "id", [{"type": "bullet_points", "n": 3}])
    assert result == {"language": False, "0:bullet_points": True}
    assert instruction_score(english, "id", [{"type": "bullet_points", "n": 3}]) == 0.0


@pytest.mark.parametrize(
    "check,text,ok",
    [
        ({"type": "no_commas"}, "Sarapan memberi tenaga untuk belajar dan bekerja.", True),
        ({"type": "no_commas"}, "Sarapan itu penting, sangat penting.", False),
        ({"type": "include_keywords", "words": ["Sabtu", "rumah"]}, "Datang ke rumah hari Sabtu ya.", True),
        ({"type": "include_keywords", "words": ["Sabtu", "rumah"]}, "Datang hari Minggu ya.", False),
        ({"type": "end_with", "text": "Sampai jumpa."}, "Terima kasih. Sampai jumpa.", True),
        ({"type": "paragraphs", "n": 2}, "Paragraf satu.\n\nParagraf dua.", True),
        ({"type": "paragraphs", "n": 2}, "Hanya satu paragraf.", False),
        ({"type": "json_format"}, '```json\n{"nama": "Ipoh", "negeri": "Perak"}\n```', True),
        ({"type": "json_format"}, "nama: Ipoh", False),
        ({"type": "title"}, "<<Pesona Hội An>> Phố cổ rất đẹp.", True),
        ({"type": "max_words", "n": 3}, "satu dua tiga empat", False),
    ],
)
def test_single_checks(check, text, ok):
    assert run_checks(text, "id", [check])[f"0:{check['type']}"] is ok


def test_word_counts_segment_scripts_without_spaces():
    pytest.importorskip("seaforge.text.segment")
    thai = "การออกกำลังกายช่วยให้ร่างกายแข็งแรงและนอนหลับสบาย"  # one "word" to str.split()
    assert run_checks(thai, "th", [{"type": "min_words", "n": 4}])["0:min_words"] is True


def test_unknown_check_type_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown type 'rhyme'"):
        run_checks("x", "id", [{"type": "rhyme"}])
