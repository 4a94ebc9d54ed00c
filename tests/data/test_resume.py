import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from seaforge.data.packing import read_packed


def _tree(folder: Path) -> dict[str, bytes]:
    import gzip

    return {str(p.relative_to(folder)): gzip.open(p).read() for p in sorted(folder.rglob("*.jsonl.gz"))}


def test_killed_run_resumes_to_identical_output(tmp_path, small_corpus, finished_run, recipe_factory):
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    _, _, reference = finished_run
    recipe_path = recipe_factory(tmp_path, small_corpus, tmp_path / "out", keep_rejected=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "seaforge", "data", "run", str(recipe_path)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    marker = tmp_path / "out" / "logs" / "curate" / "completions"
    deadline = time.time() + 90
    while not (marker.is_dir() and any(marker.iterdir())) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes, mid-pipeline
    proc.wait()
    assert not (tmp_path / "out" / "summary.json").exists(), "the run finished before it could be killed"

    run_recipe(load_recipe(recipe_path))
    out = tmp_path / "out"
    assert _tree(out / "docs") == _tree(reference / "docs")
    ours, theirs = read_packed(out / "packed", verify=True), read_packed(reference / "packed")
    assert [(s.file, s.sha256) for s in ours.shards] == [(s.file, s.sha256) for s in theirs.shards]
