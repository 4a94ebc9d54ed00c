"""`seaforge models export MODEL --gguf q8_0,q4_k_m,f16 --out DIR`: GGUF files llama.cpp reads.

One file per type, with the tokenizer and chat template inside, each read back and checked
against the source (``gguf_verify``), a ``verify.json`` and a ``README.md`` model card that carries
the source's licence. The folder appears whole or not at all (``seaforge.io.atomic_dir``).

Q4_K_M follows llama.cpp's recipe (``llama_tensor_get_type``): Q4_K, with Q6_K for the output
layer and for attn_v / ffn_down in the first and last eighth and every third layer between;
a tensor whose rows are not a multiple of 256 falls back to Q5_0 (for Q4_K) or Q8_0 (for Q6_K),
as llama.cpp does. The K-quants are our numpy port (``gguf_kquants``): gguf-py only reads them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import typer

from seaforge.errors import UserError

Q = gguf.GGMLQuantizationType
FILE_TYPES = {
    "f16": gguf.LlamaFileType.MOSTLY_F16,
    "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    "q4_k_m": gguf.LlamaFileType.MOSTLY_Q4_K_M,
}
# llama.cpp's fallback when a row length is not a multiple of the K-quant super-block (256).
K_FALLBACK = {Q.Q4_K: Q.Q5_0, Q.Q6_K: Q.Q8_0}
CHUNK_VALUES = 1 << 22  # quantize big tensors in slices of rows, to bound numpy's temporaries


def parse_types(option: str) -> list[str]:
    names = [name.strip().lower() for name in option.split(",") if name.strip()]
    unknown = [name for name in names if name not in FILE_TYPES]
    if unknown or not names:
        raise UserError(f"--gguf: unknown type {', '.join(unknown) or '(none)'}; choose from {', '.join(FILE_TYPES)}")
    return list(dict.fromkeys(names))


def _more_bits(layer: int, layers: int) -> bool:
    """llama.cpp's use_more_bits: first and last eighth of the layers, and every third between."""
    return layer < layers // 8 or layer >= 7 * layers // 8 or (layer - layers // 8) % 3 == 2


def tensor_type(name: str, shape: tuple[int, ...], file_type: str, layers: int, has_output: bool) -> Q:
    """The GGML type llama.cpp would give this tensor in a file of ``file_type``."""
    if len(shape) < 2 or not name.endswith(".weight"):
        return Q.F32  # norms and biases: small, and precision-sensitive
    row = shape[-1]
    if file_type == "f16":
        return Q.F16
    if file_type == "q8_0":
        return Q.Q8_0 if row % 32 == 0 else Q.F16
    match = re.match(r"blk\.(\d+)\.", name)
    layer = int(match.group(1)) if match else -1
    if name == "output.weight" or (name == "token_embd.weight" and not has_output):
        chosen = Q.Q6_K
    elif name.endswith(("attn_v.weight", "ffn_down.weight")) and _more_bits(layer, layers):
        chosen = Q.Q6_K
    else:
        chosen = Q.Q4_K
    if row % 256:
        chosen = K_FALLBACK[chosen]
    if chosen in (Q.Q5_0, Q.Q8_0) and row % 32:
        return Q.F16
    return chosen


def quantize(data: np.ndarray, qtype: Q) -> np.ndarray:
    from gguf.quants import quantize as gguf_quantize

    from seaforge.models.gguf_kquants import quantize_q4_k, quantize_q6_k

    if qtype == Q.F32:
        return data.astype(np.float32)
    if qtype == Q.F16:
        return data.astype(np.float16)
    encode = {Q.Q4_K: quantize_q4_k, Q.Q6_K: quantize_q6_k}.get(qtype, lambda rows: gguf_quantize(rows, qtype))
    rows = data.reshape(-1, data.shape[-1])
    step = max(1, CHUNK_VALUES // rows.shape[1])
    packed = np.concatenate([encode(rows[i : i + step]) for i in range(0, rows.shape[0], step)])
    return packed.reshape(*data.shape[:-1], packed.shape[-1])


@dataclass
class Source:
    spec: str  # what the user typed
    folder: Path
    config: object
    tokenizer: object
    name: str
    license: str | None
    license_link: str | None
    base_model: str | None  # a hub id, from the card's front matter or the model argument


def _local_folder(spec: str) -> Path:
    from seaforge.models.resolve import resolve_model

    resolved = resolve_model(spec)
    if Path(resolved).is_dir():
        return Path(resolved)
    if Path(resolved).exists():
        raise UserError(f"{resolved}: GGUF export needs a model folder (config.json, safetensors, tokenizer)")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(resolved))
    except Exception as err:  # noqa: BLE001 - offline, gated or missing: one line names the model
        raise UserError(f"{spec}: cannot download from the hub ({type(err).__name__})") from None


def read_card(folder: Path) -> dict:
    """The YAML front matter of the folder's README.md model card (``license:``, ``base_model:``
    ...), or {} when there is none or it does not parse (the card is not ours to validate)."""
    import yaml

    card = folder / "README.md"
    if not card.is_file():
        return {}
    text = card.read_text(encoding="utf-8", errors="replace")
    match = re.match(r"---\r?\n(.*?)\r?\n---", text, flags=re.DOTALL)
    if not match:
        return {}
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return front if isinstance(front, dict) else {}


