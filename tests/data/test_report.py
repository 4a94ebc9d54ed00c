from rich.console import Console

from seaforge.data.report import keep_rates, print_report, write_html


def _summary() -> dict:
    def lang(kept, **drops):
        return {"counts": {"curated_docs": kept, "after_exact_docs": kept, "final_docs": kept}, "dropped": drops}

    return {
        "output": "runs/x",
        "documents_read": 400,
        "skipped_input": {},
        "dropped": {"too_few_words": 120, "lang_not_target": 30, "few_stopwords": 20},
        "languages": {
            "en": lang(60, too_few_words=40),
            "th": lang(55, too_few_words=40, few_stopwords=5),
            "ta": lang(10, too_few_words=40, few_stopwords=15),
            "fr": {"dropped": {"lang_not_target": 30}},  # not a target: no keep rate
        },
        "mixture": None,
        "stages": {},
    }


def test_keep_rates_put_languages_side_by_side_and_name_the_reason_for_an_outlier():
    rows, reasons = keep_rates(_summary())
    by_lang = {r["lang"]: r for r in rows}
    assert set(by_lang) == {"en", "th", "ta"}
    assert by_lang["en"]["rate"] == 0.6 and by_lang["ta"]["judged"] == 65
    assert reasons == ["too_few_words", "few_stopwords"]
    assert by_lang["en"]["note"] == by_lang["th"]["note"] == ""
    assert "too_few_words dropped 61.5%" in by_lang["ta"]["note"]


def test_report_prints_and_writes_the_keep_rates(tmp_path):
    console = Console(record=True, width=160)
    print_report(_summary(), console)
    text = console.export_text()
    assert "Keep rate by language" in text and "ta: keeps 15.4% against a median of 55.0%" in text
    page = write_html(_summary(), tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Keep rate by language" in page and "too_few_words dropped 61.5%" in page
