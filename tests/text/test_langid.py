"""Language ID: API shape, script rules, id/ms, robustness, spans, and the self-written eval set.

The cluster model's own checks (regional languages, id/ms register, Cebuano, calibration,
the model file) are in test_langid_cluster.py; held-out figures come from
bench/bench_langid.py --heldout.
"""

from __future__ import annotations

import json
import math

import pytest

from seaforge.text.langid import UND, Detection, Span, detect, detect_batch, detect_spans, evaluate_langid
from seaforge.text.langid_eval import load_jsonl
from seaforge.text.languages import LANGUAGES, main_languages


@pytest.fixture(scope="module")
def report():
    return evaluate_langid()


def test_scores_cover_every_registered_language_and_sum_to_one():
    d = detect("Saya tidak tahu kenapa dia pergi ke kantor hari ini.")
    assert isinstance(d, Detection)
    assert set(d.scores) == set(LANGUAGES)
    assert math.isclose(sum(d.scores.values()), 1.0, rel_tol=1e-6)
    assert d.confidence == d.scores[d.lang]


@pytest.mark.parametrize("text", ["", "   ", "12345 !!! ...", "😀😀 👍", "https://example.com/a?b=1"])
def test_text_without_letters_is_und_with_zero_confidence(text):
    d = detect(text)
    assert (d.lang, d.confidence) == (UND, 0.0)
    assert math.isclose(sum(d.scores.values()), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("ผมจะไปตลาดพรุ่งนี้ครับ", "th"),
        ("ຂ້ອຍຈະໄປຕະຫຼາດມື້ອື່ນ", "lo"),
        ("ខ្ញុំនឹងទៅផ្សារនៅថ្ងៃស្អែក", "km"),
        ("நான் நாளை சந்தைக்குப் போகிறேன்", "ta"),
        ("我明天要去市场", "zh"),
        ("ကျွန်တော် မနက်ဖြန် ဈေးသွားမယ်", "my"),
    ],
)
def test_unique_scripts_decide_directly(text, lang):
    d = detect(text)
    assert d.lang == lang and d.confidence > 0.99


def test_shan_letters_make_myanmar_script_shan():
    # Shan-only letters (U+1075 KA, U+107C NA, U+1088/U+1089 tone marks) written by us.
    assert detect("\u1075\u1062\u1088 \u107c\u1083\u1089 \u1010\u1086\u1087").lang == "shn"


def test_zawgyi_encoded_burmese_is_still_burmese():
    # "Mingalaba" typed with Zawgyi glyph order: vowel sign E before the consonant, U+107E medial.
    zawgyi = "\u1019\u1002\u1064\u101c\u102c\u1015\u102b \u1031\u107e\u1000\u102c\u1004\u1039\u1038"
    assert detect(zawgyi).lang == "my"


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Saya tidak tahu kenapa dia pergi ke kantor hari ini.", "id"),
        ("Duit tu dah saya masukkan dalam akaun awak kerana awak minta semalam.", "ms"),
        ("Uangnya sudah aku transfer karena kamu minta kemarin.", "id"),
        ("Kualiti perkhidmatan di universiti itu sangat baik.", "ms"),
        ("Kualitas layanan di universitas itu sangat baik.", "id"),
    ],
)
def test_indonesian_and_malay_are_told_apart_by_their_distinct_vocabulary(text, lang):
    assert detect(text).lang == lang


def test_malaysian_sense_of_a_shared_word_keeps_malay_probable():
    # This sentence used to be required to come out "ms": the hand lexicon tuned on our eval set
    # counted "tak" as Malaysian, but standard Indonesian writes "tak" too, and "pejabat" is
    # "official" there ("office" in Malaysia). The documented contrasts now weigh "pejabat" as a
    # word whose everyday sense differs; the answer must keep real probability on Malay.
    d = detect("Saya tak tahu kenapa dia pergi ke pejabat hari ini.")
    assert d.lang in ("id", "ms") and d.scores["ms"] >= 0.3


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Aku ora ngerti kowe arep lunga menyang ngendi sesuk esuk.", "jv"),
        ("Abdi teu terang naon anu dipikahoyong ku anjeun ayeuna.", "su"),
        ("Pupunta ako sa palengke bukas ng umaga kasama si Nanay.", "tl"),
        ("Tôi không biết anh ấy đi đâu vào sáng nay.", "vi"),
    ],
)
def test_latin_script_regional_languages(text, lang):
    assert detect(text).lang == lang


