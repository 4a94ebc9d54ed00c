"""GGUF file -> Hugging Face folder (safetensors, tokenizer, config, generation config, model card).

transformers reads a GGUF with `from_pretrained(dir, gguf_file=...)` but refuses to save a model
loaded that way, so we build a fresh model from its config, copy the dequantised weights in and
save that. The folder is written through `atomic_dir` under a file lock: a kill, a full disk or a
second process pulling at the same time never leaves a half-written folder in the cache.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError

from seaforge.errors import UserError
from seaforge.io import atomic_dir, atomic_write_json, atomic_write_text, check_writable

if TYPE_CHECKING:
    from seaforge.models.registry import ModelEntry

GGUF_MAGIC = b"GGUF"
MANIFEST = "seaforge-model.json"
# Bump when what a conversion writes changes, so folders made the old way are converted again.
CONVERSION_FORMAT = 1
# GGUF architectures transformers reads but that are not causal language models.
NOT_CAUSAL_LM = {"t5", "t5encoder", "umt5"}
# llama.cpp architecture names that transformers files under another name (see its GGUF loader).
GGUF_ARCH_ALIASES = {"qwen2moe": "qwen2_moe", "qwen3moe": "qwen3_moe", "gpt-oss": "gpt_oss", "minimax-m2": "minimax_m2"}


class GGUFError(UserError):
    """A GGUF file we cannot convert: not a GGUF, truncated, corrupt or of an unsupported architecture."""


@dataclass
class GGUFHeader:
    path: Path
    architecture: str
    name: str | None
    licence: str | None
    tensor_count: int
    head_dim: int | None = None  # `{arch}.attention.key_length`, which transformers does not read


def supported_architectures() -> list[str]:
    """GGUF architectures that transformers converts into a causal language model."""
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

    return sorted(a for a in GGUF_SUPPORTED_ARCHITECTURES if a not in NOT_CAUSAL_LM)


def _field(reader, key: str):
    field = reader.fields.get(key)
    if field is None:
        return None
    try:
        return field.contents()
    except Exception:  # noqa: BLE001 - an unreadable optional field is treated as absent
        return None


def check_magic(path: Path) -> None:
    """A GGUFError unless `path` is a file that starts like a GGUF (cheap: reads four bytes)."""
    if not path.exists():
        raise GGUFError(f"{path}: no such GGUF file")
    if not path.is_file():
        raise GGUFError(f"{path}: is a folder, expected a .gguf file")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise GGUFError(f"{path}: not a GGUF file (it starts with {magic!r}, a GGUF starts with {GGUF_MAGIC!r})")


def read_header(path: str | os.PathLike) -> GGUFHeader:
    """Check that `path` is a whole GGUF of an architecture we convert; a GGUFError naming it if not."""
    path = Path(path)
    check_magic(path)
    from gguf import GGUFReader

    try:
        reader = GGUFReader(path)
    except Exception as err:  # noqa: BLE001 - the reader raises many kinds on bad bytes; all mean corrupt
        raise GGUFError(f"{path}: corrupt or truncated GGUF file ({type(err).__name__}: {err})") from None
    size = path.stat().st_size
    for tensor in reader.tensors:
        if int(tensor.data_offset) + int(tensor.n_bytes) > size:
            raise GGUFError(
                f"{path}: truncated GGUF file: tensor {tensor.name} ends at byte "
                f"{int(tensor.data_offset) + int(tensor.n_bytes)} but the file has {size} bytes"
            )
    architecture = _field(reader, "general.architecture")
    if not isinstance(architecture, str) or not architecture:
        raise GGUFError(f"{path}: corrupt GGUF file: no general.architecture field")
    supported = supported_architectures()
    if GGUF_ARCH_ALIASES.get(architecture, architecture) not in supported:
        raise GGUFError(
            f"{path}: architecture {architecture!r} is not supported: transformers converts "
            f"GGUF causal language models of these architectures: {', '.join(supported)}"
        )
    name = _field(reader, "general.name")
    licence = _field(reader, "general.license")
    key_length = _field(reader, f"{architecture}.attention.key_length")
    return GGUFHeader(
        path,
        architecture,
        name if isinstance(name, str) else None,
        licence if isinstance(licence, str) else None,
        len(reader.tensors),
        key_length if isinstance(key_length, int) else None,
    )


def is_converted(folder: str | os.PathLike) -> bool:
    """True for a finished conversion of today's format (the manifest is written last, inside the
    atomic folder, so a folder that has one is complete)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        return False
    manifest = read_manifest(folder)
    return manifest is not None and manifest.get("format") == CONVERSION_FORMAT


