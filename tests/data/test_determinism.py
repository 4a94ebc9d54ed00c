"""The same recipe gives the same output on any machine: the core count only changes the speed."""

import gzip
import os
from pathlib import Path

from seaforge.data.packing import read_packed


def _documents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): gzip.open(p).read() for p in sorted(folder.rglob("*.jsonl.gz"))}


def test_output_is_identical_whatever_the_number_of_cores(tmp_path, monkeypatch, tiny_recipe_factory):
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    outputs = []
    for cores in (1, 3):  # a laptop core and a bigger machine: workers follow the cores, tasks must not
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, n=cores: set(range(n)))
        path = tiny_recipe_factory(tmp_path, name=f"cores{cores}", executor={"kind": "local"})
        recipe = load_recipe(path)
        assert recipe.workers == min(cores, recipe.tasks)
        run_recipe(recipe)
        outputs.append(Path(recipe.output))
    one, three = outputs
    assert _documents(one / "docs") == _documents(three / "docs") != {}
    assert _documents(one / "input") == _documents(three / "input")
    shards = [[(s.file, s.sha256) for s in read_packed(out / "packed", verify=True).shards] for out in outputs]
    assert shards[0] == shards[1] and shards[0]
