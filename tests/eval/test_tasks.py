"""Task YAMLs, inheritance, sample items and the errors bad input gets."""

import json

import pytest

from seaforge.eval.items import load_items, read_jsonl
from seaforge.eval.tasks import (
    COMPETENCIES,
    DEFAULT_LANGUAGES,
    TaskError,
    bundled_dir,
    bundled_tasks,
    load_task,
    select_tasks,
)

# Competency names as SEA-HELM spells them (issue 16; they were underscored before).
ISSUE_COMPETENCIES = {
    "nlu",
    "nlg",
    "nlr",
    "instruction-following",
    "multi-turn",
    "linguistic-diagnostics",
    "cultural",
    "knowledge",
    "safety",
    "speech",  # the ASR task (speech area)
}
# Task names as SEA-HELM spells them, with the earlier seaforge names that still select them.
RENAMED = {
    "mcqa": "belebele-qa-mc",
    "translation_en_xx": "translation-en-xx",
    "translation_xx_en": "translation-xx-en",
    "summarization": "abssum",
    "ifeval": "if-eval",
    "mtbench": "mt-bench",
    "knowledge": "global_mmlu_lite",
}


def test_bundled_suite_covers_every_competency_of_the_issue():
    tasks = bundled_tasks()
    assert {t.competency for t in tasks.values()} == ISSUE_COMPETENCIES <= set(COMPETENCIES)
    names = set(tasks)
    assert {
        "sentiment",
        "qa",
        "belebele-qa-mc",
        "metaphor",
        "paraphrase",
        "translation-en-xx",
        "translation-xx-en",
        "translation-id-xx",
        "translation-xx-id",
        "abssum",
        "nli",
        "causal",
        "if-eval",
        "mt-bench",
        "mp-r",
        "pragmatic-single",
        "pragmatic-pair",
        "minimal_pairs",
        "kalahi-mc",
        "cultural",
        "global_mmlu_lite",
        "thai_exam_a_level",
        "thai_exam_onet",
        "toxicity",
        "sentiment-logprobs",
        "thai_exam_ic-logprobs",
    } <= names


def test_earlier_names_still_select_the_renamed_tasks():
    tasks = bundled_tasks()
    for old, new in RENAMED.items():
        assert old not in dict(tasks) and tasks[old].name == new, old
        assert [task.name for task in select_tasks(old)] == [new]
    assert [t.name for t in select_tasks("instruction_following")] == ["if-eval"]  # old competency spelling


def test_a_custom_task_with_the_old_competency_spelling_loads(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"extends: {bundled_dir() / 'if-eval.yaml'}\nname: mine\ncompetency: instruction_following\n")
    assert load_task(path).competency == "instruction-following"


def test_logprobs_variants_score_every_option_and_report_the_gold_probability():
    tasks = bundled_tasks()
    variant, parent = tasks["causal-logprobs"], tasks["causal"]
    assert variant.variant_of == "causal" and variant.scoring == "loglikelihood"
    assert variant.metric == "gold_probability" and variant.random_baseline == 0.0
    assert variant.languages == parent.languages and variant.source == parent.source
    assert tasks["thai_exam_tgat-logprobs"].aggregation_group == "thai_exam-logprobs"
    assert tasks["knowledge-logprobs"].name == "global_mmlu_lite-logprobs"  # an earlier name, too
    assert not any(task.kind != "choice" for task in tasks.values() if task.variant_of)


def test_thai_exam_group_selects_its_five_subsets():
    names = [task.name for task in select_tasks("thai_exam")]
    assert sorted(names) == [f"thai_exam_{s}" for s in ("a_level", "ic", "onet", "tgat", "tpat1")]
    assert {task.source.hf_config for task in select_tasks("thai_exam")} == {"a_level", "ic", "onet", "tgat", "tpat1"}


