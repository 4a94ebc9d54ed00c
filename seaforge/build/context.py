"""What a stage function gets: the recipe, its folder, its log and a way to report progress."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from seaforge.build.recipe import STAGES, BuildRecipe
from seaforge.io import atomic_write_json

RESULT = "result.json"
# Stages that produce a model, latest first: the "result" is the newest one that ran.
PRODUCERS = ("merge", "dpo", "sft", "cpt", "tokenizer", "model")
ROLE_STAGE = {"base": "model", "trimmed": "tokenizer", "cpt": "cpt", "sft": "sft", "dpo": "dpo", "merge": "merge"}


@dataclass
class StageContext:
    recipe: BuildRecipe
    out: Path
    name: str
    console: Console  # writes to the stage's log file
    progress: Callable[[float | None, float | None, str], None]  # (completed, total, info)

    @property
    def dir(self) -> Path:
        return stage_dir(self.out, self.name)

    @property
    def config(self):
        return getattr(self.recipe, self.name)

    def result(self, stage: str) -> dict | None:
        return read_result(self.out, stage)

    def model(self, role: str) -> str | None:
        return model_for(self.out, role, self.name)

    def current_model(self) -> str:
        """The newest model an earlier stage produced (what this stage starts from)."""
        return model_for(self.out, "result", self.name)

    def log(self, message: str) -> None:
        self.console.print(message)


def stage_dir(out: Path, name: str) -> Path:
    return Path(out) / "stages" / name


def read_result(out: Path, stage: str) -> dict | None:
    path = stage_dir(out, stage) / RESULT
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_result(ctx: StageContext, result: dict) -> dict:
    atomic_write_json(ctx.dir / RESULT, result)
    return result


def model_for(out: Path, role: str, before: str) -> str | None:
    """The folder (or spec) of the model in ``role`` (base, trimmed, cpt, ..., result) made by a
    stage before ``before``; later stages' folders may hold results of an older recipe."""
    stages = PRODUCERS if role == "result" else (ROLE_STAGE[role],)
    for stage in stages:
        if STAGES.index(stage) >= STAGES.index(before):
            continue
        result = read_result(out, stage)
        if result and result.get("model_path"):
            return result["model_path"]
    return None
