"""Speech test helpers: espeak-ng clips (skipped without espeak-ng unless SEAFORGE_REQUIRE_SYSTEM=1), and
the real whisper-base model (skipped when its packages are not installed)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def _missing(what: str):
    if os.environ.get("SEAFORGE_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"{what} and SEAFORGE_REQUIRE_SYSTEM=1")
    pytest.skip(what)


def espeak_wav(text: str, lang: str) -> bytes:
    """A WAV (22,050 Hz mono) of espeak-ng saying `text`, made as the ASR task's samples are."""
    from seaforge.eval.asr import ESPEAK_MISSING, synthesize

    if shutil.which("espeak-ng") is None:
        _missing(ESPEAK_MISSING)
    return synthesize(text, lang).read_bytes()


def sentences(lang: str) -> list[str]:
    rows = [json.loads(line) for line in (DATA / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    return [row["text"] for row in rows if row["lang"] == lang]


@pytest.fixture(scope="session")
def whisper_base() -> str:
    """The registered whisper-base model, joined into the user's cache on first use (no download when
    its packages are installed)."""
    from seaforge.models import registry

    entry = registry.MODELS["whisper-base"]
    installed = all(importlib.util.find_spec(m) for m in [entry.module, *(m for _, m in entry.more_packages)])
    if not registry.is_pulled("whisper-base") and not installed:
        _missing("whisper-base is not pulled and its packages are not installed (seaforge models pull whisper-base)")
    registry.pull("whisper-base", progress=False)
    return "whisper-base"


@pytest.fixture(scope="session")
def vi_clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "vi.wav"
    path.write_bytes(espeak_wav(sentences("vi")[0], "vi"))
    return path