@pytest.mark.parametrize("task", list(bundled_tasks().values()), ids=lambda t: t.name)
def test_every_task_has_sample_items_for_each_of_its_languages(task):
    # Languages follow SEA-HELM's task list (mp-r: id, ta; kalahi-mc: tl), not all seven for all.
    from seaforge.eval.seahelm import SUITES

    for lang in DEFAULT_LANGUAGES:
        listed = task.name in SUITES["seahelm"].get(lang, []) or task.aggregation_group in SUITES["seahelm"].get(
            lang, []
        )
        assert not listed or lang in task.languages, f"SEA-HELM lists {task.name} for {lang}; no prompt"
    for lang in task.languages:
        loaded = load_items(task, lang, "samples")
        assert len(loaded.items) >= 2, f"{task.name}/{lang}"
        assert all(it.lang == lang for it in loaded.items)


def test_sample_records_are_all_marked_as_samples():
    for path in (bundled_dir() / "samples").glob("*.jsonl"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert json.loads(line)["sample"] is True, f"{path.name}:{n}"


def test_extends_inherits_prompts_and_overrides_only_named_keys():
    cultural = load_task(bundled_dir() / "cultural.yaml")
    knowledge = load_task(bundled_dir() / "global_mmlu_lite.yaml")
    assert cultural.competency == "cultural" and cultural.source.samples == "samples/cultural.jsonl"
    assert cultural.languages["th"] == knowledge.languages["th"]
    assert cultural.source.hf is None and knowledge.source.hf


def test_language_variant_overrides_one_prompt(tmp_path):
    child = tmp_path / "sentiment_formal.yaml"
    child.write_text(
        f"extends: {bundled_dir() / 'sentiment.yaml'}\nname: sentiment_formal\n"
        "languages:\n  id:\n    answer_tag: 'Jawab:'\n",
        encoding="utf-8",
    )
    task = load_task(child)
    base = load_task(bundled_dir() / "sentiment.yaml")
    assert task.languages["id"].answer_tag == "Jawab:"
    assert task.languages["id"].options == base.languages["id"].options
    assert task.languages["th"] == base.languages["th"]


def test_defaults_block_is_merged_into_each_language():
    mcqa = load_task(bundled_dir() / "belebele-qa-mc.yaml")
    assert mcqa.languages["id"].options == {"A": "A", "B": "B", "C": "C", "D": "D"}
    assert mcqa.languages["my"].options["A"] == "က"  # a language may still override


def test_bad_field_error_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ncompetency: nlu\nkind: choice\nmetric: accuracy\nlabels: [a, b]\n"
        "languages:\n  id:\n    options: {a: A}\n",
        encoding="utf-8",
    )
    with pytest.raises(TaskError, match=r"bad\.yaml.*options lacks \['b'\]"):
        load_task(bad)
    bad.write_text("name: x\ncompetency: nlu\nkind: choice\nmetric: bleu\nlanguages: {}\n")
    with pytest.raises(TaskError, match=r"bad\.yaml: field `metric`"):
        load_task(bad)


def test_bad_jsonl_line_error_names_file_line_and_field(tmp_path):
    task = load_task(bundled_dir() / "sentiment.yaml")
    data = tmp_path / "sentiment.jsonl"
    data.write_text(
        '{"id": "1", "lang": "id", "text": "ok", "label": "positive"}\n'
        '{"id": "2", "lang": "id", "text": "hmm", "label": "meh"}\n'
        "not json\n",
        encoding="utf-8",
    )
    with pytest.raises(TaskError, match=r"sentiment\.jsonl:2: field `label`: 'meh'"):
        read_jsonl(data, task, "id", strict=True)
    items, skipped = read_jsonl(data, task, "id", strict=False)  # batch mode counts, not crashes
    assert [it.id for it in items] == ["1"] and skipped == 2


