import io
import os
import subprocess
import sys

import orjson

from seaforge.text.jsonl import run_jsonl


def _run(tmp_path, data: bytes, transform=lambda r: {**r, "n": len(r["text"])}):
    source = tmp_path / "in.jsonl"
    source.write_bytes(data)
    out, err = io.BytesIO(), io.StringIO()
    stats = run_jsonl(transform, source, stdout=out, stderr=err)
    lines = [orjson.loads(x) for x in out.getvalue().splitlines()]
    return stats, lines, err.getvalue()


def test_keeps_input_fields_and_adds_new_ones(tmp_path):
    stats, lines, _ = _run(tmp_path, b'{"text": "abc", "id": 7}\n')
    assert lines == [{"text": "abc", "id": 7, "n": 3}]
    assert (stats.lines, stats.ok, stats.errors) == (1, 1, 0)


def test_bad_lines_are_reported_with_line_numbers_and_passed_through(tmp_path):
    data = b'{"text": "ok"}\nnot json\n{"id": 1}\n[1, 2]\n{"text": "\xff\xfe"}\n{"text": "also ok"}\n'
    stats, lines, err = _run(tmp_path, data)
    assert len(lines) == 6  # one output line per input line, in order
    assert lines[0] == {"text": "ok", "n": 2} and lines[5]["n"] == 7
    assert "in.jsonl:2: invalid JSON" in lines[1]["error"]
    assert "field 'text'" in lines[2]["error"] and lines[2]["id"] == 1
    assert "in.jsonl:4: expected a JSON object" in lines[3]["error"]
    assert "in.jsonl:5:" in err and "UTF-8" in lines[4]["error"]
    assert (stats.lines, stats.ok, stats.errors) == (6, 2, 4)


def test_a_blank_line_gets_an_error_record_so_line_n_still_answers_line_n(tmp_path):
    stats, lines, err = _run(tmp_path, b'{"text": "one"}\n\n   \n{"text": "four"}\n')
    assert len(lines) == 4
    assert lines[0]["n"] == 3 and lines[3]["n"] == 4
    assert lines[1] == {"error": f"{tmp_path / 'in.jsonl'}:2: blank line"}
    assert "in.jsonl:3: blank line" in lines[2]["error"] and "in.jsonl:3: blank line" in err
    assert (stats.lines, stats.ok, stats.errors) == (4, 2, 2)


def test_a_failing_transform_marks_only_that_line(tmp_path):
    def boom(record):
        if record["text"] == "bad":
            raise ValueError("cannot handle")
        return record

    stats, lines, err = _run(tmp_path, b'{"text": "good"}\n{"text": "bad"}\n', boom)
    assert "error" not in lines[0]
    assert "ValueError: cannot handle" in lines[1]["error"] and "in.jsonl:2" in err
    assert stats.errors == 1


def test_cli_reads_stdin_and_answers_a_blank_line():
    data = b'{"id": 1, "text": "Saya nak pergi kedai sekejap."}\n\n{"id": 3, "text": "Hello there my friend."}\n'
    done = subprocess.run(
        [sys.executable, "-m", "seaforge.cli", "text", "segment", "--lang", "ms", "--jsonl"],
        input=data,
        capture_output=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [orjson.loads(x) for x in done.stdout.splitlines()]
    assert [line.get("id") for line in lines] == [1, None, 3]
    assert lines[0]["words"] == ["Saya", "nak", "pergi", "kedai", "sekejap"]
    assert "2: blank line" in lines[1]["error"] and "2: blank line" in done.stderr.decode()


def test_an_in_memory_stream_is_read_and_errors_name_stdin():
    out, err = io.BytesIO(), io.StringIO()
    stats = run_jsonl(lambda r: r, io.BytesIO(b'{"text": "a"}\n\n{oops\n'), stdout=out, stderr=err)
    lines = [orjson.loads(x) for x in out.getvalue().splitlines()]
    assert lines[0] == {"text": "a"}
    assert lines[1] == {"error": "stdin:2: blank line"} and lines[2]["error"].startswith("stdin:3: invalid JSON")
    assert (stats.lines, stats.errors) == (3, 2)
