import json

from seaforge.data.decontam import build_index
from seaforge.text.segment import segment

QUESTION = "คุณสมชายซื้อข้าวสารและน้ำปลาที่ตลาดนัดจตุจักรเมื่อเช้าวันจันทร์ คุณสมชายซื้ออะไร"


def test_thai_eval_question_inside_a_document_is_found(tmp_path):
    path = tmp_path / "eval.jsonl"
    path.write_text(json.dumps({"lang": "th", "question": QUESTION}, ensure_ascii=False) + "\n", encoding="utf-8")
    index = build_index([path], n=13)
    doc = "ข่าวชุมชน " + QUESTION + " ราคาพริกในเชียงใหม่เพิ่มขึ้นร้อยละ 5 ในหน้าแล้ง"
    assert index.first_hit(segment(doc, "th")) == "eval.jsonl:1"
    other = "ราคาพริกในเชียงใหม่เพิ่มขึ้นร้อยละ 5 ในหน้าแล้ง แม่ค้าในตลาดขายขนมไทยที่ศาลาประชาคม"
    assert index.first_hit(segment(other, "th")) is None


def test_bad_eval_file_names_file_and_line(tmp_path):
    import pytest

    path = tmp_path / "eval.jsonl"
    path.write_text('{"question": "fine question with quite a few words in it ok"}\n{oops\n')
    with pytest.raises(ValueError, match="eval.jsonl:2"):
        build_index([path])


def test_eval_harness_task_items_are_indexed():
    from seaforge.data.decontam import eval_task_records
    from seaforge.text.segment import segment as seg

    record, source = next(r for r in eval_task_records("qa") if r[0]["lang"] in ("id", "en", "vi"))
    index = build_index([], eval_tasks="qa", min_words=3)
    text = max((v for v in record.values() if isinstance(v, str)), key=len)
    assert index.first_hit(seg("Berita hari ini. " + text, record["lang"])) is not None
    assert source.startswith("qa:")


def test_eval_records_without_letters_or_with_an_unknown_language_are_skipped_and_counted(tmp_path):
    path = tmp_path / "eval.jsonl"
    rows = [
        {"question": "12 + 30 = 42 ; 84 / 2 = 42 ; 40 + 2 = 42 ; 50 - 8 = 42"},  # no letters: und
        {"lang": "xx", "question": "a question in a language we have no segmenter for, long enough"},
        {"lang": "fil", "question": "Bumili si Aling Nena ng bigas at isda sa palengke ng Quiapo kahapon ng umaga."},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    index = build_index([path], n=8)
    assert index.skipped == {"no_letters": 1, "unknown_language": 1}
    words = segment("Balita: bumili si Aling Nena ng bigas at isda sa palengke ng Quiapo kahapon ng umaga.", "tl")
    assert index.first_hit(words) == "eval.jsonl:3"  # "fil" is an alias of tl, not unknown
