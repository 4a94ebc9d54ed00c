import json

import pytest

from seaforge.tokenizer.corpus import read_corpus


def test_txt_files_are_named_by_language_and_aligned_by_line(tmp_path):
    (tmp_path / "tha.txt").write_text("สวัสดี\n\nขอบคุณ\n", encoding="utf-8")
    (tmp_path / "eng.txt").write_text("hello\n\nthank you\n", encoding="utf-8")
    corpus = read_corpus([str(tmp_path)])
    assert corpus.texts == {"en": ["hello", "thank you"], "th": ["สวัสดี", "ขอบคุณ"]}
    assert corpus.ids["th"] == ["1", "3"] and corpus.parallel


def test_explicit_language_prefix_overrides_the_file_name(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Magandang umaga\n", encoding="utf-8")
    corpus = read_corpus([f"fil={path}"])
    assert corpus.texts == {"tl": ["Magandang umaga"]}
    assert not corpus.parallel  # one language: nothing to compare against


def test_jsonl_bad_records_are_skipped_and_named(tmp_path):
    path = tmp_path / "mix.jsonl"
    lines = [
        json.dumps({"lang": "id", "text": "Selamat pagi", "id": 1}),
        "{not json",
        json.dumps({"lang": "xx", "text": "?"}),
        json.dumps({"lang": "en"}),
        json.dumps({"lang": "en", "text": "Good morning", "id": 1}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read_corpus([str(path)])
    assert corpus.texts == {"id": ["Selamat pagi"], "en": ["Good morning"]}
    assert corpus.parallel
    assert [s.split(": ")[0] for s in corpus.skipped] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert "field 'text'" in corpus.skipped[2]


def test_unaligned_languages_are_not_parallel(tmp_path):
    (tmp_path / "ind.txt").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "eng.txt").write_text("a\n", encoding="utf-8")
    assert not read_corpus([str(tmp_path)]).parallel


def test_unknown_language_file_name_is_a_clear_error(tmp_path):
    path = tmp_path / "klingon.txt"
    path.write_text("x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="klingon.txt"):
        read_corpus([str(path)])


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_corpus([str(tmp_path / "nope.txt")])


def test_bundled_sample_is_parallel_across_twelve_languages():
    corpus = read_corpus(["sample"])
    assert corpus.parallel
    assert {"en", "id", "th", "my", "km", "lo", "ta", "vi", "zh"} <= set(corpus.texts)
    assert len(corpus.texts) == 12 and all(len(t) == 6 for t in corpus.texts.values())


def test_a_line_with_a_bad_byte_is_skipped_and_named_not_the_whole_file(tmp_path):
    path = tmp_path / "tha.txt"
    path.write_bytes("สวัสดี\n".encode() + b"ok \xff here\n" + "ขอบคุณ\n".encode())
    corpus = read_corpus([str(path)])
    assert corpus.texts == {"th": ["สวัสดี", "ขอบคุณ"]} and corpus.ids == {"th": ["1", "3"]}
    assert corpus.skipped == [f"{path}:2: invalid UTF-8 at byte 3"]
