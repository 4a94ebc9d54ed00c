import pytest

from seaforge.data.quality import clean_lines, line_kind, quality_reason, settings_for
from seaforge.data.synthetic import Deck, spam_document, table_document
from seaforge.text.segment import segment


def test_line_kind_recognises_navigation_cookie_and_legal_lines_in_several_scripts():
    assert line_kind("Trang chủ | Tin tức | Thể thao | Liên hệ") == "navigation"
    assert line_kind("เว็บไซต์นี้ใช้คุกกี้เพื่อพัฒนาประสบการณ์ของคุณ ยอมรับคุกกี้ทั้งหมด") == "cookie"
    assert line_kind("© 2024 kabarkota.example | Privacy Policy | Terms") in ("navigation", "boilerplate")
    assert line_kind("Baca juga: berita lainnya dari daerah Anda") == "boilerplate"
    assert line_kind("Harga beras di Medan naik 5 persen dibandingkan bulan lalu.") is None


def test_clean_lines_counts_what_it_removes():
    text = "Home | News | Sport | Contact Us\nA real sentence about the market.\nAccept all cookies?"
    cleaned, removed = clean_lines(text)
    assert cleaned == "A real sentence about the market."
    assert removed == {"navigation": 1, "cookie": 1}


def _article(lang, seed=0):
    import random

    deck = Deck(lang, random.Random(seed))
    return " ".join(deck.sentence() for _ in range(8) if deck.can_draw())


@pytest.mark.parametrize("lang", ["th", "km", "lo", "my", "id", "vi", "zh"])
def test_a_clean_article_passes_with_segmented_words(lang):
    text = _article(lang)
    assert quality_reason(text, segment(text, lang), lang, settings_for(lang, {"min_words": 30})) is None


def test_spaceless_scripts_would_fail_if_counted_by_whitespace():
    text = _article("th")
    # Whitespace "words" of Thai are whole clauses: far too few and far too long.
    assert quality_reason(text, text.split(), "th", settings_for("th")) in ("too_few_words", "mean_word_len_high")


def test_spam_tables_and_repeated_lines_are_dropped_with_their_reason():
    import random

    rng = random.Random(3)
    spam = spam_document("id", rng)
    assert quality_reason(spam, segment(spam, "id"), "id", settings_for("id", {"min_words": 10})) in (
        "flagged_words",
        "few_stopwords",
        "dup_line_frac",
        "top_2gram",
    )
    table = table_document(rng)
    assert quality_reason(table, table.split(), "en", settings_for("en", {"min_words": 5})) in (
        "symbol_ratio",
        "digit_ratio",
    )
    repeated = "\n".join(["Pak Budi membeli beras dan minyak goreng di pasar pada Senin pagi."] * 6)
    words = segment(repeated, "id")
    assert quality_reason(repeated, words, "id", settings_for("id", {"min_words": 10})) == "dup_line_frac"


def test_unknown_setting_is_rejected_by_name():
    with pytest.raises(ValueError, match="min_wrods"):
        settings_for("th", {"min_wrods": 3})


def test_language_without_stopword_list_is_not_punished():
    assert settings_for("ceb").min_stopwords == 0
    assert settings_for("en").min_stopwords == 2  # Gopher's own value
    assert settings_for("th").min_stopwords >= 1


def test_thresholds_are_english_restated_in_each_languages_units():
    from seaforge.data.profiles import load_profiles
    from seaforge.data.quality import GOPHER, stopwords_needed

    assert settings_for("en") == GOPHER
    profiles = load_profiles()
    for lang in ("id", "th", "my", "ta", "zh"):
        s, p = settings_for(lang), profiles[lang]
        assert s.min_words == round(50 * p.units_per_en_word)
        assert s.min_mean_word_len == pytest.approx(3.0 * p.chars_per_unit / profiles["en"].chars_per_unit, abs=0.01)
    # Burmese is counted in syllables, about two per English word: longer windows, more units.
    assert settings_for("my").min_words > 80 and min(settings_for("my").top_ngram_char_frac) >= 4
    # Tamil says the same in fewer, longer words.
    assert settings_for("ta").min_words < 45 and settings_for("ta").max_mean_word_len > 14
    # Chinese punctuation is a larger share of far fewer characters.
    assert settings_for("zh").max_symbol_ratio > 0.2
    # The stopword count required is one that real text of that length misses under 1% of the time.
    assert stopwords_needed(12.9, 2) == 2 and stopwords_needed(5.0, 2) == 1 and stopwords_needed(2.0, 2) == 0


def test_recipe_default_overrides_are_english_words_and_language_overrides_are_units():
    th = settings_for("th", english={"min_words": 100})
    assert abs(th.min_words - 2 * settings_for("th").min_words) <= 1  # 100 English words, in Thai words
    assert settings_for("th", {"min_words": 7}, english={"min_words": 100}).min_words == 7


# Our own sentences: airport and city news that only LOOKS like it contains "bandar" (bookie).
AIRPORT_NEWS = (
    "Bandara Radin Inten II di Bandar Lampung menambah tiga penerbangan baru ke Jakarta mulai bulan depan. "
    "Kepala bandara mengatakan jumlah penumpang naik tajam sejak libur sekolah dan antrean di terminal "
    "sudah diatur ulang. Pedagang di sekitar bandara juga senang karena pembeli makin ramai setiap pagi. "
    "Warga Bandar Lampung berharap harga tiket tidak ikut naik menjelang hari raya."
)


def test_flagged_words_match_whole_segmented_words_not_parts_of_words():
    from seaforge.data.quality import flagged_hits

    words = segment(AIRPORT_NEWS, "id")
    assert flagged_hits(words, "id") == 0  # "Bandara" (airport), "Bandar Lampung" (a city)
    settings = settings_for("id", {"min_words": 20})
    assert quality_reason(AIRPORT_NEWS, words, "id", settings) is None
    spam = "Daftar di bandar togel resmi, slot gacor dan judi bola setiap hari."
    assert flagged_hits(segment(spam, "id"), "id") == 4  # bandar togel, togel (inside it), slot gacor, judi
    # A term the Thai segmenter splits (บาคาร่า -> บา คา ร่า) still matches as a run of words,
    # and a term is counted once per occurrence, case-insensitively in Latin script.
    thai = "เล่นบาคาร่าออนไลน์ และแทงบอลทุกวัน"
    assert flagged_hits(segment(thai, "th"), "th") == 2
    assert flagged_hits(["Casino", "casino", "casinos"], "en") == 2


def test_flagged_term_inside_a_longer_word_is_not_counted_in_unspaced_scripts():
    from seaforge.data.quality import flagged_hits

    # "สล็อต" (slot) must not match inside a made-up longer word the segmenter keeps whole.
    assert flagged_hits(["สล็อตเตอร์รี่"], "th") == 0
    assert flagged_hits(["สล็อต", "เตอร์รี่"], "th") == 1
