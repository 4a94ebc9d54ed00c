"""Where the time of `seaforge build` goes: each stage of the default build (or any recipe), timed.

Runs the build into a fresh folder (or reads one already built with ``--read``), then prints each
stage's seconds and share of the total, and the total as a ratio of the 15-minute budget the
embedded default must meet on 2 CPU cores (issue 11). Install time and the one-off model pull
(`seaforge models pull gemma3-270m`) are not part of the build.

    .venv/bin/python bench/bench_build.py                       # the embedded default, real Gemma 3 270M
    .venv/bin/python bench/bench_build.py --read runs/sea-gemma3-270m
    .venv/bin/python bench/bench_build.py RECIPE.yaml --set cpt.train.steps=4
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BUDGET_S = 15 * 60


def stage_times(out: Path) -> list[tuple[str, float, str]]:
    """(stage, seconds, status) from the build's stage records, in build order."""
    build = json.loads((out / "build.json").read_text(encoding="utf-8"))
    return [(row["name"], float(row.get("seconds") or 0.0), row["status"]) for row in build["stages"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", nargs="?", help="Build recipe (default: the embedded default).")
    parser.add_argument("--set", action="append", default=[], help="Recipe override (repeatable).")
    parser.add_argument("--read", type=Path, help="Report on a finished build folder instead of building.")
    args = parser.parse_args()

    out = args.read
    wall = None
    if out is None:
        from seaforge.build.recipe import load_build_recipe
        from seaforge.build.runner import run_build

        recipe = load_build_recipe(args.recipe, args.set)
        out = Path(tempfile.mkdtemp(prefix="bench-build-")) / recipe.name
        started = time.perf_counter()
        run_build(recipe, out, args.recipe or "embedded default", args.set)
        wall = time.perf_counter() - started
    rows = stage_times(out)
    total = sum(seconds for _, seconds, _ in rows)
    print(f"\nbuild {out}: {len(rows)} stages, {os.cpu_count()} CPU cores")
    print(f"{'stage':<10} {'status':<8} {'seconds':>8} {'share':>7}")
    for name, seconds, status in rows:
        print(f"{name:<10} {status:<8} {seconds:>8.1f} {seconds / total:>7.1%}")
    print(f"{'total':<10} {'':<8} {total:>8.1f}")
    if wall is not None:
        print(f"wall clock (including recipe checks and planning): {wall:.1f} s")
    print(f"total / 15-minute budget: {total / BUDGET_S:.2f}x")


if __name__ == "__main__":
    main()