def read_manifest(folder: str | os.PathLike) -> dict | None:
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def cache_lock(key: str) -> Iterator[None]:
    """An exclusive lock shared by every seaforge process on this machine, so a model converts once."""
    from seaforge.models.registry import models_home

    lock_dir = models_home() / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{key}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def default_import_dir(sha256: str) -> Path:
    from seaforge.models.registry import models_dir

    return models_dir() / f"gguf-{sha256[:16]}"


def import_gguf(path: str | os.PathLike, out: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Convert the GGUF at `path` into a Hugging Face folder once and return the folder.

    Without `out` the folder lives in the cache, keyed by the file's sha256, so importing the same
    file again (under any name) returns at once. With `out` an existing folder is only accepted when
    it holds a conversion of the same file.
    """
    from seaforge.models.registry import entry_for_sha256, sha256_file

    path = Path(path).expanduser()
    check_magic(path)
    sha = sha256_file(path)
    target = Path(out).expanduser() if out is not None else default_import_dir(sha)
    if _holds(target, sha):  # converted before: no need to even parse the file
        return target
    header = read_header(path)
    # A registered model's own file gets its licence, base model and chat template in the card.
    entry = entry_for_sha256(sha)
    if out is not None and target.exists():
        raise UserError(f"{target} exists and is not a conversion of {path}; choose another --out or remove it")
    with cache_lock(f"gguf-{sha[:16]}"):
        if _holds(target, sha):
            return target
        convert_gguf(
            path, target, sha256=sha, source=f"file:{path.resolve()}", entry=entry, header=header, progress=progress
        )
    return target


def _holds(folder: Path, sha256: str) -> bool:
    return is_converted(folder) and read_manifest(folder).get("sha256") == sha256


def convert_gguf(
    path: Path,
    out: Path,
    sha256: str,
    source: str,
    entry: ModelEntry | None = None,
    header: GGUFHeader | None = None,
    progress: bool = True,
) -> Path:
    """Dequantise GGUF `path` and write a complete Hugging Face folder at `out` (replacing it whole)."""
    header = header or read_header(path)
    check_writable(out)
    _remove_killed_attempts(out)
    stages = _Stages(entry.name if entry else path.name, enabled=progress)
    started = time.perf_counter()
    try:
        with atomic_dir(out) as tmp, _quiet_transformers(stages):
            with stages.stage("converting the tokenizer"):
                tokenizer = _load_tokenizer(path)
                template_source = _chat_template_source(tokenizer, entry)
            with stages.stage("dequantising the weights"):
                model = _load_model(path, header.head_dim)
            with stages.stage("saving safetensors, tokenizer and configs"):
                _save_weights(model, tmp)
                _save_tokenizer(tokenizer, model, tmp, entry)
            manifest = {
                "format": CONVERSION_FORMAT,
                "name": entry.name if entry and out.name == entry.name else header.name or path.stem,
                "source": source,
                "gguf_file": path.name,
                "sha256": sha256,
                "architecture": model.config.architectures[0] if model.config.architectures else None,
                "gguf_architecture": header.architecture,
                "dtype": str(model.dtype).removeprefix("torch."),
                "licence": entry.licence if entry else header.licence,
                "licence_url": entry.licence_url if entry else None,
                "base_model": entry.base_model if entry else None,
                "chat_template": template_source,
                "convert_seconds": round(time.perf_counter() - started, 1),
            }
            atomic_write_text(tmp / "README.md", model_card(manifest))
            _respect_umask(tmp)
            atomic_write_json(tmp / MANIFEST, manifest)  # last: its presence marks a finished folder
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise UserError(
                f"{path}: converting into {out} failed: {err.strerror or err}; nothing was left behind in {out.parent}"
            ) from None
        raise
    except GGUFError:
        raise
    except SafetensorError as err:
        # safetensors reports a failed write as its own error, not OSError: "... (os error 28)"
        raise UserError(
            f"{path}: converting into {out} failed: {err}; nothing was left behind in {out.parent}"
        ) from None
    except (ValueError, KeyError, RuntimeError) as err:
        # transformers raises these for GGUFs whose metadata or tensors it cannot map.
        raise GGUFError(f"{path}: transformers could not convert this GGUF ({type(err).__name__}: {err})") from None
    stages.done(f"{out} ({time.perf_counter() - started:.0f} s)")
    return out


def _remove_killed_attempts(out: Path) -> None:
    """Temp folders of a conversion that was killed; safe to remove because the caller holds the lock."""
    import shutil

    if out.parent.is_dir():
        for stale in out.parent.glob(f".{out.name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)


def _load_tokenizer(path: Path):
    from transformers import AutoTokenizer

    # An absolute folder, so transformers never mistakes a relative one for a hub id.
    return AutoTokenizer.from_pretrained(str(path.resolve().parent), gguf_file=path.name)


def _load_model(path: Path, head_dim: int | None = None):
    """A plain (savable) model holding the GGUF's dequantised weights, in the dtype they load in."""
    import torch
    from transformers import AutoModelForCausalLM

    folder = str(path.resolve().parent)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=path.name, config=_gguf_config(path, head_dim))
    config = loaded.config
    config.dtype = loaded.dtype
    # The weights are plain tensors now; a leftover gguf quantization_config would make every later
    # from_pretrained of the folder look for the GGUF file again.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    generation_config = loaded.generation_config
    # save_pretrained refuses a GGUF-loaded model: rebuild it from its config and copy the weights.
    # Not on the meta device (buffers such as rotary frequencies are not in the state dict), and without
    # random initialisation (20 s for Gemma here) since strict loading overwrites every weight.
    with _no_init_weights():
        model = AutoModelForCausalLM.from_config(config, dtype=loaded.dtype)
    with torch.no_grad():
        model.load_state_dict(loaded.state_dict(), strict=True)
    # Skipping initialisation also skips tying: tie again, or a tied output layer is saved twice.
    model.tie_weights()
    model.generation_config = generation_config
    model.eval()
    del loaded
    return model


