"""The report stage: gather every stage's result into OUT/build.json and render the report card."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from seaforge.build.context import StageContext, read_result, write_result
from seaforge.build.recipe import STAGES
from seaforge.io import atomic_write_json


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1)
    except (ValueError, OSError, AttributeError):
        return None


def git_commit() -> str | None:
    """The commit of the seaforge checkout this runs from, when it is one."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def environment() -> dict:
    """Hardware and software this build ran on."""
    import torch
    import transformers

    from seaforge import __version__

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "seaforge": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "ram_gib": _ram_gib(),
        "gpu": gpu,
        "git_commit": git_commit(),
    }


def gather(out: Path, recipe, source: str, overrides: list[str], records: list[dict]) -> dict:
    """build.json: the recipe, environment, stage timings and every stage's result."""
    from seaforge.build.codebase import codebase_size

    build = {
        "name": recipe.name,
        "recipe": recipe.dump(),
        "recipe_source": source,
        "overrides": list(overrides),
        "environment": environment(),
        "stages": records,
        "guard": None,
        "codebase": codebase_size(),
    }
    for stage in STAGES:
        if stage in ("guard", "report"):
            continue
        result = read_result(out, stage)
        if result is not None and stage in recipe.stages():
            build[stage] = result
    return build


def run_report(ctx: StageContext, source: str, overrides: list[str], records: list[dict]) -> dict:
    from seaforge.build.report import write_report

    ctx.progress(0, 2, "gathering results")
    build = gather(ctx.out, ctx.recipe, source, overrides, records)
    atomic_write_json(ctx.out / "build.json", build)
    ctx.progress(1, 2, "rendering the report card")
    md, html = write_report(build, ctx.out)
    ctx.progress(2, 2, "done")
    return write_result(ctx, {"markdown": str(md), "html": str(html), "build_json": str(ctx.out / "build.json")})