def test_native_option_words_are_accepted_as_labels(tmp_path):
    task = load_task(bundled_dir() / "global_mmlu_lite.yaml")
    data = tmp_path / "k.jsonl"
    data.write_text(
        '{"id": "1", "lang": "my", "question": "q", "option_a": "a", "option_b": "b", '
        '"option_c": "c", "option_d": "d", "label": "ဂ"}\n',
        encoding="utf-8",
    )
    assert read_jsonl(data, task, "my", strict=True)[0][0].label == "C"


def test_seahelm_hub_record_format_is_read(tmp_path):
    task = load_task(bundled_dir() / "belebele-qa-mc.yaml")
    record = {
        "id": 7,
        "label": "D",
        "prompts": [{"text": "P", "question": "Q", "choice1": "a", "choice2": "b", "choice3": "c", "choice4": "d"}],
        "metadata": {"language": "jv"},
    }
    data = tmp_path / "jv.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (item,), _ = read_jsonl(data, task, "jv", strict=True)
    assert item.id == "7" and item.label == "D" and item.fields["passage"] == "P"


def test_select_tasks_by_suite_competency_and_name():
    # Without the per-language lists (seaforge protocol) a suite is every task, not the variants.
    # The seahelm suite is every text task: ASR needs a speech model and is asked for by name.
    text_tasks = [t for t in bundled_tasks().values() if not t.variant_of and t.kind != "asr"]
    assert len(select_tasks("seahelm")) == len(text_tasks)
    assert {t.name for t in select_tasks("nlr")} == {"nli", "causal"}
    assert [t.name for t in select_tasks("sentiment, qa")] == ["sentiment", "qa"]
    with pytest.raises(TaskError, match="unknown task 'nope'"):
        select_tasks("nope")


def test_random_baselines():
    tasks = bundled_tasks()
    assert tasks["global_mmlu_lite"].random_baseline == 25.0
    assert tasks["thai_exam_onet"].random_baseline == 20.0
    assert tasks["sentiment"].random_baseline == pytest.approx(100 / 3)
    assert tasks["minimal_pairs"].random_baseline == 50.0
    assert tasks["mt-bench"].random_baseline == 50.0
    assert tasks["qa"].random_baseline == 0.0


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", ".hidden", "x/../../y", "", "tab\tname"])
def test_task_names_that_would_leave_the_output_folder_are_refused(tmp_path, name):
    bad = tmp_path / "evil.yaml"
    bad.write_text(f"extends: {bundled_dir() / 'causal.yaml'}\nname: {json.dumps(name)}\n", encoding="utf-8")
    with pytest.raises(TaskError, match=r"evil\.yaml: field `name`: task name .* becomes a file name"):
        load_task(bad)


def test_a_path_like_task_name_cannot_write_outside_out_through_the_cli(tmp_path, capsys):
    from seaforge.cli import run

    bad = tmp_path / "evil.yaml"
    bad.write_text(f"extends: {bundled_dir() / 'causal.yaml'}\nname: ../../escaped\n", encoding="utf-8")
    out = tmp_path / "a" / "b" / "out"
    rc = run(["eval", "run", "--model", "tiny:llama", "--tasks", str(bad), "--languages", "id", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and "task name '../../escaped'" in err
    assert not (tmp_path / "a" / "escaped").exists() and not out.exists()


def test_skipped_data_lines_are_named_on_stderr(tmp_path, capsys):
    from seaforge.eval.tasks import bundled_tasks

    task = bundled_tasks()["sentiment"]
    path = tmp_path / "sentiment.jsonl"
    good = '{"id": "a", "lang": "id", "text": "Makanannya enak sekali.", "label": "positive"}\n'
    path.write_bytes(good.encode() + b'{"id": "b", "text": "\xff"}\n' + b"not json\n")
    items, skipped = read_jsonl(path, task, "id", strict=False)
    assert len(items) == 1 and skipped == 2
    err = capsys.readouterr().err
    assert f"warning: skipped {path}:2" in err and f"warning: skipped {path}:3" in err
