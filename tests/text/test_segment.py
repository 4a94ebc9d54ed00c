"""segment(): words for every registered language, script by script, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from seaforge.testing import sample_sentences
from seaforge.text.languages import LANGUAGES
from seaforge.text.segment import segment

WISESIGHT = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpora"
    / "wisesight-sentiment"
    / "word-tokenization"
    / "wisesight-1000-samples-tokenised"
)

# Our own short sentences for the registered languages the bundled samples do not cover.
EXTRA = {
    "ceb": "Maayong buntag sa tanan, moadto ko sa merkado karon.",
    "ilo": "Naimbag a bigat kadakayo amin, mapanak idiay tiendaan.",
    "min": "Ambo pai ka pasa jo amak di pagi bisuak.",
    "ban": "Tiang lakar ka peken sareng meme buin mani.",
    "shn": "\u101c\u102d\u1075\u103a\u1088\u1010\u1086\u1038 \u1019\u1030\u101d\u103a\u1038",
    "ace": "Lon jak u peukan ngon ma lon singoh beungoh.",
    "bug": "Lao ka ri pasa'e sibawa indo'ku.",
    "bjn": "Ulun handak tulak ka pasar wan umak baisukan.",
    "mad": "Sengko' entara ka pasar ban embu' lagghu' sobung.",
    "hil": "Maayong aga, makadto ako sa tindahan subong.",
    "war": "Maupay nga aga, makadto ako ha tindahan yana.",
    "tet": "Ha'u ba merkadu ho ha'u-nia inan aban.",
}


def _sample(lang: str) -> str:
    texts = [s["text"] for s in sample_sentences() if s["lang"] == lang]
    return texts[0] if texts else EXTRA[lang]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_registered_language_gets_words_without_spaces_or_punctuation(lang):
    text = _sample(lang)
    words = segment(text, lang)
    assert len(words) >= 2
    for w in words:
        assert w == w.strip() and " " not in w
        assert regex.search(r"[\p{L}\p{M}\p{N}\p{So}]", w)
    # no characters invented: the words appear in order in the text
    pos = 0
    for w in words:
        pos = text.index(w, pos) + len(w)


def test_language_aliases_resolve_and_unknown_codes_raise():
    assert segment("Magandang umaga po", "fil") == ["Magandang", "umaga", "po"]
    with pytest.raises(KeyError, match="unknown language"):
        segment("hello", "xx-unknown")


def test_intra_word_apostrophes_and_hyphens_are_kept():
    assert segment("Anak-anak itu don't suka e-mail.", "id") == ["Anak-anak", "itu", "don't", "suka", "e-mail"]


def test_numbers_stay_tokens_and_punctuation_goes():
    assert segment("Harga Rp 1.500.000, jam 10:30 (ok)!!! 3rd", "id") == [
        "Harga",
        "Rp",
        "1.500.000",
        "jam",
        "10:30",
        "ok",
        "3rd",
    ]


def test_thai_with_english_words_and_digits():
    words = segment("ซื้อ iPhone 15 ที่ร้านนี้ถูกมาก", "th")
    assert "iPhone" in words and "15" in words
    assert "".join(words) == "ซื้อiPhone15ที่ร้านนี้ถูกมาก"
    assert len(words) >= 6


def test_lao_and_khmer_are_split_into_words():
    assert len(segment("ຂ້ອຍຮັກພາສາລາວຫຼາຍ", "lo")) >= 3
    assert len(segment("ខ្ញុំស្រលាញ់ភាសាខ្មែរណាស់", "km")) >= 3


def test_burmese_is_split_into_syllables_and_keeps_stacks_and_kinzi_together():
    words = segment("ပုဂ္ဂိုလ်တွေ အင်္ဂလိပ်စာ သင်တယ်။ ၂၀၂၄", "my")
    assert words[:3] == ["ပုဂ္ဂိုလ်", "တွေ", "အင်္ဂ"]
    assert "၂၀၂၄" in words and "။" not in words


def test_chinese_is_one_token_per_character_with_latin_runs_whole():
    assert segment("我在SEA-LION工作了3年。", "zh") == ["我", "在", "SEA-LION", "工", "作", "了", "3", "年"]


def test_tamil_vowel_signs_stay_inside_words():
    assert segment("தமிழ் மொழி, அழகு!", "ta") == ["தமிழ்", "மொழி", "அழகு"]


def test_emoji_are_tokens_and_whitespace_only_text_is_empty():
    assert segment("mantap 😀😀", "id") == ["mantap", "😀", "😀"]
    assert segment(" \n\t ", "en") == []


def _spans(tokens: list[str]) -> set[tuple[int, int]]:
    spans, i = set(), 0
    for t in tokens:
        if regex.search(r"[\p{L}\p{M}\p{N}\p{So}]", t):
            spans.add((i, i + len(t)))
        i += len(t)
    return spans


def test_thai_word_f1_on_human_segmented_social_media():
    if not WISESIGHT.with_suffix(".txt").exists():
        pytest.skip("shared/corpora/wisesight-sentiment not present")
    texts = WISESIGHT.with_suffix(".txt").read_text(encoding="utf-8").split("\n")[:300]
    labels = WISESIGHT.with_suffix(".label").read_text(encoding="utf-8").split("\n")[:300]
    tp = fp = fn = 0
    for text, label in zip(texts, labels):
        gold = [t.replace(" ", "") for t in label.split("|") if t.strip()]
        joined, pred, pos = "".join(gold), [], 0
        for w in segment(text, "th"):
            j = joined.find(w, pos)
            if j >= 0:
                pred.append((j, j + len(w)))
                pos = j + len(w)
        g, p = _spans(gold), set(pred)
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.70


def test_thai_elongated_words_stay_whole_and_mai_yamok_is_its_own_token():
    words = segment("อร่อยมากกกกก ดีๆ", "th")
    assert any(w.endswith("กกกกก") and len(w) > 5 for w in words)
    assert words[-2:] == ["ดี", "ๆ"]
    assert "".join(words) == "อร่อยมากกกกกดีๆ"


def test_emoji_keep_their_selector_and_zwj_sequences():
    assert segment("ok ❤️ 👍🏽 👨\u200d👩\u200d👧", "en") == ["ok", "❤️", "👍🏽", "👨\u200d👩\u200d👧"]


@pytest.mark.parametrize("lang", ["id", "ms", "tl", "vi", "ta", "en", "jv", "su"])
def test_fast_path_for_spaced_scripts_agrees_with_the_full_path(lang):
    text = " ".join(s["text"] for s in sample_sentences() if s["lang"] == lang) + " 10:30 e-mail ❤️"
    # a trailing Thai word sends the same text through the general script-run path
    assert segment(text + " ไทย", lang) == segment(text, lang) + ["ไทย"]
