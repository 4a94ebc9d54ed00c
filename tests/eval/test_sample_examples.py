"""The bundled samples' few-shot examples come from <stem>_examples.jsonl, never from test items."""

import json
from pathlib import Path

import pytest
from recording_backend import Recorder  # tests/support, on sys.path via conftest

from seaforge.eval.items import load_items, read_jsonl, sample_examples_path
from seaforge.eval.runner import RunConfig, run_eval
from seaforge.eval.tasks import TaskError, bundled_dir, bundled_tasks

TASKS = bundled_tasks()
# Tasks whose prompts show few-shot examples: choice and generate tasks with k > 0 in some mode.
# Skipped: if-eval, mt-bench and kalahi-mc (k = 0 in every mode), minimal_pairs (log-likelihood, no prompt).
FEWSHOT_TASKS = [
    task
    for task in TASKS.values()
    if task.kind in ("choice", "generate") and max(task.fewshot.values(), default=0) > 0 and task.source.samples
]
FEWSHOT_K = 5


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _texts(fields: dict) -> set[str]:
    out = set()
    for value in fields.values():
        if isinstance(value, str):
            out.add(value.strip())
        elif isinstance(value, list):
            out.update(v.strip() for v in value if isinstance(v, str))
    return out - {""}


def test_the_fewshot_tasks_are_the_expected_ones():
    # Task names as SEA-HELM spells them (issue 16): translation-en-xx, if-eval, mt-bench.
    assert {task.name for task in FEWSHOT_TASKS} >= {"sentiment", "causal", "nli", "qa", "translation-en-xx", "mp-r"}
    assert not {"if-eval", "mt-bench", "kalahi-mc", "minimal_pairs"} & {task.name for task in FEWSHOT_TASKS}


@pytest.mark.parametrize("task", FEWSHOT_TASKS, ids=lambda t: t.name)
def test_examples_are_never_test_items(task):
    test_records = _records(bundled_dir() / task.source.samples)
    all_test_ids = {str(record["id"]) for record in test_records}
    for lang in task.languages:
        loaded = load_items(task, lang, "samples", fewshot_k=FEWSHOT_K)
        assert loaded.items, f"{task.name}/{lang}"
        assert loaded.fewshot, f"{task.name}/{lang}: {loaded.fewshot_missing}"
        assert loaded.fewshot_source == f"samples:{Path(task.source.samples).with_suffix('').as_posix()}_examples.jsonl"
        assert not loaded.fewshot_missing
        example_ids = {example.id for example in loaded.fewshot}
        assert not example_ids & all_test_ids, f"{task.name}/{lang}"
        test_texts = set().union(*(_texts(item.fields) for item in loaded.items))
        for example in loaded.fewshot:
            assert example.lang == lang
            # No field, not even an option, repeats a test item's; coded values (cause/effect) may.
            coded = task.languages[lang].values
            shared = _texts({k: v for k, v in example.fields.items() if k not in coded}) & test_texts
            assert not shared, f"{task.name}/{lang}/{example.id}: {shared}"


@pytest.mark.parametrize("task", FEWSHOT_TASKS, ids=lambda t: t.name)
def test_examples_file_matches_the_test_file(task):
    test_path = bundled_dir() / task.source.samples
    examples_path = sample_examples_path(task)
    assert examples_path == test_path.with_name(f"{test_path.stem}_examples.jsonl") and examples_path.is_file()
    test_records, example_records = _records(test_path), _records(examples_path)
    test_fields = {frozenset(record) for record in test_records}
    assert len(test_fields) == 1
    test_langs = {record["lang"] for record in test_records}
    ids = [record["id"] for record in example_records]
    assert len(ids) == len(set(ids))
    for record in example_records:
        assert frozenset(record) in test_fields, f"{examples_path.name}: {record['id']}"
        assert record["sample"] is True and record["id"].startswith("ex-")
        assert record["lang"] in test_langs
    for lang in test_langs:
        # strict: every record parses and every label is valid for the task
        examples, skipped = read_jsonl(examples_path, task, lang, strict=True)
        assert skipped == 0 and len(examples) >= 2, f"{examples_path.name}/{lang}"
        if task.kind == "choice":
            labels = [example.label for example in examples]
            assert set(labels) <= set(task.labels)
            assert len(set(labels)) == min(len(examples), len(task.labels)), f"{lang}: unbalanced {labels}"


