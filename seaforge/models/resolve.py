"""One resolver for every model or tokenizer argument of every command.

Accepts, in this order: ``tiny:<arch>`` (a tiny random model built offline), a registered name
(``gemma3-270m``, see ``seaforge models list``), a ``.gguf`` file (converted once into the cache),
a local folder or file, or a Hugging Face hub id. Returns something ``from_pretrained`` takes.
"""

from __future__ import annotations

import os
from pathlib import Path

from seaforge.errors import UserError

TINY_PREFIX = "tiny:"


class ModelNotFound(UserError):
    """A model argument that names nothing we can load."""


def _hub_cached(spec: str) -> bool:
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(spec, local_files_only=True)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not in the local cache"
        return False


def _looks_like_hub_id(spec: str) -> bool:
    parts = spec.split("/")
    return len(parts) <= 2 and all(p and not p.startswith(".") for p in parts) and " " not in spec


def resolve_model(spec: str) -> str:
    """A local folder (or a hub id) for any model argument; a ``UserError`` when it names nothing."""
    from seaforge.testing import TINY_ARCHS, tiny_model_dir

    spec = str(spec).strip()
    if not spec:
        raise ModelNotFound("empty model argument")
    if spec.startswith(TINY_PREFIX):
        arch = spec[len(TINY_PREFIX) :] or "llama"
        if arch not in TINY_ARCHS:
            raise ModelNotFound(
                f"unknown tiny architecture {arch!r} in {spec!r}; choose one of: {', '.join(TINY_ARCHS)}"
            )
        return str(tiny_model_dir(arch))
    from seaforge.models import registry

    if spec in registry.MODELS:
        return str(registry.ensure_model(spec))
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ModelNotFound(f"{path}: no such GGUF file")
        from seaforge.models.gguf_import import import_gguf

        return str(import_gguf(path))
    if path.exists():
        return str(path)
    names = ", ".join(registry.MODELS)
    if _looks_like_hub_id(spec):
        if _offline() and not _hub_cached(spec):
            raise ModelNotFound(
                f"unknown model {spec!r}{_did_you_mean(spec, registry.MODELS)}: not a registered "
                f"name ({names}), tiny:<arch>, .gguf file or local folder, and not in the local "
                "hub cache (HF_HUB_OFFLINE is set)"
            )
        return spec
    raise ModelNotFound(
        f"unknown model {spec!r}{_did_you_mean(spec, registry.MODELS)}: no such file or folder, "
        f"and not a registered name ({names}), tiny:<arch> or hub id"
    )


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").strip().lower() not in ("0", "", "false", "no")


def _did_you_mean(spec: str, names) -> str:
    import difflib

    close = difflib.get_close_matches(spec, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