def load_source(spec: str) -> Source:
    from transformers import AutoConfig, AutoTokenizer

    from seaforge.models.gguf_arch import arch_spec

    folder = _local_folder(spec)
    if not (folder / "config.json").is_file():
        raise UserError(f"{folder}: no config.json; not a Hugging Face model folder")
    config = AutoConfig.from_pretrained(str(folder))
    arch_spec(config)  # an unsupported architecture fails before any other work
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if not getattr(tokenizer, "is_fast", False):
        raise UserError(f"{folder}: GGUF export needs a fast tokenizer (tokenizer.json)")
    name = spec.split(":", 1)[1] if spec.startswith("tiny:") else Path(spec.rstrip("/")).name or folder.name
    card = read_card(folder)
    base_model = card.get("base_model")
    if isinstance(base_model, list):
        base_model = base_model[0] if base_model else None
    if base_model is None and _looks_like_hub_id(spec):
        base_model = spec
    return Source(
        spec,
        folder,
        config,
        tokenizer,
        name,
        _text(card.get("license")),
        _text(card.get("license_link")),
        _text(base_model),
    )


def _text(value) -> str | None:
    return str(value) if value not in (None, "") else None


def _looks_like_hub_id(spec: str) -> bool:
    return spec.count("/") == 1 and not spec.startswith((".", "/", "~")) and not Path(spec).exists()


def write_gguf(source: Source, file_type: str, path: Path, vocab) -> dict[str, np.ndarray]:
    """Write one GGUF file; returns the source tensors (GGUF layout, float32) for verification."""
    from seaforge.models.gguf_arch import arch_name, iter_gguf_tensors, write_hparams

    tensors = dict(iter_gguf_tensors(source.folder, source.config))
    layers = source.config.num_hidden_layers
    has_output = "output.weight" in tensors
    writer = gguf.GGUFWriter(str(path), arch_name(source.config))
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(source.name)
    if source.base_model:
        writer.add_source_repo_url(f"https://huggingface.co/{source.base_model}")
    if source.license:
        writer.add_license(source.license)
    if source.license_link:
        writer.add_license_link(source.license_link)
    writer.add_file_type(FILE_TYPES[file_type])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    write_hparams(writer, source.config)
    vocab.write(writer)
    for name, data in tensors.items():
        qtype = tensor_type(name, data.shape, file_type, layers, has_output)
        writer.add_tensor(name, quantize(data, qtype), raw_dtype=qtype)
    try:
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file(progress=False)
    finally:
        writer.close()
    return tensors


def model_card(source: Source, files: list[str], checks: dict) -> str:
    import yaml

    licence = source.license or "not stated in the source model card; check the source before sharing"
    if source.license_link:
        licence += f" ({source.license_link})"
    rows = "\n".join(
        f"| `{name}` | {checks[name]['size_bytes'] / 1e6:.1f} MB | {'passed' if checks[name]['ok'] else 'FAILED'} |"
        for name in files
    )
    front = {
        "license": source.license,
        "license_link": source.license_link,
        "base_model": source.base_model,
        "tags": ["gguf", "seaforge"],
    }
    front_matter = yaml.safe_dump({k: v for k, v in front.items() if v}, sort_keys=False, allow_unicode=True)
    return (
        f"---\n{front_matter}---\n\n"
        f"# {source.name} (GGUF)\n\n"
        f"GGUF export of `{source.spec}` by `seaforge models export`, for llama.cpp and the tools "
        "built on it. The tokenizer and chat template are inside each file.\n\n"
        f"**Licence:** {licence}. These files are derived from the source model and are "
        "under its licence and terms of use.\n\n"
        "| file | size | verification |\n|---|---|---|\n"
        + rows
        + "\n\nVerification (`verify.json`): every tensor read back and compared with the source, "
        "and the tokenizer rebuilt from the file encodes Thai, Burmese, Khmer, Lao, Tamil and "
        "code-switched sentences to the same ids as the source tokenizer.\n"
    )