def test_all_caps_urls_emails_numbers_and_emoji_do_not_change_the_answer():
    base = "Saya tidak tahu kenapa dia pergi ke kantor hari ini"
    assert detect(base.upper()).lang == "id"
    noisy = f"{base} 😀 lihat https://contoh.co.id/p/123 atau tulis ke budi.santoso@contoh.co.id, 0812 3456 7890"
    assert detect(noisy).lang == "id"


FOREIGN = [  # written for this test: languages seaforge does not register
    "Je ne sais pas pourquoi il est parti au bureau ce matin.",
    "La réunion commence à neuf heures demain matin.",
    "Ich weiß nicht, warum er heute Morgen ins Büro gegangen ist.",
    "Der Zug fährt um acht Uhr vom Bahnhof ab.",
    "No sé por qué se fue a la oficina esta mañana.",
    "El tren sale de la estación a las ocho.",
    "Non so perché sia andato in ufficio stamattina.",
    "Il treno parte dalla stazione alle otto.",
    "Eu não sei por que ele foi ao escritório hoje de manhã.",
    "Ik weet niet waarom hij vanochtend naar kantoor ging.",
]


def test_other_languages_are_und_not_a_forced_guess():
    # Where the cluster model is sure, CLD2 (which knows these languages) is not asked, and the
    # model knows only the cluster: on text it has never seen it can be sure of the wrong
    # language. Measured 9 of 10 (the first Spanish line goes to Madurese); asking CLD2 for
    # every answer but Malay made all 10 "und" but sent 3-4% of held-out Buginese, Madurese
    # and Acehnese to "und" too.
    found = [detect(text).lang for text in FOREIGN]
    assert found.count(UND) >= 9, found


def test_detect_batch_matches_detect():
    texts = [r["text"] for r in load_jsonl(None, "langid_eval.jsonl", ("text", "lang"))[::7]]
    texts += ["", "12 34", "ok lah"]
    batch = detect_batch(texts)
    for text, b in zip(texts, batch):
        single = detect(text)
        assert b.lang == single.lang
        assert math.isclose(b.confidence, single.confidence, rel_tol=1e-5, abs_tol=1e-6)


def test_spans_cover_the_text_and_merge_neighbours():
    text = "ประชุม meeting ตอนบ่ายสามนะครับ อย่าลืม bring laptop"
    result = detect_spans(text)
    assert result.spans[0].start == 0 and result.spans[-1].end == len(text)
    for a, b in zip(result.spans, result.spans[1:]):
        assert a.end == b.start and a.lang != b.lang
    assert result.langs == ["th", "en"]
    assert [text[s.start : s.end].strip() for s in result.spans if s.lang == "en"] == ["meeting", "bring laptop"]


@pytest.mark.parametrize(
    "text,langs",
    [
        ("Boss suruh hantar report tu before lunch, cepat sikit.", {"en", "ms"}),
        ("Sige, send mo na lang sa akin yung file para ma-review ko tonight.", {"tl", "en"}),
        ("Aku udah submit report-nya tapi boss masih belum reply email aku.", {"id", "en"}),
        ("Hôm nay em có deadline nên không đi ăn trưa được.", {"vi", "en"}),
    ],
)
def test_spans_find_both_languages_of_code_switched_text(text, langs):
    assert set(detect_spans(text).langs) == langs


def test_monolingual_text_is_one_span():
    text = "Saya tidak tahu kenapa dia pergi ke kantor hari ini."
    result = detect_spans(text)
    assert result.langs == ["id"] and len(result.spans) == 1


def test_empty_text_has_no_spans():
    assert detect_spans("").spans == [] and detect_spans("").langs == []


