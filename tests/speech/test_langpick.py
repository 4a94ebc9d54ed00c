"""Language codes for speech, Whisper's probabilities restricted to a deployment's languages, the shortlist,
and the choice among decoded candidates."""

from __future__ import annotations

import pytest

from seaforge.speech import langpick
from seaforge.speech.transcribe import SPEECH_LANGS, UnknownLanguage


def test_speech_langs_are_the_registry_codes_whisper_knows():
    assert {"id", "ms", "vi", "th", "tl", "ta", "my", "km", "lo", "jv", "su", "zh", "en"} <= set(SPEECH_LANGS)
    assert not {"ceb", "ilo", "min", "ban", "shn"} & set(SPEECH_LANGS)  # Whisper has no tokens for them


@pytest.mark.parametrize(
    "given,expected", [("jw", "jv"), ("jav", "jv"), ("fil", "tl"), ("ID", "id"), ("zsm", "ms"), ("fr", "fr")]
)
def test_any_alias_or_whisper_code_resolves_to_seaforges_code(given, expected):
    assert langpick.resolve_speech_lang(given) == expected
    assert langpick.to_whisper("jv") == "jw" and langpick.to_seaforge("jw") == "jv"


def test_an_unknown_code_lists_the_speech_languages():
    with pytest.raises(UnknownLanguage, match=r"unknown language code 'xx'; speech languages: id, ms"):
        langpick.resolve_speech_lang("xx")


def test_a_registry_language_whisper_cannot_hear_says_so():
    with pytest.raises(UnknownLanguage, match=r"'ceb' \(Cebuano\): Whisper cannot transcribe it"):
        langpick.resolve_speech_lang("ceb")


def test_restrict_renormalises_over_the_allowed_languages_best_first():
    probs = {"th": 0.7, "id": 0.1, "ms": 0.1, "jw": 0.05, "en": 0.05}
    assert langpick.restrict(probs, ["ms", "id", "jv"]) == pytest.approx({"id": 0.4, "ms": 0.4, "jv": 0.2})
    assert list(langpick.restrict(probs, ["jv", "id"])) == ["id", "jv"]
    assert list(langpick.restrict(probs, None, top=2)) == ["th", "id"]


def test_shortlist_takes_a_sure_answer_alone_and_hears_out_close_or_confused_ones():
    assert langpick.shortlist({"vi": 0.98, "th": 0.01, "en": 0.01}) == ["vi"]
    assert langpick.shortlist({"vi": 0.9, "th": 0.06, "en": 0.04}) == ["vi", "th"]
    assert langpick.shortlist({"th": 0.5, "id": 0.3, "en": 0.1, "ms": 0.1}) == ["th", "id", "en", "ms"]
    assert langpick.shortlist({"th": 0.7, "en": 0.25, "ta": 0.05}) == ["th", "en"]
    assert langpick.shortlist({"th": 0.55, "ta": 0.25, "en": 0.2}) == ["th", "ta", "en"]
    assert langpick.shortlist({"id": 0.98, "en": 0.01, "ms": 0.01}) == ["id", "ms"]


def _heard(lang, prob, text, logprob):
    return langpick.Heard(lang=lang, whisper_prob=prob, text=text, avg_logprob=logprob)


def test_text_langid_settles_whispers_malay_indonesian_confusion():
    malaysian = "Kerajaan telah mengumumkan cuti umum untuk hari Jumaat dan kereta api akan bertolak awal."
    best, reason = langpick.choose(
        [_heard("id", 0.55, malaysian, -0.4), _heard("ms", 0.45, malaysian, -0.4)], {"id": 0.55, "ms": 0.45}
    )
    assert best.lang == "ms" and best.text_lang == "ms"
    assert reason.startswith("Whisper confuses Malay and Indonesian (id 0.55, ms 0.45)")


def test_nonsense_in_the_wrong_script_loses_to_a_transcript_text_langid_reads():
    best, reason = langpick.choose(
        [
            _heard("th", 0.7, "สาฟังพี่คับภาศัพักินินิน สุดมันแบลิสาวตัน", -1.2),
            _heard("id", 0.2, "Saya pergi ke pasar pagi ini untuk membeli sayur dan buah segar.", -0.3),
        ],
        {"th": 0.7, "id": 0.2},
    )
    assert best.lang == "id" and "Whisper preferred th" in reason
