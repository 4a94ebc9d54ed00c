"""The `seaforge` command: one sub-command group per area, and the one place user errors are reported."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from seaforge import __version__

AREAS = {
    "text": "Southeast Asian text layer: languages, normalization, segmentation, language ID, PII.",
    "data": "Corpus curation: filter, dedup, decontaminate, mix, tokenise and pack.",
    "tokenizer": "Tokenizer fertility and cost reports, training and vocabulary extension.",
    "train": "Continued pretraining, instruction tuning, preference alignment, LoRA.",
    "eval": "SEA-HELM style holistic evaluation of local models and endpoints.",
    "models": "Real base models offline: pull, GGUF import and export, vocabulary trimming.",
    "guard": "Safety moderation: country policies, rules, fast and generative classifiers, evaluation.",
    "speech": "Speech recognition: Whisper with language choice checked by text language ID.",
    "serve": "OpenAI-compatible server (`seaforge serve MODEL...`): guardrails, keys, limits, metering, playground.",
    "arena": "Human preference arena for language teams: battles, votes, leaderboard, training-data export.",
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
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
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


def _register_build() -> None:
    from seaforge.build.cli import build

    app.command("build")(build)


_register_build()


def _fail(message: str, code: int = 2) -> int:
    """One `error:` line: a message listing several problems is joined with "; "."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    print(f"error: {'; '.join(lines) or '(no message)'}", file=sys.stderr)
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: user mistakes are one `error:` line on stderr and
    exit 2; a traceback only with SEAFORGE_DEBUG=1."""
    from seaforge.errors import UserError

    try:  # typer >= 0.20 vendors its own click; older releases use the click package
        from typer._click.exceptions import ClickException
    except ImportError:
        from click import ClickException
    from seaforge.serve.cli import implied_run

    debug = os.environ.get("SEAFORGE_DEBUG", "") not in ("", "0")
    argv = implied_run(list(sys.argv[1:] if argv is None else argv))
    try:
        result = app(args=argv, standalone_mode=False, prog_name="seaforge")
        if result == 130:  # typer turns Ctrl-C into exit code 130 and returns it
            print("interrupted; rerun the same command to resume", file=sys.stderr)
        return result if isinstance(result, int) else 0
    except typer.Exit as done:
        return done.exit_code
    except ClickException as err:  # usage errors: typer/click already name the option
        if type(err).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
            err.show(file=sys.stderr)
            return err.exit_code
        command = err.ctx.command_path if getattr(err, "ctx", None) is not None else "seaforge"
        return _fail(f"{err.format_message()} (see `{command} --help`)", err.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        print("interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except UserError as err:
        if debug:
            raise
        return _fail(str(err))
    except OSError as err:  # missing file, permission, full disk: name the file, no traceback
        about_a_path = isinstance(err, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError))
        # numpy's ndarray.tofile (GGUF export) reports a full disk as an OSError without errno
        full_disk = err.errno is None and str(err).startswith("Not enough free space")
        if debug or (err.errno is None and not about_a_path and not full_disk):
            raise
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}")
    except Exception as err:
        # safetensors reports a failed write (full disk) as its own error type, not OSError
        if debug or type(err).__name__ != "SafetensorError" or "(os error" not in str(err):
            raise
        return _fail(f"writing safetensors failed: {err}")


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
