"""A run's identity (OUTPUT/recipe.json) covers everything that changes its output: the recipe, the
task count and the input files; and the same recipe writes the same bytes."""

import gzip
import json
import os
from pathlib import Path

import pytest

from seaforge.data.recipe import RecipeError, load_recipe

T0 = 1_700_000_000  # a fixed mtime (seconds) for input files, so no test depends on the clock


def _shard(path: Path, n: int, mtime: int = T0) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"{path.stem}-{i}", "text": f"Dokumen nomor {i} dari berkas {path.name}."} for i in range(n)]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row) + "\n" for row in rows)
    os.utime(path, (mtime, mtime))
    return path.stat().st_size


def _recipe(tmp_path: Path, corpus: Path, *overrides: str, **input_fields):
    spec = {"type": "jsonl", "path": str(corpus), "name": "web", **input_fields}
    text = (
        f"name: t\noutput: {tmp_path / 'out'}\nlanguages: [id]\ninputs: [{json.dumps(spec)}]\n"
        "executor: {kind: local, tasks: 2, workers: 1}\n"
    )
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    return load_recipe(tmp_path / "r.yaml", list(overrides))


def _claimed(recipe) -> Path:
    """A run of ``recipe`` as far as its manifest goes (what run_recipe writes before stage 1)."""
    from seaforge.data.pipeline import MANIFEST, claim_output
    from seaforge.io import atomic_write_json

    out = Path(recipe.output)
    out.mkdir(exist_ok=True)
    atomic_write_json(out / MANIFEST, claim_output(recipe))
    return out / MANIFEST


def test_new_changed_or_removed_input_files_are_refused_saying_what_changed(tmp_path):
    from seaforge.data.pipeline import claim_output

    corpus = tmp_path / "web"
    size_a = _shard(corpus / "a.jsonl.gz", 3)
    size_b = _shard(corpus / "b.jsonl.gz", 4)
    recipe = _recipe(tmp_path, corpus)
    manifest = _claimed(recipe)
    recorded = manifest.read_bytes()
    assert json.loads(recorded)["input_files"] == [
        {"name": "web", "files": {"a.jsonl.gz": [size_a, T0], "b.jsonl.gz": [size_b, T0]}}
    ]
    claim_output(recipe)  # nothing changed: resumes

    _shard(corpus / "c.jsonl.gz", 2)
    _shard(corpus / "sub" / "d.jsonl.gz", 2)
    size_a2 = _shard(corpus / "a.jsonl.gz", 7)
    with pytest.raises(RecipeError) as err:
        claim_output(recipe)
    message = str(err.value)
    assert (
        f"input 'web': 2 new files (c.jsonl.gz, sub/d.jsonl.gz), 1 changed (a.jsonl.gz: size {size_a} -> {size_a2})"
        in message
    )
    assert "--restart" in message
    assert manifest.read_bytes() == recorded  # the old run is left untouched

    (corpus / "c.jsonl.gz").unlink()
    (corpus / "sub" / "d.jsonl.gz").unlink()
    (corpus / "b.jsonl.gz").unlink()
    assert _shard(corpus / "a.jsonl.gz", 3, mtime=T0 + 60) == size_a  # rewritten: same size, newer
    with pytest.raises(RecipeError, match=r"1 changed \(a.jsonl.gz: modified, same size\), 1 removed \(b.jsonl.gz\)"):
        claim_output(recipe)

    _shard(corpus / "a.jsonl.gz", 3)
    _shard(corpus / "b.jsonl.gz", 4)
    claim_output(recipe)  # back as recorded (stat only: same sizes and mtimes)
    _shard(corpus / "e.jsonl.gz", 1)
    assert claim_output(recipe, restart=True)["input_files"][0]["files"].keys() == {
        "a.jsonl.gz",
        "b.jsonl.gz",
        "e.jsonl.gz",
    }
    assert not manifest.exists()  # --restart deleted the old run


def test_only_the_files_the_reader_reads_are_recorded_and_synthetic_or_hub_inputs_are_not_listed(tmp_path):
    from seaforge.data.identity import input_files

    corpus = tmp_path / "pq"
    corpus.mkdir()
    (corpus / "a.parquet").write_bytes(b"x")
    (corpus / "README.md").write_text("not read")
    recipe = _recipe(tmp_path, corpus, type="parquet")
    assert list(input_files(recipe)[0]["files"]) == ["a.parquet"]
    recipe = recipe.model_copy(
        update={
            "inputs": [
                recipe.inputs[0].model_copy(update={"type": "synthetic"}),
                recipe.inputs[0].model_copy(update={"type": "hf", "path": "org/dataset", "name": "hub"}),
            ]
        }
    )
    assert input_files(recipe) == [{"name": "web", "synthetic": True}, {"name": "hub", "remote": "org/dataset"}]


