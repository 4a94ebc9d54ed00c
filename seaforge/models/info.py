"""What a model argument is: its folder, architecture, size, vocabulary, where it came from, its licence.

Reads config.json and the safetensors headers only, so `info` on a large model takes milliseconds
and never loads the weights.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

from seaforge.errors import UserError
from seaforge.models.resolve import TINY_PREFIX, ModelNotFound, resolve_model

RANDOM_WEIGHTS = "none: random weights built by seaforge"


def model_info(spec: str) -> dict:
    """Facts about any model argument (registered name, .gguf, folder, hub id, tiny:<arch>)."""
    resolved = resolve_model(spec)
    folder = _local_folder(spec, resolved)
    config = _read_config(folder)
    text_config = config.get("text_config") or config
    from seaforge.models.gguf_import import read_manifest

    manifest = read_manifest(folder) or {}
    parameters = count_parameters(folder)
    if parameters is None:
        parameters = _count_on_meta(folder)
    vocab_size = text_config.get("vocab_size")
    hidden_size = text_config.get("hidden_size")
    source, licence = _provenance(spec, folder, manifest)
    return {
        "name": spec,
        "path": str(folder),
        "architecture": (config.get("architectures") or [None])[0],
        "model_type": text_config.get("model_type") or config.get("model_type"),
        "parameters": parameters,
        # Input embedding only: the share of the model that vocabulary trimming removes.
        "embedding_parameters": vocab_size * hidden_size if vocab_size and hidden_size else None,
        "vocab_size": vocab_size,
        "hidden_size": hidden_size,
        "layers": text_config.get("num_hidden_layers"),
        "context_length": text_config.get("max_position_embeddings"),
        "dtype": config.get("dtype") or config.get("torch_dtype") or text_config.get("dtype"),
        "tie_word_embeddings": config.get("tie_word_embeddings", text_config.get("tie_word_embeddings")),
        "chat_template": _has_chat_template(folder),
        "size_bytes": folder_size(folder),
        "source": source,
        "licence": licence,
        "licence_url": manifest.get("licence_url"),
        "sha256": manifest.get("sha256"),
    }


def _local_folder(spec: str, resolved: str) -> Path:
    path = Path(resolved)
    if path.is_dir():
        return path
    if path.is_file():
        raise UserError(f"{spec}: is a file; info reads a model folder or a .gguf file")
    try:  # a hub id: only a copy already on this machine, never a download
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(resolved, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "no local copy"
        raise ModelNotFound(
            f"{spec}: no local copy in the Hugging Face cache; download it first (`hf download {resolved}`)"
        ) from None


def _read_config(folder: Path) -> dict:
    path = folder / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{folder}: not a model folder (no config.json)") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not valid JSON ({err})") from None


def safetensors_files(folder: Path) -> list[Path]:
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
        return [folder / name for name in sorted(set(weight_map.values()))]
    single = folder / "model.safetensors"
    return [single] if single.is_file() else []


def read_safetensors_header(path: Path) -> dict:
    """The JSON header of a safetensors file: tensor names to dtype, shape and offsets."""
    with open(path, "rb") as fh:
        raw = fh.read(8)
        if len(raw) != 8:
            raise UserError(f"{path}: truncated safetensors file")
        (length,) = struct.unpack("<Q", raw)
        if length > 100_000_000:
            raise UserError(f"{path}: corrupt safetensors header (claims {length} bytes)")
        body = fh.read(length)
    try:
        return json.loads(body)
    except ValueError as err:
        raise UserError(f"{path}: corrupt safetensors header ({err})") from None


def count_parameters(folder: str | Path) -> int | None:
    """Parameters stored in the folder's safetensors, from their headers; None without safetensors.

    Tied output embeddings are stored once, so this equals `model.num_parameters()`.
    """
    files = safetensors_files(Path(folder))
    if not files:
        return None
    total = 0
    for path in files:
        for name, tensor in read_safetensors_header(path).items():
            if name != "__metadata__":
                total += math.prod(tensor["shape"])
    return total


def _count_on_meta(folder: Path) -> int | None:
    """Parameters of a folder without safetensors (e.g. pytorch_model.bin), built on the meta device."""
    try:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM

        config = AutoConfig.from_pretrained(str(folder))
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        return model.num_parameters()
    except Exception:  # noqa: BLE001 - an unknown architecture just has no count
        return None


def _has_chat_template(folder: Path) -> bool:
    if (folder / "chat_template.jinja").is_file():
        return True
    try:
        tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(tokenizer_config.get("chat_template"))


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _card_licence(folder: Path) -> str | None:
    """The `license:` of a Hugging Face model card's front matter, if the folder has one."""
    try:
        lines = (folder / "README.md").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:]:
        if line.strip() == "---":
            break
        key, _, value = line.partition(":")
        if key.strip() == "license" and value.strip():
            return value.strip()
    return None


def _provenance(spec: str, folder: Path, manifest: dict) -> tuple[str, str | None]:
    if spec.startswith(TINY_PREFIX):
        return f"{spec} (random weights, built offline by seaforge)", RANDOM_WEIGHTS
    if manifest:
        return f"{manifest['source']} ({manifest['gguf_file']})", manifest.get("licence") or _card_licence(folder)
    if Path(spec).expanduser().exists():
        return f"local folder {folder}", _card_licence(folder)
    return f"hub:{spec}", _card_licence(folder)
