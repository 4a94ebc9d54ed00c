"""`seaforge speech transcribe` and `seaforge speech langs`."""

from __future__ import annotations

import json

from seaforge.cli import run


def test_jsonl_gives_one_line_per_file_with_text_lang_and_segments(whisper_base, vi_clip, capsys):
    assert run(["speech", "transcribe", str(vi_clip), "--jsonl", "--lang", "vi", "--beam-size", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert list(record)[:4] == ["file", "text", "lang", "segments"]
    assert record["file"] == str(vi_clip) and record["lang"] == "vi" and "chúng tôi" in record["text"]
    assert record["segments"][0].keys() == {"start", "end", "text"}
    assert record["lang_reason"].startswith("forced")


def test_a_bad_file_among_good_ones_is_reported_and_the_rest_are_done(whisper_base, vi_clip, tmp_path, capsys):
    bad = tmp_path / "empty.mp3"
    bad.write_bytes(b"")
    code = run(["speech", "transcribe", str(bad), str(vi_clip), "--jsonl", "--lang", "vi", "--beam-size", "1"])
    captured = capsys.readouterr()
    assert code == 2
    first, second = (json.loads(line) for line in captured.out.splitlines())
    assert first == {"file": str(bad), "error": f"{bad}: empty file (0 bytes)"}
    assert second["lang"] == "vi"
    assert "1 of 2 files could not be transcribed" in captured.err


def test_out_appends_and_a_rerun_skips_files_already_done(whisper_base, vi_clip, tmp_path, capsys):
    out = tmp_path / "done.jsonl"
    args = ["speech", "transcribe", str(vi_clip), "--out", str(out), "--lang", "vi", "--beam-size", "1"]
    assert run(args) == 0
    assert run(args) == 0
    assert "1 of 1 files already transcribed" in capsys.readouterr().err
    assert [json.loads(line)["file"] for line in out.read_text().splitlines()] == [str(vi_clip)]


def test_srt_output(whisper_base, vi_clip, capsys):
    assert run(["speech", "transcribe", str(vi_clip), "--format", "srt", "--lang", "vi", "--beam-size", "1"]) == 0
    assert capsys.readouterr().out.startswith("1\n00:00:00,000 --> 00:00:0")


def test_user_mistakes_are_one_error_line(vi_clip, tmp_path, capsys):
    assert run(["speech", "transcribe", str(vi_clip), "--lang", "xx"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown language code 'xx'; speech languages: id, ms")
    assert run(["speech", "transcribe", str(vi_clip), "--languages", "id,klingon"]) == 2
    assert capsys.readouterr().err.startswith("error: --languages: unknown language code 'klingon'")
    assert run(["speech", "transcribe", str(tmp_path / "gone.wav")]) == 2
    assert "gone.wav: no such file" in capsys.readouterr().err


def test_langs_lists_the_speech_languages_with_whispers_names(capsys):
    assert run(["speech", "langs"]) == 0
    out = capsys.readouterr().out
    assert "jv   Javanese (Whisper: javanese)" in out and "my   Burmese (Whisper: myanmar)" in out
