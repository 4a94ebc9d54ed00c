"""`seaforge models`: list, pull, import, export, trim and inspect real base models."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from seaforge.models.gguf_export import export_command
from seaforge.models.trim import trim_command

app = typer.Typer(no_args_is_help=True, add_completion=False)

# export and trim live beside the code they drive; list/pull/import/info are defined below.
app.command("export")(export_command)
app.command("trim")(trim_command)

status = Console(stderr=True, emoji=False, soft_wrap=True)


def _size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if num_bytes < 1000 or unit == "GB":
            return f"{num_bytes:.0f} {unit}" if unit == "B" else f"{num_bytes:.1f} {unit}"
        num_bytes /= 1000
    return f"{num_bytes:.1f} GB"


def _millions(count: int | None) -> str:
    return "-" if count is None else f"{count / 1e6:.1f}M"


def list_models() -> list[dict]:
    """One row per registered model: package installed?, pulled?, size on disk, licence."""
    from seaforge.models import registry
    from seaforge.models.info import folder_size

    rows = []
    for entry in registry.MODELS.values():
        folder = registry.model_dir(entry.name)
        pulled = registry.is_pulled(entry.name)
        rows.append(
            {
                "name": entry.name,
                "description": entry.description,
                "base_model": entry.base_model,
                "package": entry.package,
                "installed": registry.package_installed(entry),
                "pulled": pulled,
                "path": str(folder) if pulled else None,
                "size_bytes": folder_size(folder) if pulled else None,
                "licence": entry.licence,
                "licence_url": entry.licence_url,
            }
        )
    rows.extend(_imported_models())
    return rows


def _imported_models() -> list[dict]:
    """Finished `seaforge models import` conversions in the cache, named by their folder."""
    from seaforge.models.gguf_import import is_converted, read_manifest
    from seaforge.models.info import folder_size
    from seaforge.models.registry import models_dir

    rows = []
    for folder in sorted(models_dir().glob("gguf-*")) if models_dir().is_dir() else []:
        if not is_converted(folder):
            continue
        manifest = read_manifest(folder) or {}
        rows.append(
            {
                "name": str(folder),  # what a command takes to use it
                "description": f"imported from {manifest.get('gguf_file') or 'a GGUF file'}",
                "base_model": manifest.get("base_model") or manifest.get("architecture") or "?",
                "package": None,
                "installed": None,
                "pulled": True,
                "path": str(folder),
                "size_bytes": folder_size(folder),
                "licence": manifest.get("licence") or "unknown",
                "licence_url": manifest.get("licence_url"),
            }
        )
    return rows


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
) -> None:
    """The registered models (package installed? pulled?) and imported GGUF conversions, with size and licence."""
    from seaforge.models.registry import models_dir

    rows = list_models()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"seaforge models (cache: {models_dir()})")
    for column in ("name", "base model", "package", "installed", "pulled", "size", "licence"):
        table.add_column(column, no_wrap=column == "name")
    for row in rows:
        table.add_row(
            row["name"],
            row["base_model"],
            row["package"] or "(imported)",
            {True: "yes", False: "no", None: "-"}[row["installed"]],
            "yes" if row["pulled"] else "no",
            _size(row["size_bytes"]),
            row["licence"],
        )
    Console(emoji=False).print(table)


@app.command("pull")
def pull_command(
    name: str = typer.Argument(..., help="A registered model name (see `seaforge models list`)."),
) -> None:
    """Install or find NAME's package, verify its GGUF and convert it once into a Hugging Face folder."""
    from seaforge.models.registry import pull

    result = pull(name, log=lambda message: status.print(message, markup=False))
    if result.converted:
        typer.echo(f"{result.name}: pulled into {result.path} in {result.seconds:.0f} s")
    else:
        typer.echo(f"{result.name}: already pulled: {result.path}")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="A .gguf file of an architecture transformers reads."),
    out: Path | None = typer.Option(None, "--out", help="Write the Hugging Face folder here instead of the cache."),
) -> None:
    """Convert a GGUF file once into a Hugging Face folder (safetensors, tokenizer, configs, model card)."""
    import time

    from seaforge.models.gguf_import import import_gguf

    started = time.perf_counter()
    folder = import_gguf(file, out=out)
    typer.echo(f"{file}: imported into {folder} ({time.perf_counter() - started:.0f} s)")


def speech_model_info(name: str) -> dict:
    """Facts about a registered speech model (a CTranslate2 folder): no weights are loaded, nothing is pulled."""
    from seaforge.models import registry
    from seaforge.models.info import folder_size

    entry = registry.get_entry(name)
    folder = registry.model_dir(name)
    pulled = registry.is_pulled(name)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8")) if pulled else {}
    return {
        "name": name,
        "kind": entry.kind,
        "path": str(folder),
        "pulled": pulled,
        "description": entry.description,
        "base_model": entry.base_model,
        "languages": len(config.get("lang_ids", [])) if pulled else None,
        "size_bytes": folder_size(folder) if pulled else None,
        "source": ", ".join(f"pypi:{p}" for p in [entry.package, *(p for p, _ in entry.more_packages)]),
        "licence": entry.licence,
        "licence_url": entry.licence_url,
        "sha256": entry.sha256,
    }


@app.command("info")
def info_command(
    model: str = typer.Argument(..., help="Registered name, .gguf file, folder, hub id or tiny:<arch>."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Architecture, parameters, vocabulary, source and licence of MODEL (no weights are loaded)."""
    from seaforge.models.info import model_info
    from seaforge.models.registry import MODELS

    speech = model in MODELS and MODELS[model].kind != "gguf"
    facts = speech_model_info(model) if speech else model_info(model)
    if as_json:
        typer.echo(json.dumps(facts, ensure_ascii=False, indent=2))
        return
    shown = dict(facts)
    if not speech:
        shown["parameters"] = _millions(facts["parameters"])
        shown["embedding_parameters"] = _millions(facts["embedding_parameters"])
    shown["size_bytes"] = _size(facts["size_bytes"])
    table = Table(show_header=False, title=model)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in shown.items():
        table.add_row(key, "-" if value is None else str(value))
    Console(emoji=False).print(table)
