import json

import pytest

from seaforge.io import atomic_dir, atomic_write_json, atomic_write_jsonl, atomic_write_text, iter_jsonl


def test_atomic_writes_replace_whole_files_and_leave_no_temp(tmp_path):
    path = tmp_path / "sub" / "out.json"
    atomic_write_json(path, {"a": "ภาษาไทย"})
    atomic_write_json(path, {"b": 2})
    assert json.loads(path.read_text(encoding="utf-8")) == {"b": 2}
    atomic_write_jsonl(tmp_path / "rows.jsonl", [{"x": 1}, {"x": "ខ្មែរ"}])
    assert (tmp_path / "rows.jsonl").read_text(encoding="utf-8") == '{"x": 1}\n{"x": "ខ្មែរ"}\n'
    assert sorted(p.name for p in tmp_path.rglob("*.tmp")) == []


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.txt"
    atomic_write_text(path, "old")

    def explode(fh):
        fh.write(b"half")
        raise RuntimeError("killed")

    from seaforge.io import atomic_write_bytes

    with pytest.raises(RuntimeError):
        atomic_write_bytes(path, explode)
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_atomic_dir_swaps_in_only_on_success(tmp_path):
    out = tmp_path / "model"
    with atomic_dir(out) as tmp:
        (tmp / "weights").write_text("v1")
    with pytest.raises(ValueError):
        with atomic_dir(out) as tmp:
            (tmp / "weights").write_text("v2-partial")
            raise ValueError("crash mid-save")
    assert (out / "weights").read_text() == "v1"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    with pytest.raises(FileExistsError):
        with atomic_dir(out, overwrite=False):
            pass


def test_iter_jsonl_reports_bad_lines_with_file_and_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text": "ok"}\n\nnot json\n[1]\n{"text": "\xff"}\n{"text": "end"}\n')
    lines = list(iter_jsonl(path))
    assert [ln.lineno for ln in lines] == [1, 3, 4, 5, 6]
    assert lines[0].record == {"text": "ok"} and lines[0].error is None
    assert lines[1].error.startswith(f"{path}:3: invalid JSON")
    assert "expected a JSON object" in lines[2].error
    assert lines[3].record is None and f"{path}:5" in lines[3].error
    assert lines[4].record == {"text": "end"}
