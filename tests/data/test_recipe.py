import pytest

from seaforge.data.recipe import RecipeError, load_recipe

BASE = """
name: t
output: out
languages: [th, fil]
inputs: [{type: jsonl, path: in}]
"""


def _write(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return path


def test_recipe_resolves_language_aliases_and_applies_overrides(tmp_path):
    recipe = load_recipe(_write(tmp_path, BASE), {"executor.tasks": 3})
    assert recipe.languages == ["th", "tl"] and recipe.tasks == 3


@pytest.mark.parametrize(
    "extra, message",
    [
        ("mix: {temperature: 0}", "mix.temperature"),
        ("mix: {temperature: 2, proportions: {th: 1}}", "either proportions or temperature"),
        ("mix: {replay: {en: 1.2}}", "replay shares"),
        ("quality: {th: {min_wrods: 3}}", "min_wrods"),
        ("dedup: {buckets: 0}", "dedup.buckets"),
        ("colour: blue", "colour"),
    ],
)
def test_bad_recipe_error_names_file_and_field(tmp_path, extra, message):
    path = _write(tmp_path, BASE + extra)
    with pytest.raises(RecipeError, match=message) as err:
        load_recipe(path)
    assert str(path) in str(err.value)


def test_unknown_language_and_missing_path_are_reported(tmp_path):
    with pytest.raises(RecipeError, match="languages"):
        load_recipe(_write(tmp_path, BASE.replace("[th, fil]", "[th, klingon]")))
    with pytest.raises(RecipeError, match="needs a path"):
        load_recipe(_write(tmp_path, BASE.replace("{type: jsonl, path: in}", "{type: parquet}")))
    with pytest.raises(RecipeError, match="invalid YAML"):
        load_recipe(_write(tmp_path, "name: [unclosed"))


def test_demo_recipe_is_valid():
    from pathlib import Path

    recipe = load_recipe(Path(__file__).parents[2] / "recipes" / "data" / "demo.yaml")
    assert recipe.tokenize.tokenizer == "tiny:llama" and "km" in recipe.languages


def test_a_different_recipe_or_task_count_cannot_resume_an_output(tmp_path):
    import json

    from seaforge.data.pipeline import claim_output

    out = tmp_path / "out"
    recipe = load_recipe(_write(tmp_path, BASE.replace("output: out", f"output: {out}")))
    out.mkdir()
    (out / "recipe.json").write_text(json.dumps(claim_output(recipe)))
    changed = load_recipe(tmp_path / "r.yaml", {"pii": False})
    with pytest.raises(RecipeError, match="different recipe"):
        claim_output(changed)
    with pytest.raises(RecipeError, match="executor.tasks=4, not 3"):
        claim_output(load_recipe(tmp_path / "r.yaml", ["executor.tasks=3"]))
    claim_output(load_recipe(tmp_path / "r.yaml", ["executor.workers=1"]))  # speed only: fine


def test_restart_deletes_a_run_but_never_a_folder_that_is_not_one(tmp_path):
    import json

    from seaforge.data.pipeline import claim_output

    out = tmp_path / "out"
    recipe = load_recipe(_write(tmp_path, BASE.replace("output: out", f"output: {out}")))
    (out / "docs").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(RecipeError, match="not a seaforge data run"):
        claim_output(recipe, restart=True)
    assert (out / "docs").is_dir() and (out / "notes.txt").read_text() == "mine"
    (out / "recipe.json").write_text(json.dumps({"what": "somebody else's recipe.json"}))
    with pytest.raises(RecipeError, match="not a seaforge data run"):
        claim_output(recipe, restart=True)
    (out / "recipe.json").write_text(json.dumps({"name": "older", "output": str(out), "inputs": []}))
    claim_output(recipe, restart=True)  # a run: its own entries go, anything else stays
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    with pytest.raises(RecipeError, match="not a seaforge data run"):
        claim_output(recipe, restart=True)  # the manifest is gone now: a second restart is refused
    assert (out / "notes.txt").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    claim_output(load_recipe(tmp_path / "r.yaml", {"output": str(empty)}), restart=True)
    claim_output(load_recipe(tmp_path / "r.yaml", {"output": str(tmp_path / "missing")}), restart=True)


def test_overrides_use_the_one_set_syntax_and_name_a_bad_item(tmp_path):
    path = _write(tmp_path, BASE)
    recipe = load_recipe(path, ["mix.replay={en: 0.2}", "executor.tasks=2", "pii=false"])
    assert recipe.mix.replay == {"en": 0.2} and recipe.tasks == 2 and recipe.pii is False
    with pytest.raises(RecipeError, match="expected FIELD=VALUE"):
        load_recipe(path, ["executor.tasks"])
    with pytest.raises(RecipeError, match="executor.tasks.*depend on the machine"):
        load_recipe(path, ["executor.tasks=0"])


def test_task_count_does_not_come_from_the_machine(tmp_path, monkeypatch):
    import os

    from seaforge.data.pipeline import Checked, build_stages

    path = _write(tmp_path, BASE.replace("[th, fil]", "[th]"))
    shapes = []
    for cores in ({0}, set(range(64))):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, cores=cores: cores)
        recipe = load_recipe(path)
        shapes.append([(stage.name, stage.tasks) for stage in build_stages(recipe, Checked())])
        assert recipe.workers == min(len(cores), recipe.tasks)
    assert shapes[0] == shapes[1]


def test_a_run_recorded_with_the_old_tiny_name_resumes_with_tiny_llama(tmp_path):
    import json

    from seaforge.data.pipeline import claim_output

    out = tmp_path / "out"
    text = BASE.replace("output: out", f"output: {out}") + "tokenize: {tokenizer: tiny, seq_len: 32}\n"
    old = claim_output(load_recipe(_write(tmp_path, text)))
    out.mkdir()
    (out / "recipe.json").write_text(json.dumps(old))
    renamed = load_recipe(_write(tmp_path, text.replace("tokenizer: tiny,", "tokenizer: 'tiny:llama',")))
    claim_output(renamed)  # the same tokenizer: no "different recipe"
    with pytest.raises(RecipeError, match="different recipe"):
        claim_output(load_recipe(tmp_path / "r.yaml", ["tokenize.tokenizer=tiny:qwen3"]))