def test_eval_set_has_30_sentences_per_main_language_and_40_code_switched():
    mono = load_jsonl(None, "langid_eval.jsonl", ("text", "lang"))
    counts = {lang: sum(r["lang"] == lang for r in mono) for lang in main_languages()}
    assert min(counts.values()) >= 30, counts
    assert len(load_jsonl(None, "langid_codeswitch.jsonl", ("text", "langs"))) >= 40


def test_bad_eval_file_names_file_line_and_field(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "ok", "lang": "id"}) + "\n" + json.dumps({"text": "x"}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: missing field 'lang'"):
        evaluate_langid(eval_path=path)


def test_id_and_ms_on_the_self_written_eval_set_do_not_regress(report):
    # This used to require 93% on id and ms: the older hand rules were tuned on this very set,
    # which is what issue 15 objects to. The cluster model now trains on it as one source among
    # several, and its id/ms split comes from CLD2 and the documented contrasts; the figures
    # that count are the held-out ones (bench/bench_langid.py --heldout, docs/text.md). These
    # floors sit just under the measured 81% (id) and 91% (ms).
    assert report["per_language"]["id"]["accuracy"] >= 0.78, report["per_language"]["id"]
    assert report["per_language"]["ms"]["accuracy"] >= 0.87, report["per_language"]["ms"]


def test_code_switched_sentences_have_all_languages_found_90_percent(report):
    assert report["codeswitch"]["all_found"] >= 0.90, report["codeswitch"]["misses"]


def test_spans_do_not_invent_languages(report):
    # Finding every language is cheap if spans add languages freely; these pin precision.
    assert report["codeswitch"]["exact"] >= 0.85
    assert report["monolingual_single_language"] >= 0.95


def test_overall_accuracy_reaches_97_percent(report):
    assert report["overall"] >= 0.97, {k: v["errors"] for k, v in report["per_language"].items()}


def test_mixed_script_text_is_scored_by_share_of_letters():
    d = detect("ประชุมตอนบ่ายสามนะครับ อย่าลืมเอาเอกสารมาด้วย ok")
    assert d.lang == "th" and 0.0 < d.scores["en"] < 0.2


def test_links_handles_and_hashtags_do_not_count_as_letters_of_a_script():
    # Written for this test: Thai posts whose Latin letters are mostly a link or hashtags.
    thai = [
        "ร้าน Sabai ลดราคา https://www.example.co.th/promotion/summer-sale-2024",
        "#SummerSaleBangkok #FreeShippingWeekend Sabai ลดราคาวันนี้",
        "ถาม Sabai ได้ที่ @shopofficialthailand หรือ support@example.com ค่ะ",
    ]
    for text in thai:
        assert detect(text).lang == "th", text
    # Real words still count: English that outweighs the Thai stays English.
    assert detect("Please send the report before lunch tomorrow ครับ").lang == "en"
    assert detect("https://example.com/abc").lang == "und"


def test_bad_lexicon_line_names_file_and_line(tmp_path):
    from seaforge.text.langid_lexicon import lexicon

    path = tmp_path / "lex.tsv"
    path.write_text("id\t2\tuang\nms\theavy\twang\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lex.tsv:2: weight 'heavy' is not a number"):
        lexicon(str(path))


def test_cluster_text_is_decided_without_lid176(monkeypatch):
    import seaforge.text.langid as langid

    def no_lid176():
        raise AssertionError("lid.176 was asked")

    monkeypatch.setattr(langid, "_model", no_lid176)
    assert detect("Saya tidak tahu kenapa dia pergi ke kantor hari ini.").lang == "id"
    assert detect("Hindi ko alam kung bakit siya umalis ngayon.").lang == "tl"
    assert detect("Aku ora ngerti kowe arep lunga menyang ngendi sesuk esuk.").lang == "jv"


def test_cld2_is_asked_only_where_the_cluster_model_is_unsure(monkeypatch):
    import seaforge.text.langid as langid

    real, calls = langid.cld2_predictions, []

    def spy(clean):
        calls.append(clean)
        return real(clean)

    monkeypatch.setattr(langid, "cld2_predictions", spy)
    assert detect("Aku ora ngerti kowe arep lunga menyang ngendi sesuk esuk.").lang == "jv"
    # Sure of Malay: level 2 splits id from ms without CLD2's odds (their own fitted weights).
    assert detect("Duit tu dah saya masukkan dalam akaun awak kerana awak minta semalam.").lang == "ms"
    assert calls == []
    detect("Sama-sama ya")  # short: the model is not sure, so CLD2 is asked
    assert calls == ["sama-sama ya"]


def test_spans_past_the_cap_are_one_und_span_and_say_where_analysis_stopped():
    sentence = "Eh you dah makan ke belum? Jom lunch sama-sama. "
    text = sentence * 50
    result = detect_spans(text, cap=len(sentence) * 3)
    assert result.capped and result.analysed_chars <= len(sentence) * 3
    assert result.spans[-1] == Span(result.analysed_chars, len(text), UND)
    assert set(result.langs) == {"en", "ms"}
    for a, b in zip(result.spans, result.spans[1:]):
        assert a.end == b.start
    whole = detect_spans(sentence)
    assert not whole.capped and whole.analysed_chars == len(sentence)


def test_lingua_scores_each_distinct_word_once(monkeypatch):
    import seaforge.text.langid_spans as spans

    detector, code_of = spans._lingua()
    calls = []

    class Counting:
        def compute_language_confidence_values(self, word):
            calls.append(word)
            return detector.compute_language_confidence_values(word)

    monkeypatch.setattr(spans, "_lingua", lambda: (Counting(), code_of))
    text = "Aku udah submit report-nya tapi boss masih belum reply email aku. " * 200
    result = detect_spans(text)
    assert set(result.langs) == {"id", "en"}
    assert len(calls) == len(set(calls)) <= 12


def test_thai_with_a_few_latin_words_runs_no_latin_model_until_scores_are_read(monkeypatch):
    from seaforge.text.langid_cluster import cluster_model

    model, calls = cluster_model(), []
    real = model.predict
    monkeypatch.setattr(model, "predict", lambda clean: calls.append(clean) or real(clean))
    text = "วันนี้ไปกินข้าวที่ร้าน Starbucks มา อร่อยมาก"  # Thai letters outweigh the Latin word
    d = detect(text)
    assert d.lang == "th" and calls == []
    # Confidence and scores come from the full path when read, and agree with each other.
    assert 0.5 < d.confidence == d.scores["th"] < 1.0 and calls == ["starbucks"]
    assert abs(sum(d.scores.values()) - 1.0) < 1e-9 and d.scores["en"] > 0
    assert detect_batch([text])[0] == d and len(calls) == 2  # the batch's copy, read by ==
    # Where the Latin words could win, the models run at once.
    assert detect("Saya suka makan nasi goreng di warung dekat rumah ครับ").lang == "id" and len(calls) == 3


def test_short_vietnamese_sentences_are_vietnamese():
    # Too short for the spelling shortcut; letters outside the cluster languages' alphabets
    # (not only Vietnamese-only ones: "ạ", "ủ") keep CLD2 in the loop.
    for text in ("Tôi đi học.", "Cô ấy rửa bát.", "Nó chạy nhanh.", "Mẹ nấu cơm.", "Anh ta chạy.", "Con mèo ngủ."):
        assert detect(text).lang == "vi", text


MANGLISH = [  # written for this test, after the model was trained
    "Bro, jom lepak mamak after work, I belanja you teh tarik.",
    "Eh you dah makan ke belum? Jom lunch sama-sama.",
    "I rasa this project memang susah lah, kena buat overtime.",
    "Dia cakap meeting tu postpone sampai next week.",
    "Aiyo, traffic jam teruk gila pagi tadi, I sampai lambat.",
    "Korang nak order apa? I belanja hari ni.",
    "Boss suruh hantar report tu before lunch, cepat sikit.",
    "Weekend ni kita pergi shopping kat mall, okay tak?",
    "Jangan lupa bawa laptop, nanti kita discuss dalam bilik mesyuarat.",
]


def test_manglish_chat_is_malay():
    # Measured 8 of 9 (the first line comes out a regional language since names left the
    # model's training text; 9 before). The main language of English-Malay chat is Malay.
    assert sum(detect(t).lang == "ms" for t in MANGLISH) >= 8
