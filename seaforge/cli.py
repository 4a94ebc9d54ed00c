"""The `seaforge` command: one sub-command group per area, registered when the area exists."""

from __future__ import annotations

import importlib

import typer

from seaforge import __version__

AREAS = {
    "text": "Southeast Asian text layer: languages, normalisation, segmentation, language ID, PII.",
    "data": "Corpus curation: filter, dedup, decontaminate, mix, tokenise and pack.",
    "tokenizer": "Tokenizer fertility and cost reports, training and vocabulary extension.",
    "train": "Continued pretraining, instruction tuning, preference alignment, LoRA.",
    "eval": "SEA-HELM style holistic evaluation of local models and endpoints.",
    "guard": "Safety moderation with per-country policies.",
    "serve": "OpenAI-compatible serving with guardrails, keys and metering.",
    "build": "One recipe from raw text to a served, evaluated model.",
}

app = typer.Typer(
    name="seaforge",
    help="Adapt open-weights LLMs to Southeast Asian languages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"seaforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Adapt open-weights LLMs to Southeast Asian languages."""


def _register_areas() -> None:
    for area, help_text in AREAS.items():
        module_name = f"seaforge.{area}.cli"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            # An area that does not exist yet is simply not registered; a missing
            # dependency inside an existing area is a real error and must surface.
            if err.name in (f"seaforge.{area}", module_name):
                continue
            raise
        app.add_typer(module.app, name=area, help=help_text)
        # Areas may also add top-level commands (e.g. `seaforge merge`).
        if hasattr(module, "register_top_level"):
            module.register_top_level(app)


_register_areas()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
