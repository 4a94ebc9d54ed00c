"""The `seaforge text` CLI contract: JSON Lines in, one JSON line out per input line."""

import orjson
from typer.testing import CliRunner

from seaforge.cli import app

runner = CliRunner()


def _jsonl(*records) -> str:
    return "".join(r if isinstance(r, str) else orjson.dumps(r).decode() + "\n" for r in records)


def _invoke(args, stdin=""):
    result = runner.invoke(app, args, input=stdin)
    lines = [orjson.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    return result, lines


def test_detect_jsonl_adds_language_fields_and_keeps_input():
    result, lines = _invoke(["text", "detect", "--jsonl"], _jsonl(
        {"id": "a", "text": "Pemerintah daerah berencana memperbaiki jalan yang rusak sebelum musim hujan."},
        {"id": "b", "text": "พรุ่งนี้เช้าฉันจะไปตลาดเพื่อซื้อผักและปลาสด"}))
    assert result.exit_code == 0
    assert [r["id"] for r in lines] == ["a", "b"]
    assert [r["lang"] for r in lines] == ["id", "th"]
    for rec in lines:
        assert 0.0 < rec["confidence"] <= 1.0 and rec["lang"] in rec["langs"]
        assert rec["spans"][0]["start"] == 0 and rec["spans"][-1]["end"] == len(rec["text"])


def test_malformed_lines_pass_through_and_strict_sets_exit_code():
    stdin = _jsonl({"text": "Saya nak pergi kedai sekejap."}, "{broken\n", {"no_text": 1})
    result, lines = _invoke(["text", "detect", "--jsonl"], stdin)
    assert result.exit_code == 0 and len(lines) == 3
    assert "lang" in lines[0] and "line 2" in lines[1]["error"] and "line 3" in lines[2]["error"]
    strict, _ = _invoke(["text", "detect", "--jsonl", "--strict"], stdin)
    assert strict.exit_code == 1


def test_normalize_jsonl_replaces_text_and_reports_zawgyi_for_burmese():
    result, lines = _invoke(["text", "normalize", "--jsonl"], _jsonl(
        {"text": "น\u0e4d\u0e32  ทาง\u200b"}, {"text": "ကျေးဇူးပြုပြီး ဒီစာကို ဖတ်ပေးပါ။"}))
    assert result.exit_code == 0
    assert lines[0]["text"] == "น\u0e33 ทาง" and "zawgyi" not in lines[0]
    assert 0.0 <= lines[1]["zawgyi"] < 0.5


def test_redact_jsonl_offsets_point_into_the_original_text():
    original = "Email siti@example.com atau WA +62 812-3456-7890, total Rp 150.000."
    result, lines = _invoke(["text", "redact", "--jsonl"], _jsonl({"text": original}))
    assert result.exit_code == 0
    rec = lines[0]
    assert rec["text"] == "Email <EMAIL> atau WA <PHONE>, total Rp 150.000."
    assert [p["type"] for p in rec["pii"]] == ["EMAIL", "PHONE"]
    for p in rec["pii"]:
        assert original[p["start"]:p["end"]] == p["value"]


def test_segment_jsonl_uses_given_language_or_detects_it():
    result, lines = _invoke(["text", "segment", "--jsonl"], _jsonl(
        {"text": "ฉันจะไปตลาด", "lang": "th"}, {"text": "Saya mau ke pasar besok pagi."}))
    assert result.exit_code == 0
    assert lines[0]["words"] == ["ฉัน", "จะ", "ไป", "ตลาด"]
    assert lines[1]["lang"] == "id" and lines[1]["words"] == ["Saya", "mau", "ke", "pasar", "besok", "pagi"]


def test_plain_mode_needs_a_text_argument():
    result = runner.invoke(app, ["text", "detect"])
    assert result.exit_code == 2


def test_langs_table_lists_the_registry():
    result = runner.invoke(app, ["text", "langs"])
    assert result.exit_code == 0
    assert "Khmer" in result.stdout and "shn" in result.stdout
