"""Real text nobody on the team wrote (../shared/corpora, when present): the UDHR in 13 languages."""

from pathlib import Path

import pytest

UDHR = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "udhr"
LANGS = {
    "ind": "id",
    "zsm": "ms",
    "tgl": "tl",
    "vie": "vi",
    "tha": "th",
    "khm": "km",
    "lao": "lo",
    "mya": "my",
    "eng": "en",
    "cmn": "zh",
    "tam": "ta",
    "jav": "jv",
    "sun": "su",
}


@pytest.fixture(scope="module")
def udhr() -> dict[str, str]:
    if not UDHR.is_dir():
        pytest.skip("../shared/corpora/udhr is not present")
    return {lang: (UDHR / f"{key}.txt").read_text(encoding="utf-8") for key, lang in LANGS.items()}


def test_real_udhr_text_passes_our_filters_in_every_language(udhr):
    from seaforge.data.quality import quality_reason, settings_for
    from seaforge.text.normalize import normalize
    from seaforge.text.segment import segment

    reasons = {}
    for lang, text in udhr.items():
        text = normalize(text)
        reasons[lang] = quality_reason(text, segment(text, lang), lang, settings_for(lang))
    assert reasons == {lang: None for lang in udhr}


def test_stock_gopher_quality_drops_the_same_text_outside_english(udhr):
    # Why the engine needs per-language filters: datatrove's defaults are English rules.
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherQualityFilter

    gopher = GopherQualityFilter()
    kept = {lang for lang, text in udhr.items() if gopher.filter(Document(text, lang)) is True}
    assert kept == {"en"}
