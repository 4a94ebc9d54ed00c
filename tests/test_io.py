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


def test_atomic_writes_respect_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "f.txt", "x")
        with atomic_dir(tmp_path / "folder") as tmp:
            (tmp / "a").write_text("a")
    finally:
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "folder").stat().st_mode & 0o777 == 0o755


def test_a_kill_between_the_two_renames_loses_nothing(tmp_path, monkeypatch):
    import os

    out = tmp_path / "model"
    with atomic_dir(out) as tmp:
        (tmp / "weights").write_text("v1")
    real_replace = os.replace
    calls = []

    def killed_after_moving_old_aside(src, dst):
        calls.append((src, dst))
        real_replace(src, dst)
        if len(calls) == 1:  # the old folder is aside, the new one not yet in place
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed_after_moving_old_aside)
    with pytest.raises(KeyboardInterrupt):
        with atomic_dir(out) as tmp:
            (tmp / "weights").write_text("v2")
    monkeypatch.setattr(os, "replace", real_replace)
    assert not out.exists()  # the kill left only the aside copy
    [aside] = tmp_path.glob(".model.old-*")
    assert (aside / "weights").read_text() == "v1"
    with atomic_dir(out) as tmp:  # the next write restores it first, then replaces it
        (tmp / "weights").write_text("v3")
    assert (out / "weights").read_text() == "v3"
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".tmp")] == ["model"]


def test_an_orphaned_old_copy_is_restored_when_not_overwriting(tmp_path):
    out = tmp_path / "model"
    (tmp_path / ".model.old-0123456789ab").mkdir()  # the layout a kill between the renames leaves
    (tmp_path / ".model.old-0123456789ab" / "weights").write_text("v1")
    from seaforge.io import OutputExistsError

    with pytest.raises(OutputExistsError):
        with atomic_dir(out, overwrite=False):
            pass
    assert (out / "weights").read_text() == "v1"


def test_blank_lines_can_be_reported_for_line_for_line_contracts(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n')
    lines = list(iter_jsonl(path, blank_lines=True))
    assert [ln.lineno for ln in lines] == [1, 2, 3]
    assert lines[1].record is None and lines[1].error == f"{path}:2: blank line"


def test_missing_jsonl_and_strict_reading_are_user_errors(tmp_path):
    from seaforge.errors import UserError
    from seaforge.io import read_jsonl

    with pytest.raises(UserError, match="no such file"):
        list(iter_jsonl(tmp_path / "missing.jsonl"))
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\nnope\n')
    with pytest.raises(UserError, match=r"bad.jsonl:2: invalid JSON"):
        read_jsonl(path)
    assert read_jsonl(path, strict=False) == [{"a": 1}]


def test_check_writable_fails_before_work_when_a_parent_is_a_file(tmp_path):
    from seaforge.errors import UserError
    from seaforge.io import check_writable

    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        check_writable(tmp_path / "plain.txt" / "out" / "model")
    assert check_writable(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checking creates nothing