def export_gguf(
    spec: str,
    types: list[str],
    out: Path,
    overwrite: bool = False,
    llama_cpp: bool = True,
    progress=print,
    name: str | None = None,
) -> dict:
    """Export ``spec`` to one GGUF per type in ``out`` (files named ``<name>-<type>.gguf``, by default
    after the model); returns the verification report."""
    from seaforge.io import OutputExistsError, atomic_dir, atomic_write_json, atomic_write_text, check_writable
    from seaforge.models import gguf_verify
    from seaforge.models.gguf_vocab import build_vocab

    out = Path(out)
    check_writable(out)
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} exists; pass --overwrite to replace it")
    source = load_source(spec)
    vocab = build_vocab(source.folder, source.tokenizer, source.config.vocab_size)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name or source.name).strip("-") or "model"
    report = {
        "source": spec,
        "source_folder": str(source.folder),
        "license": source.license,
        "architecture": source.config.model_type,
        "files": {},
    }
    with atomic_dir(out, overwrite=overwrite) as tmp:
        first_fields, reference = None, None
        for file_type in types:
            name = f"{stem}-{file_type}.gguf"
            path = tmp / name
            started = time.perf_counter()
            tensors = write_gguf(source, file_type, path, vocab)
            written = time.perf_counter() - started
            reader = gguf.GGUFReader(str(path))
            check = gguf_verify.FileCheck(name, path.stat().st_size, tensors=gguf_verify.check_tensors(reader, tensors))
            fields = gguf_verify.tokenizer_fields(reader)
            del reader, tensors
            if first_fields is None:  # the tokenizer is the same in every file: rebuild it once
                check.tokenizer = gguf_verify.check_tokenizer(source.folder, path, source.tokenizer)
                first_fields, first_result = fields, check.tokenizer
            else:
                same = _same_fields(fields, first_fields)
                check.tokenizer = dict(
                    first_result,
                    ok=first_result["ok"] and same,
                    checked_with=f"identical tokenizer metadata to {types[0]}: {same}",
                )
            if llama_cpp and gguf_verify.llama_cpp_available():
                if reference is None:
                    reference = gguf_verify.source_reference(source.folder, source.tokenizer)
                check.llama_cpp = gguf_verify.check_with_llama_cpp(
                    path, reference, source.tokenizer, gguf_verify.LOGPROB_TOLERANCE[file_type]
                )
            elif llama_cpp:
                check.llama_cpp = {
                    "ok": True,
                    "skipped": "llama-cpp-python is not installed (pip install 'seaforge[llamacpp]')",
                }
            entry = check.to_json()
            verify_seconds = time.perf_counter() - started - written
            entry.update(write_seconds=round(written, 2), verify_seconds=round(verify_seconds, 2))
            report["files"][name] = entry
            progress(f"{name}: {entry['size_bytes'] / 1e6:.1f} MB, {'verified' if check.ok else 'FAILED verification'}")
        report["ok"] = all(entry["ok"] for entry in report["files"].values())
        atomic_write_json(tmp / "verify.json", report)
        atomic_write_text(tmp / "README.md", model_card(source, list(report["files"]), report["files"]))
    return report


def _same_fields(left: dict, right: dict) -> bool:
    if left.keys() != right.keys():
        return False
    return all(
        np.array_equal(np.asarray(left[k], dtype=object), np.asarray(right[k], dtype=object))
        if isinstance(left[k], list)
        else left[k] == right[k]
        for k in left
    )


def print_report(report: dict, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"GGUF export of {report['source']} -> {out}")
    for column in ("file", "size", "tensors", "worst rel. error by type", "tokenizer", "llama.cpp", "ok"):
        table.add_column(column)
    for name, entry in report["files"].items():
        worst = ", ".join(f"{t} {e:.2%}" for t, e in sorted(entry["tensors"]["worst_rel_error_by_type"].items()))
        tok = entry["tokenizer"]
        tok_text = f"{tok['sentences'] - len(tok['mismatches'])}/{tok['sentences']} same ids"
        cpp = entry["llama_cpp"]
        if not cpp:
            cpp_text = "-"
        elif "skipped" in cpp:
            cpp_text = "skipped: not installed"
        else:
            cpp_text = (
                f"mean |dlogp| {cpp['mean_abs_logprob_diff']:.3f} (tol {cpp['logprob_tolerance']}), "
                f"max {cpp['max_abs_logprob_diff']:.2f}, greedy same {cpp['greedy_same']}"
            )
        failed = len(entry["tensors"]["failed"])
        table.add_row(
            name,
            f"{entry['size_bytes'] / 1e6:.1f} MB",
            f"{entry['tensors']['count'] - failed}/{entry['tensors']['count']}",
            worst,
            tok_text,
            cpp_text,
            "[green]yes[/green]" if entry["ok"] else "[red]NO[/red]",
        )
    Console().print(table)


def export_command(
    model: str = typer.Argument(..., help="Model to export: registered name, folder, .gguf, hub id or tiny:<arch>."),
    gguf_types: str = typer.Option("q8_0", "--gguf", help="Comma-separated types: f16, q8_0, q4_k_m."),
    out: Path = typer.Option(..., "--out", help="Folder for the GGUF files, verify.json and README.md."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it exists."),
    no_llama_cpp: bool = typer.Option(
        False, "--no-llama-cpp", help="Skip the llama.cpp comparison even if llama-cpp-python is installed."
    ),
) -> None:
    """Export MODEL to GGUF files that llama.cpp reads, tokenizer and chat template inside, verified."""
    import sys

    types = parse_types(gguf_types)
    report = export_gguf(
        model,
        types,
        out,
        overwrite=overwrite,
        llama_cpp=not no_llama_cpp,
        progress=lambda line: print(line, file=sys.stderr),
    )
    print_report(report, out)
    if not report["ok"]:
        print(f"error: verification failed; see {out / 'verify.json'}", file=sys.stderr)
        raise typer.Exit(1)
    print(f"wrote {', '.join(report['files'])} to {out}")
