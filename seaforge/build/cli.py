"""``seaforge build``: the main job, from a real base model to an evaluated, exported model.

Errors are not caught here: a ``UserError`` goes up to ``seaforge.cli.run`` (one ``error:`` line).
"""

from __future__ import annotations

from pathlib import Path

import typer

SET_HELP = "Override a recipe field, e.g. --set cpt.train.steps=10 --set data.inputs=my/corpus (repeatable)."


def build(
    recipe: Path = typer.Argument(None, help="Build recipe (YAML); default: the embedded Gemma 3 270M recipe."),
    out: Path = typer.Option(None, "--out", "-o", help="Output folder; default: runs/<recipe name>."),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    until: str = typer.Option(None, "--until", help="Stop after this stage."),
    from_stage: str = typer.Option(None, "--from", help="Rerun from this stage on, even if cached."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan (what is cached) and estimates; run nothing."),
) -> None:
    """Build a SEA model: base -> data -> tokenizer -> CPT -> SFT -> eval -> export -> report card.

    Finished stages are cached by a hash of their config and inputs: a rerun skips them, a changed
    config reruns that stage and the ones after it, and a killed build resumes where it stopped.
    """
    from seaforge.build.recipe import load_build_recipe
    from seaforge.build.runner import run_build

    parsed = load_build_recipe(recipe, set_)
    source = str(recipe) if recipe is not None else "embedded default"
    run_build(parsed, out or Path("runs") / parsed.name, source, set_, until, from_stage, dry_run)
