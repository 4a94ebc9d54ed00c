"""The asr eval task: WER/CER on normalized, segmented words; audio data folders and manifests; the
espeak-ng sample set; and a real whisper-base run into results.json and the leaderboard."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from seaforge.cli import run
from seaforge.errors import UserError
from seaforge.eval import asr
from seaforge.eval.items import DataError, parse_data
from seaforge.eval.tasks import bundled_tasks, select_tasks


def _missing(what: str):
    if os.environ.get("SEAFORGE_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"{what} and SEAFORGE_REQUIRE_SYSTEM=1")
    pytest.skip(what)


@pytest.fixture
def espeak():
    if shutil.which("espeak-ng") is None:
        _missing("espeak-ng not found (apt-get install espeak-ng)")


@pytest.fixture(scope="module")
def task():
    return bundled_tasks()["asr"]


# --- scoring ------------------------------------------------------------------------------------


def test_case_punctuation_and_spacing_are_not_errors():
    counts = asr.error_counts("hello world", "Hello, World!", "en")
    assert counts["word_errors"] == 0 and counts["words"] == 2 and counts["char_errors"] == 0


def test_vietnamese_tone_mark_placement_is_normalized_on_both_sides():
    # "hoà" (new style) and "hòa" (old style) are one word once normalized
    assert asr.error_counts("Tôi ở Khánh Hoà", "Tôi ở Khánh Hòa", "vi")["word_errors"] == 0


def test_thai_is_scored_on_segmented_words_and_characters_without_spaces():
    reference = "วันนี้อากาศร้อนมาก"
    counts = asr.error_counts("วันนี้ อากาศ ร้อน", reference, "th")
    assert counts["words"] == len(asr.asr_words(reference, "th")) >= 3  # not one unspaced "word"
    assert counts["word_errors"] == 1  # มาก is missing
    assert counts["char_errors"] == len("มาก") and counts["chars"] == len(reference)


def test_burmese_is_cut_into_syllables():
    assert len(asr.asr_words("ဒီနေ့ မိုးရွာနေတယ်။", "my")) >= 4


def test_corpus_wer_sums_errors_over_words_and_normalizes_to_100_minus_wer(task):
    records = [
        {"word_errors": 1, "words": 10, "char_errors": 2, "chars": 50},
        {"word_errors": 3, "words": 2, "char_errors": 4, "chars": 10},
    ]
    summary = asr.asr_summary(task, {0: records})
    assert summary["wer"] == pytest.approx(100 * 4 / 12)  # not the mean of 10% and 150%
    assert summary["cer"] == pytest.approx(100 * 6 / 60)
    assert summary["normalized_wer"] == pytest.approx(100 - summary["wer"])
    assert summary["stderr"] > 0 and summary["n"] == 2


def test_wer_over_100_clips_at_0_under_seahelm(task):
    records = [{"word_errors": 5, "words": 2, "char_errors": 5, "chars": 5}] * 2
    assert asr.asr_summary(task, {0: records}, clip=True)["normalized_wer"] == 0
    assert asr.asr_summary(task, {0: records}, clip=False)["normalized_wer"] == pytest.approx(-150)


# --- task selection -----------------------------------------------------------------------------


def test_asr_runs_only_when_named_never_in_a_text_suite():
    assert [t.name for t in select_tasks("asr")] == ["asr"]
    assert [t.name for t in select_tasks("speech")] == ["asr"]
    assert "asr" not in [t.name for t in select_tasks("seahelm")]


def test_asr_and_text_tasks_in_one_run_are_refused(tmp_path, capsys):
    rc = run(["eval", "run", "--model", "whisper-base", "--tasks", "asr,sentiment", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "run it on its own" in err and not (tmp_path / "o").exists()


# --- data ---------------------------------------------------------------------------------------


def _touch(path, data=b"RIFF"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_manifest_paths_are_relative_to_it_and_bad_lines_are_skipped(tmp_path, task):
    _touch(tmp_path / "clips" / "a.wav")
    rows = [
        {"audio": "clips/a.wav", "text": "satu dua", "lang": "id"},
        {"audio": "clips/missing.wav", "text": "tiga", "lang": "id"},
        {"audio": "clips/a.wav", "text": "หนึ่ง", "lang": "th"},
    ]
    manifest = tmp_path / "test.jsonl"
    manifest.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    loaded = asr.load_asr_items(task, "id", parse_data([f"asr={manifest}"]))
    assert [(i.id, i.references) for i in loaded.items] == [("clips/a", ["satu dua"])]
    assert loaded.skipped == 1 and loaded.items[0].fields["audio"] == str(tmp_path / "clips" / "a.wav")


def test_csv_manifest_without_lang_takes_the_language_named_for_it(tmp_path, task):
    _touch(tmp_path / "x.wav")
    (tmp_path / "m.csv").write_text("id,audio,text\nx1,x.wav,apa kabar\n", encoding="utf-8")
    loaded = asr.load_asr_items(task, "ms", parse_data([f"asr:ms={tmp_path / 'm.csv'}"]))
    assert [i.id for i in loaded.items] == ["x1"]
    with pytest.raises(DataError, match="no language"):
        asr.load_asr_items(task, "ms", parse_data([f"asr={tmp_path / 'm.csv'}"]))


def test_pairs_folder_reads_languages_from_subfolders(tmp_path, task):
    _touch(tmp_path / "th" / "a.wav")
    (tmp_path / "th" / "a.txt").write_text("สวัสดี\n", encoding="utf-8")
    _touch(tmp_path / "th" / "b.flac")  # no transcript: skipped, counted
    _touch(tmp_path / "vi" / "c.mp3")
    (tmp_path / "vi" / "c.txt").write_text("xin chào", encoding="utf-8")
    spec = parse_data([f"asr={tmp_path}"])
    thai = asr.load_asr_items(task, "th", spec)
    assert [(i.id, i.references[0]) for i in thai.items] == [("th/a", "สวัสดี")] and thai.skipped == 1
    assert [i.id for i in asr.load_asr_items(task, "vi", spec).items] == ["vi/c"]


def test_pairs_folder_without_a_language_is_an_error_naming_the_fix(tmp_path, task):
    _touch(tmp_path / "a.wav")
    (tmp_path / "a.txt").write_text("halo", encoding="utf-8")
    with pytest.raises(DataError, match=r"--data asr:LANG="):
        asr.load_asr_items(task, "id", parse_data([f"asr={tmp_path}"]))
    assert len(asr.load_asr_items(task, "id", parse_data([f"asr:id={tmp_path}"])).items) == 1


# --- the espeak-ng samples ----------------------------------------------------------------------


def test_sample_sentences_cover_the_issue_languages(task):
    from seaforge.io import read_jsonl

    rows = read_jsonl(asr.bundled_dir() / task.source.samples)
    assert {row["lang"] for row in rows} == {"id", "ms", "vi", "th", "ta", "my", "en"}
    assert len({row["id"] for row in rows}) == len(rows)


def test_synthesis_is_cached_by_voice_and_text(espeak, tmp_path):
    first = asr.synthesize("Selamat pagi.", "id", cache=tmp_path)
    assert first.read_bytes()[:4] == b"RIFF" and first.stat().st_size > 10_000
    stamp = first.stat().st_mtime_ns
    assert asr.synthesize("Selamat pagi.", "id", cache=tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert asr.synthesize("Selamat pagi.", "ms", cache=tmp_path) != first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left behind


def test_missing_espeak_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without espeak-ng
    asr.espeak_version.cache_clear()
    try:
        with pytest.raises(UserError, match=r"apt-get install espeak-ng"):
            asr.synthesize("Selamat pagi.", "id", cache=tmp_path)
    finally:
        asr.espeak_version.cache_clear()


# --- a real run: whisper-base on synthetic speech -----------------------------------------------


@pytest.fixture(scope="module")
def whisper():
    try:
        from seaforge.speech.whisper import load_whisper

        load_whisper("whisper-base")
    except Exception as err:  # noqa: BLE001 - not pulled
        _missing(f"whisper-base is not available ({err}); `seaforge models pull whisper-base`")


def test_whisper_base_run_writes_results_items_and_a_leaderboard(espeak, whisper, tmp_path, capsys):
    out = tmp_path / "run"
    clip = tmp_path / "data" / "id" / "pesan.wav"
    clip.parent.mkdir(parents=True)
    sentence = "Saya mau pesan dua gelas teh manis."
    subprocess.run(["espeak-ng", "-v", "id", "-w", str(clip), sentence], check=True)
    clip.with_suffix(".txt").write_text(sentence, encoding="utf-8")
    args = ["eval", "run", "--model", "whisper-base", "--languages", "id", "--out", str(out)]
    assert run([*args, "--data", f"asr={tmp_path / 'data'}"]) == 0
    results = json.loads((out / "results.json").read_text())
    summary = results["results"]["id"]["speech"]["asr"]
    assert summary["n"] == 1 and summary["words"] == 7 and summary["wer"] < 60  # it heard most of it
    assert summary["normalized_wer"] == pytest.approx(100 - summary["wer"])
    assert results["model"]["backend"] == "faster-whisper" and results["tasks"]["asr"]["metric"] == "wer"
    item = json.loads((out / "items" / "asr" / "id.jsonl").read_text().splitlines()[0])
    assert item["id"] == "id/pesan" and "pesan" in item["hypothesis"].lower()
    # a second run answers from the cache
    assert run([*args, "--data", f"asr={tmp_path / 'data'}"]) == 0
    assert json.loads((out / "results.json").read_text())["cache"]["hits"] == 1
    assert run(["eval", "report", str(out), "--out", str(tmp_path / "board")]) == 0
    board = (tmp_path / "board" / "leaderboard.md").read_text()
    assert "whisper-base" in board and "speech" in board
    capsys.readouterr()


def test_samples_run_without_data(espeak, whisper, tmp_path):
    out = tmp_path / "run"
    args = ["eval", "run", "--model", "whisper-base", "--tasks", "asr", "--languages", "en", "--limit", "1"]
    assert run([*args, "--out", str(out)]) == 0
    summary = json.loads((out / "results.json").read_text())["results"]["en"]["speech"]["asr"]
    assert summary["source"].startswith("samples:") and summary["wer"] < 50


def test_compare_bootstraps_corpus_wer_not_the_mean_of_item_wers():
    import numpy as np

    from seaforge.eval.scores import item_vectors, metric_from_sums

    # One short clip all wrong and one long clip all right: corpus WER 2/12, mean item WER 50%.
    records = [{"word_errors": 2, "words": 2, "score": 1.0}, {"word_errors": 0, "words": 10, "score": 0.0}]
    wer = metric_from_sums("wer", item_vectors("wer", records).sum(axis=0))
    assert np.isclose(wer, 100 * 2 / 12)
