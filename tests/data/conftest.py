import textwrap
from pathlib import Path

import pytest

from seaforge.data.synthetic import write_corpus

CORPUS_DOCS = 260


def small_recipe(tmp: Path, corpus: Path, output: Path, **extra) -> Path:
    """A recipe over ``corpus`` that runs in seconds: tiny tokenizer, short sequences, 2 tasks."""
    text = textwrap.dedent(f"""
        name: test
        output: {output}
        languages: [id, vi, th, km, en]
        inputs: [{{type: jsonl, path: {corpus}, name: web}}]
        quality: {{default: {{min_words: 30}}}}
        decontaminate: {{eval_sets: [{tmp / "eval.jsonl"}]}}
        mix: {{temperature: 2.0, replay: {{en: 0.2}}, upsample_duplicates: 2}}
        tokenize: {{tokenizer: "tiny:llama", seq_len: 64, rows_per_shard: 16}}
        executor: {{kind: local, tasks: 2, workers: 2}}
        keep_rejected: {str(extra.pop("keep_rejected", False)).lower()}
    """)
    (tmp / "eval.jsonl").write_text(
        '{"lang": "vi", "question": "Anh Minh mua gạo và nước mắm ở chợ Bến Thành vào sáng thứ Hai. '
        'Anh Minh mua gì?"}\n',
        encoding="utf-8",
    )
    path = tmp / f"recipe-{output.name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, CORPUS_DOCS, shards=2, seed=7, langs=("id", "vi", "th", "km", "en"), malformed=True)
    return out


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory, small_corpus):
    """One uninterrupted run of the small recipe, shared by the pipeline tests."""
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    tmp = tmp_path_factory.mktemp("run")
    recipe = load_recipe(small_recipe(tmp, small_corpus, tmp / "out", keep_rejected=True))
    summary = run_recipe(recipe)
    return recipe, summary, Path(recipe.output)


@pytest.fixture
def recipe_factory():
    return small_recipe


def tiny_recipe(tmp: Path, name: str = "tiny", **fields) -> Path:
    """A recipe over a 40-page generated corpus that runs in a few seconds, as a YAML file."""
    import yaml

    doc = {
        "name": name,
        "output": str(tmp / f"out-{name}"),
        "languages": ["id", "en", "th"],
        "inputs": [{"type": "synthetic", "name": "web", "docs": 40, "seed": 3}],
        "quality": {"default": {"min_words": 30}},
        "tokenize": {"tokenizer": "tiny:llama", "seq_len": 32, "rows_per_shard": 8},
        "executor": {"kind": "local", "tasks": 2, "workers": 1},
    }
    doc.update(fields)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def tiny_recipe_factory():
    return tiny_recipe
