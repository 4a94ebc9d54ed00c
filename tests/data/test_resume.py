import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seaforge.data.packing import read_packed


def _tree(folder: Path) -> dict[str, bytes]:
    import gzip

    return {str(p.relative_to(folder)): gzip.open(p).read() for p in sorted(folder.rglob("*.jsonl.gz"))}


def _start_run(recipe_path) -> subprocess.Popen:
    """`seaforge data run RECIPE` in its own session, so the test can kill it (or just its parent)."""
    return subprocess.Popen(
        [sys.executable, "-m", "seaforge", "data", "run", str(recipe_path)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_run_resumes_to_identical_output(tmp_path, small_corpus, finished_run, recipe_factory):
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    _, _, reference = finished_run
    recipe_path = recipe_factory(tmp_path, small_corpus, tmp_path / "out", keep_rejected=True)
    proc = _start_run(recipe_path)
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


def _process(pid: int) -> tuple[int, str] | None:
    """(pid, start time) of a live process, None once it is gone (a zombie is gone: it runs nothing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else (pid, fields[19])


def _descendants(pid: int) -> set[tuple[int, str]]:
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in map(int, (task / "children").read_text().split()):
                    if (proc := _process(child)) is not None:
                        found.add(proc)
                        todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux (/proc, PR_SET_PDEATHSIG)")
def test_killing_only_the_parent_takes_its_workers_with_it_and_a_rerun_completes(
    tmp_path, small_corpus, finished_run, recipe_factory
):
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    _, _, reference = finished_run
    recipe_path = recipe_factory(tmp_path, small_corpus, tmp_path / "out", keep_rejected=True)
    proc = _start_run(recipe_path)
    try:
        children: set = set()
        deadline = time.time() + 90
        while len(children) < 3 and time.time() < deadline and proc.poll() is None:
            children = _descendants(proc.pid)  # mid-stage: datatrove's Manager and 2 pool workers
            time.sleep(0.01)
        children |= _descendants(proc.pid)
        assert len(children) >= 3, "the run ended before its worker processes could be seen"
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone, not its process group
        proc.wait()
        deadline = time.time() + 10
        while any(_process(pid) == (pid, start) for pid, start in children) and time.time() < deadline:
            time.sleep(0.05)
        assert [pid for pid, start in children if _process(pid) == (pid, start)] == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # should there be survivors, do not leave them running
    assert not (tmp_path / "out" / "summary.json").exists(), "the run finished before it could be killed"

    run_recipe(load_recipe(recipe_path))  # the same command again
    out = tmp_path / "out"
    assert _tree(out / "docs") == _tree(reference / "docs")
    ours, theirs = read_packed(out / "packed", verify=True), read_packed(reference / "packed")
    assert [(s.file, s.sha256) for s in ours.shards] == [(s.file, s.sha256) for s in theirs.shards]
