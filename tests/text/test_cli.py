"""The `seaforge text` CLI contract: JSON Lines in, one JSON line out per input line."""

import io
import json
import sys
from dataclasses import dataclass

import orjson
import pytest

from seaforge.cli import run


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def invoke(capsys, monkeypatch):
    """Run `seaforge ARGS` through the real error boundary with ``stdin`` as standard input."""

    def call(args, stdin: str = ""):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
        rc = run(args)
        captured = capsys.readouterr()
        result = Result(rc, captured.out, captured.err)
        return result, [orjson.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]

    return call


def _jsonl(*records) -> str:
    return "".join(r if isinstance(r, str) else orjson.dumps(r).decode() + "\n" for r in records)


def _one_error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), result
    assert "Traceback" not in result.stderr
    return lines[0]


def test_detect_jsonl_adds_language_fields_and_keeps_input(invoke):
    result, lines = invoke(
        ["text", "detect", "--jsonl"],
        _jsonl(
            {"id": "a", "text": "Pemerintah daerah berencana memperbaiki jalan yang rusak sebelum musim hujan."},
            {"id": "b", "text": "พรุ่งนี้เช้าฉันจะไปตลาดเพื่อซื้อผักและปลาสด"},
        ),
    )
    assert result.exit_code == 0
    assert [r["id"] for r in lines] == ["a", "b"]
    assert [r["lang"] for r in lines] == ["id", "th"]
    for rec in lines:
        assert 0.0 < rec["confidence"] <= 1.0 and rec["lang"] in rec["langs"]
        assert rec["spans"][0]["start"] == 0 and rec["spans"][-1]["end"] == len(rec["text"])


def test_malformed_lines_pass_through_and_strict_sets_exit_code(invoke):
    stdin = _jsonl({"text": "Saya nak pergi kedai sekejap."}, "{broken\n", {"no_text": 1}, "\n")
    result, lines = invoke(["text", "detect", "--jsonl"], stdin)
    assert result.exit_code == 0 and len(lines) == 4
    assert "lang" in lines[0] and "stdin:2:" in lines[1]["error"] and "stdin:3:" in lines[2]["error"]
    assert lines[3] == {"error": "stdin:4: blank line"}
    strict, _ = invoke(["text", "detect", "--jsonl", "--strict"], stdin)
    assert strict.exit_code == 1


def test_normalize_jsonl_replaces_text_and_reports_zawgyi_for_burmese(invoke):
    result, lines = invoke(
        ["text", "normalize", "--jsonl"],
        _jsonl({"text": "น\u0e4d\u0e32  ทาง\u200b"}, {"text": "ကျေးဇူးပြုပြီး ဒီစာကို ဖတ်ပေးပါ။"}),
    )
    assert result.exit_code == 0
    assert lines[0]["text"] == "น\u0e33 ทาง" and "zawgyi" not in lines[0]
    assert 0.0 <= lines[1]["zawgyi"] < 0.5


def test_redact_jsonl_offsets_point_into_the_original_text(invoke):
    original = "Email siti@example.com atau WA +62 812-3456-7890, total Rp 150.000."
    result, lines = invoke(["text", "redact", "--jsonl"], _jsonl({"text": original}))
    assert result.exit_code == 0
    rec = lines[0]
    assert rec["text"] == "Email <EMAIL> atau WA <PHONE>, total Rp 150.000."
    assert [p["type"] for p in rec["pii"]] == ["EMAIL", "PHONE"]
    for p in rec["pii"]:
        assert original[p["start"] : p["end"]] == p["value"]


def test_segment_jsonl_uses_given_language_or_detects_it(invoke):
    result, lines = invoke(
        ["text", "segment", "--jsonl"],
        _jsonl({"text": "ฉันจะไปตลาด", "lang": "th"}, {"text": "Saya mau ke pasar besok pagi."}),
    )
    assert result.exit_code == 0
    assert lines[0]["words"] == ["ฉัน", "จะ", "ไป", "ตลาด"]
    assert lines[1]["lang"] == "id" and lines[1]["words"] == ["Saya", "mau", "ke", "pasar", "besok", "pagi"]


def test_plain_mode_needs_a_text_argument(invoke):
    result, _ = invoke(["text", "detect"])
    assert "TEXT argument" in _one_error_line(result)


def test_langs_table_lists_the_registry(invoke):
    result, _ = invoke(["text", "langs"])
    assert result.exit_code == 0
    assert "Khmer" in result.stdout and "shn" in result.stdout


@pytest.mark.parametrize("command", ["normalize", "segment"])
@pytest.mark.parametrize("jsonl", [False, True])
def test_unknown_lang_option_is_one_error_line(invoke, command, jsonl):
    args = ["text", command, "--lang", "xx"] + (["--jsonl"] if jsonl else ["some text"])
    result, lines = invoke(args, _jsonl({"text": "abc"}))
    assert "--lang" in _one_error_line(result) and "xx" in result.stderr and lines == []


def test_unknown_lang_in_a_record_is_an_error_of_that_record_only(invoke):
    result, lines = invoke(["text", "normalize", "--jsonl"], _jsonl({"text": "abc", "lang": "xx"}, {"text": "ok"}))
    assert result.exit_code == 0 and "stdin:1:" in lines[0]["error"] and lines[1] == {"text": "ok"}


def test_unknown_pii_type_is_one_error_line(invoke):
    result, _ = invoke(["text", "redact", "--types", "EMAIL,SHOE_SIZE", "x"])
    assert "SHOE_SIZE" in _one_error_line(result)


def test_eval_langid_missing_file_is_one_error_line(invoke, tmp_path):
    result, _ = invoke(["text", "eval-langid", "--eval", str(tmp_path / "missing.jsonl")])
    assert "missing.jsonl: no such file" in _one_error_line(result)


def test_eval_langid_bad_utf8_names_file_and_line(invoke, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "Saya nak makan.", "lang": "ms"}\n{"text": "\xff\xfe", "lang": "ms"}\n')
    result, _ = invoke(["text", "eval-langid", "--eval", str(path)])
    assert f"{path}:2:" in _one_error_line(result) and "UTF-8" in result.stderr


def test_eval_langid_unknown_language_names_file_and_line(invoke, tmp_path):
    path = tmp_path / "codes.jsonl"
    path.write_text(json.dumps({"text": "Saya nak makan.", "lang": "xx"}) + "\n", encoding="utf-8")
    result, _ = invoke(["text", "eval-langid", "--eval", str(path)])
    assert f"{path}:1:" in _one_error_line(result) and "xx" in result.stderr


def test_detect_says_when_spans_stop_at_the_cap(invoke, monkeypatch):
    import seaforge.text.langid_spans as spans

    monkeypatch.setattr(spans, "SPAN_CHAR_CAP", 40)
    text = "Korang dah siap ke presentation slides untuk meeting esok pagi?"
    result, lines = invoke(["text", "detect", "--jsonl"], _jsonl({"text": text}))
    assert result.exit_code == 0
    (record,) = lines
    assert record["spans_analysed_chars"] <= 40 and record["spans"][-1]["lang"] == "und"
    assert record["spans"][-1]["end"] == len(text)
