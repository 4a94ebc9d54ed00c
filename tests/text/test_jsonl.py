import io

import orjson

from seaforge.text.jsonl import run_jsonl


def _run(data: bytes, transform=lambda r: {**r, "n": len(r["text"])}):
    out, err = io.BytesIO(), io.StringIO()
    stats = run_jsonl(transform, stdin=io.BytesIO(data), stdout=out, stderr=err)
    lines = [orjson.loads(x) for x in out.getvalue().splitlines()]
    return stats, lines, err.getvalue()


def test_keeps_input_fields_and_adds_new_ones():
    stats, lines, _ = _run(b'{"text": "abc", "id": 7}\n')
    assert lines == [{"text": "abc", "id": 7, "n": 3}]
    assert (stats.lines, stats.ok, stats.errors) == (1, 1, 0)


def test_bad_lines_are_reported_with_line_numbers_and_passed_through():
    data = b'{"text": "ok"}\nnot json\n{"id": 1}\n[1, 2]\n{"text": "\xff\xfe"}\n{"text": "also ok"}\n'
    stats, lines, err = _run(data)
    assert len(lines) == 6  # one output line per input line, in order
    assert lines[0] == {"text": "ok", "n": 2} and lines[5]["n"] == 7
    assert "line 2" in lines[1]["error"] and lines[1]["raw"] == "not json"
    assert "field 'text'" in lines[2]["error"] and lines[2]["id"] == 1
    assert "line 4" in lines[3]["error"]
    assert "line 5" in err and "UTF-8" in lines[4]["error"]
    assert (stats.lines, stats.ok, stats.errors) == (6, 2, 4)


def test_a_failing_transform_marks_only_that_line():
    def boom(record):
        if record["text"] == "bad":
            raise ValueError("cannot handle")
        return record

    stats, lines, err = _run(b'{"text": "good"}\n{"text": "bad"}\n', boom)
    assert "error" not in lines[0]
    assert "ValueError: cannot handle" in lines[1]["error"] and "line 2" in err
    assert stats.errors == 1