def test_a_manifest_from_before_the_file_list_is_still_checked_and_says_so(tmp_path):
    from loguru import logger

    from seaforge.data.pipeline import claim_output

    corpus = tmp_path / "web"
    _shard(corpus / "a.jsonl.gz", 3)
    recipe = _recipe(tmp_path, corpus)
    manifest = _claimed(recipe)
    legacy = {k: v for k, v in json.loads(manifest.read_text()).items() if k not in ("executor_tasks", "input_files")}
    manifest.write_text(json.dumps(legacy))
    os.utime(manifest, (T0 + 100, T0 + 100))  # the run started after the input was written
    (manifest.parent / "logs" / "curate").mkdir(parents=True)
    (manifest.parent / "logs" / "curate" / "executor.json").write_text(json.dumps({"world_size": 2, "tasks": 2}))

    messages = []
    handler = logger.add(messages.append, level="WARNING")
    try:
        claim_output(recipe)
    finally:
        logger.remove(handler)
    assert any("predates the input file list" in str(m) for m in messages)
    with pytest.raises(RecipeError, match=r"executor.tasks=2, not 3 \(per logs/curate/executor.json"):
        claim_output(_recipe(tmp_path, corpus, "executor.tasks=3"))
    _shard(corpus / "b.jsonl.gz", 1, mtime=T0 + 200)
    with pytest.raises(RecipeError, match=r"1 file added or changed since the run started \(b.jsonl.gz\)"):
        claim_output(recipe)


def test_a_different_task_count_is_refused_whichever_flag_sets_it(capsys, tmp_path):
    from seaforge.cli import run

    corpus = tmp_path / "web"
    _shard(corpus / "a.jsonl.gz", 3)
    manifest = _claimed(_recipe(tmp_path, corpus))
    recorded = manifest.read_bytes()
    for flags in (["--tasks", "3"], ["--set", "executor.tasks=3"]):
        code = run(["data", "run", str(tmp_path / "r.yaml"), *flags])
        err = capsys.readouterr().err
        assert code == 2 and "executor.tasks=2, not 3" in err, err
    assert manifest.read_bytes() == recorded
    assert sorted(p.name for p in manifest.parent.iterdir()) == ["recipe.json"]  # no stage ran


def test_a_wrong_text_key_is_named_before_any_stage(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from seaforge.data.pipeline import check_recipe

    corpus = tmp_path / "web"
    corpus.mkdir()
    with gzip.open(corpus / "a.jsonl.gz", "wt") as fh:
        fh.writelines(json.dumps({"content": "Halo dunia", "url": "u", "id": i}) + "\n" for i in range(5))
    with pytest.raises(RecipeError) as err:
        check_recipe(_recipe(tmp_path, corpus))
    assert str(err.value) == (
        "input 'web': no record in a.jsonl.gz has 'text' (the first 5 records have keys: content, url, id); "
        "set inputs.0.text_key"
    )
    check_recipe(_recipe(tmp_path, corpus, text_key="content"))
    (corpus / "a.jsonl.gz").unlink()
    (corpus / "b.jsonl").write_text('{"url": 3}\n{"url": 4}\n')
    with pytest.raises(RecipeError, match=r"has 'url' as a string \(it is int\)"):
        check_recipe(_recipe(tmp_path, corpus, text_key="url"))
    # Mostly broken lines: any of them could have held the key; the run counts them instead.
    (corpus / "b.jsonl").write_bytes(b'{"id": 2}\n{broken\n{"text": "caf\xe9"}\n')
    check_recipe(_recipe(tmp_path, corpus))

    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    pq.write_table(pa.table({"body": ["Xin chào"], "id": ["1"]}), pq_dir / "a.parquet")
    with pytest.raises(RecipeError, match=r"input 'web': a.parquet has no column 'text' \(columns: body, id\)"):
        check_recipe(_recipe(tmp_path, pq_dir, type="parquet"))
    check_recipe(_recipe(tmp_path, pq_dir, type="parquet", text_key="body"))


def _gz_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for part in ("docs", "work/curated", "input", "rejected")
        for p in sorted((root / part).rglob("*.gz"))
    }


def test_two_runs_of_one_recipe_write_byte_identical_gzip_files(tmp_path, monkeypatch, tiny_recipe_factory):
    from types import SimpleNamespace

    from seaforge.data.pipeline import run_recipe

    outputs = []
    for clock in (1_000_000_000, 1_500_000_000):  # as if run years apart (gzip headers hold a time)
        monkeypatch.setattr(gzip, "time", SimpleNamespace(time=lambda clock=clock: clock))
        recipe = load_recipe(tiny_recipe_factory(tmp_path, name=f"run{clock}", keep_rejected=True))
        run_recipe(recipe)
        outputs.append(_gz_bytes(Path(recipe.output)))
    first, second = outputs
    assert any(name.startswith("docs/") for name in first) and any(name.startswith("rejected/") for name in first)
    assert any(name.startswith("work/curated/") for name in first) and any(name.startswith("input/") for name in first)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert all(data[4:8] == b"\0\0\0\0" for data in first.values())  # header mtime 0