def _gguf_config(path: Path, head_dim: int | None):
    """transformers' config for a GGUF, with the head size the file states: transformers derives it
    as hidden / heads and ignores `{arch}.attention.key_length`, which breaks e.g. Qwen3 (128 != 1024 / 16)."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(path.resolve().parent), gguf_file=path.name)
    text_config = getattr(config, "text_config", None) or config
    if head_dim is not None and hasattr(text_config, "head_dim") and text_config.head_dim != head_dim:
        text_config.head_dim = head_dim
    return config


def _no_init_weights():
    try:  # transformers 5
        from transformers.initialization import no_init_weights
    except ImportError:  # transformers 4
        from transformers.modeling_utils import no_init_weights
    return no_init_weights()


def _save_weights(model, folder: Path) -> None:
    model.save_pretrained(str(folder), safe_serialization=True)


def _respect_umask(folder: Path) -> None:
    """Some writers (safetensors) leave 0600 files; a cached model should be as readable as any file."""
    mask = os.umask(0)
    os.umask(mask)
    for path in folder.iterdir():
        if path.is_file():
            os.chmod(path, 0o666 & ~mask)


def _chat_template_source(tokenizer, entry: ModelEntry | None) -> str | None:
    """Where the folder's chat template comes from; fills in the registry's when the GGUF has none."""
    if getattr(tokenizer, "chat_template", None):
        return "gguf"
    if entry is not None and entry.chat_template:
        tokenizer.chat_template = entry.chat_template
        return f"seaforge registry ({entry.base_model})"
    return None


def _save_tokenizer(tokenizer, model, folder: Path, entry: ModelEntry | None) -> None:
    tokenizer.save_pretrained(str(folder))
    generation = model.generation_config
    eos = generation.eos_token_id if generation.eos_token_id is not None else tokenizer.eos_token_id
    eos_ids = list(eos) if isinstance(eos, list | tuple) else [eos] if eos is not None else []
    # A chat model must stop at the end of its turn, not only at the end of the document.
    for token in entry.end_of_turn_tokens if entry else ():
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id and token_id not in eos_ids:
            eos_ids.append(token_id)
    if eos_ids:
        generation.eos_token_id = eos_ids[0] if len(eos_ids) == 1 else eos_ids
    if generation.pad_token_id is None and tokenizer.pad_token_id is not None:
        generation.pad_token_id = tokenizer.pad_token_id
    generation.save_pretrained(str(folder))


_HF_LICENCE_IDS = {"Apache-2.0": "apache-2.0", "Gemma Terms of Use": "gemma", "MIT": "mit"}


def model_card(manifest: dict) -> str:
    """A Hugging Face model card (README.md) saying what the folder is, where it came from, its licence."""
    licence = manifest.get("licence") or "unknown"
    hf_licence = _HF_LICENCE_IDS.get(licence, licence.lower() if manifest.get("licence") else "unknown")
    front = ["---", f"license: {hf_licence}"]
    if manifest.get("licence_url"):
        front.append(f"license_link: {manifest['licence_url']}")
    if manifest.get("base_model"):
        front.append(f"base_model: {manifest['base_model']}")
    front += ["library_name: transformers", "pipeline_tag: text-generation", "tags:", "- seaforge", "- gguf", "---"]
    body = [
        f"# {manifest['name']}",
        "",
        f"Converted by `seaforge` from the GGUF file `{manifest['gguf_file']}` "
        f"(sha256 `{manifest['sha256']}`, source `{manifest['source']}`).",
        f"The quantised GGUF weights were dequantised to {manifest['dtype']}; the model behaves like the GGUF, "
        "not like the original unquantised checkpoint.",
        "",
        f"Base model: {manifest.get('base_model') or 'see the GGUF metadata'}.",
        _chat_template_line(manifest.get("chat_template")),
        f"Licence: {licence}"
        + (f", {manifest['licence_url']}" if manifest.get("licence_url") else "")
        + ". Using these weights means accepting it.",
        "",
    ]
    return "\n".join(front + [""] + body)


def _chat_template_line(source: str | None) -> str:
    if source is None:
        return "Chat template: none (the GGUF carries none)."
    if source == "gguf":
        return "Chat template: the one in the GGUF."
    return f"Chat template: the GGUF carries none; added from {source}."


@contextmanager
def _quiet_transformers(stages: _Stages) -> Iterator[None]:
    """No tqdm bars or info warnings from transformers: our own progress line says what is happening."""
    import transformers.modeling_gguf_pytorch_utils as gguf_utils
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    # The GGUF loader calls a bare tqdm that ignores disable_progress_bar(); route it to our bar.
    gguf_tqdm = gguf_utils.tqdm
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    gguf_utils.tqdm = lambda iterable, *args, **kwargs: stages.track(iterable)
    try:
        yield
    finally:
        gguf_utils.tqdm = gguf_tqdm
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


class _Stages:
    """A rich progress line per stage on stderr, and a line with its time when it ends."""

    def __init__(self, label: str, enabled: bool = True):
        from rich.console import Console

        self.label = label
        self.enabled = enabled
        self.console = Console(stderr=True)
        self._progress = None
        self._task = None

    @contextmanager
    def stage(self, what: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        started = time.perf_counter()
        if not self.console.is_terminal:  # a log file gets plain lines, not a live bar
            self._say(f"{what} ...")
            yield
            self._say(f"{what}: {time.perf_counter() - started:.0f} s")
            return
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        ) as progress:
            description = f"{self.label}: {what}".replace("[", "\\[")  # a file name is not rich markup
            self._progress, self._task = progress, progress.add_task(description, total=None)
            try:
                yield
            finally:
                self._progress = self._task = None
        self._say(f"{what}: {time.perf_counter() - started:.0f} s")

    def track(self, iterable):
        progress, task = self._progress, self._task
        if progress is None or not hasattr(iterable, "__len__"):
            yield from iterable
            return
        progress.update(task, total=len(iterable))
        for item in iterable:
            yield item
            progress.advance(task)

    def done(self, where: str) -> None:
        if self.enabled:
            self._say(f"converted into {where}")

    def _say(self, message: str) -> None:
        # Plain text: a file name with brackets is not rich markup, and a long path is not wrapped.
        self.console.print(f"{self.label}: {message}", soft_wrap=True, markup=False, highlight=False)