def test_examples_files_are_package_data_and_never_a_task_source():
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"seaforge.eval" = ["tasks/*.yaml", "tasks/samples/*.jsonl"]' in pyproject
    for task in TASKS.values():
        assert task.source.samples is None or not Path(task.source.samples).stem.endswith("_examples")
    broken = TASKS["sentiment"].model_copy(deep=True)
    broken.source.samples = "samples/sentiment_examples.jsonl"
    with pytest.raises(TaskError, match="holds few-shot examples, not test items"):
        load_items(broken, "id", "samples")


def _task_with_samples(tmp_path, with_examples: bool):
    task = TASKS["sentiment"].model_copy(deep=True)
    rows = [
        {"id": f"t-{lang}-{i}", "lang": lang, "sample": True, "text": f"{lang} test {i}", "label": label}
        for lang in ("id", "ms")
        for i, label in enumerate(["positive", "negative"])
    ]
    (tmp_path / "demo.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    if with_examples:  # examples for id only
        example = {"id": "ex-id-1", "lang": "id", "sample": True, "text": "contoh", "label": "neutral"}
        (tmp_path / "demo_examples.jsonl").write_text(json.dumps(example) + "\n", encoding="utf-8")
    task.source.samples = str(tmp_path / "demo.jsonl")  # absolute: bundled_dir() / it is this file
    return task


def test_a_language_without_examples_runs_zero_shot_and_says_so(tmp_path, capsys):
    task = _task_with_samples(tmp_path, with_examples=True)
    with_examples = load_items(task, "id", "samples", fewshot_k=FEWSHOT_K)
    assert [example.id for example in with_examples.fewshot] == ["ex-id-1"] and not with_examples.fewshot_missing
    without = load_items(task, "ms", "samples", fewshot_k=FEWSHOT_K)
    assert without.fewshot == [] and "no few-shot examples for 'ms'" in without.fewshot_missing
    assert "demo_examples.jsonl" in without.fewshot_missing
    assert load_items(task, "ms", "samples").fewshot_missing == ""  # zero-shot asked: nothing to say

    from rich.console import Console

    backend = Recorder()
    config = RunConfig(languages=["id", "ms"], data="samples", mode="base")
    result = run_eval(backend, [task], tmp_path / "out", config, console=Console(stderr=True))
    assert "sentiment/ms: no few-shot examples for 'ms'" in capsys.readouterr().err
    ms = result["results"]["ms"]["nlu"]["sentiment"]["fewshot"]
    assert ms["k"] == 0 and "ran zero-shot" in ms["note"]
    assert result["results"]["id"]["nlu"]["sentiment"]["fewshot"]["k"] == 1
    for prompt in backend.prompts:
        assert sum(f"test {i}" in prompt for i in range(2)) == 1  # only the item itself


def test_a_missing_examples_file_runs_zero_shot_and_says_so(tmp_path):
    task = _task_with_samples(tmp_path, with_examples=False)
    loaded = load_items(task, "id", "samples", fewshot_k=FEWSHOT_K)
    assert loaded.fewshot == [] and loaded.fewshot_source is None
    assert loaded.fewshot_missing == "no few-shot examples: no bundled demo_examples.jsonl next to demo.jsonl"


def test_sample_run_prompts_show_only_examples(tmp_path):
    task = TASKS["sentiment"]
    backend = Recorder()
    result = run_eval(backend, [task], tmp_path / "out", RunConfig(languages=["id"], data="samples", mode="base"))
    test_texts = [item.fields["text"] for item in load_items(task, "id", "samples").items]
    example_texts = [example.fields["text"] for example in load_items(task, "id", "samples", fewshot_k=5).fewshot]
    assert len(backend.prompts) == len(test_texts)
    for prompt, own in zip(backend.prompts, test_texts):  # before the fix: the other test items
        assert own in prompt and sum(text in prompt for text in test_texts) == 1
        assert all(text in prompt for text in example_texts)
    fewshot = result["results"]["id"]["nlu"]["sentiment"]["fewshot"]
    assert fewshot == {"k": len(example_texts), "source": "samples:samples/sentiment_examples.jsonl"}
