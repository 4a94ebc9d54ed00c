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


@pytest.mark.parametrize("extra, message", [
    ("mix: {temperature: 0}", "mix.temperature"),
    ("mix: {temperature: 2, proportions: {th: 1}}", "either proportions or temperature"),
    ("mix: {replay: {en: 1.2}}", "replay shares"),
    ("quality: {th: {min_wrods: 3}}", "min_wrods"),
    ("dedup: {buckets: 0}", "dedup.buckets"),
    ("colour: blue", "colour"),
])
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
    assert recipe.tokenize.tokenizer == "tiny" and "km" in recipe.languages


def test_a_different_recipe_cannot_resume_an_output_and_a_bad_eval_set_writes_nothing(tmp_path):
    import json

    from seaforge.data.pipeline import claim_output, run_recipe
    out = tmp_path / "out"
    recipe = load_recipe(_write(tmp_path, BASE.replace("output: out", f"output: {out}")))
    out.mkdir()
    (out / "recipe.json").write_text(json.dumps(claim_output(recipe)))
    changed = load_recipe(tmp_path / "r.yaml", {"pii": False})
    with pytest.raises(RuntimeError, match="different recipe"):
        claim_output(changed)
    claim_output(changed, restart=True)
    assert not out.exists()
    (tmp_path / "eval.jsonl").write_text("{not json\n")
    bad = load_recipe(tmp_path / "r.yaml", {"decontaminate.eval_sets": [str(tmp_path / "eval.jsonl")]})
    with pytest.raises(ValueError, match="eval.jsonl:1"):
        run_recipe(bad)
    assert not out.exists()
