"""SEA-HELM comparability (issue 16): its task list per language, names, base-model skips, hub
dataset names and splits, data-file prompt templates, and its results file layout."""

import json
from pathlib import Path

import pytest
from recording_backend import Recorder  # tests/support, on sys.path via conftest
from rich.console import Console

from seaforge.errors import UserError
from seaforge.eval import prompts
from seaforge.eval.items import Item, hub_args, load_items, read_jsonl
from seaforge.eval.runner import RunConfig, prepare_run, run_eval
from seaforge.eval.seahelm import (
    BASE_MODEL_SKIP,
    CHAT_ONLY_NOTE,
    HUB_DATASETS,
    SEAHELM_RESULTS_FILE,
    SUITES,
    select_suite,
)
from seaforge.eval.tasks import bundled_tasks

TASKS = bundled_tasks()
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
QUIET = Console(stderr=True, quiet=True)


# --- the task list per language --------------------------------------------------------------------


def test_the_seahelm_suite_is_seahelms_list_per_language_not_every_task():
    selection = select_suite("seahelm", "seahelm")
    langs = selection.languages
    assert langs["mp-r"] == {"id", "ta"} and langs["pragmatic-single"] == {"id", "ta"}
    assert langs["belebele-qa-mc"] == {"tl", "ms", "my"} and langs["kalahi-mc"] == {"tl"}
    assert langs["global_mmlu_lite"] == {"id", "vi", "tl", "ms", "my"}
    assert langs["abssum"] == {"id", "vi", "th", "ta", "tl", "my"}  # not ms
    assert {name for name in langs if name.startswith("thai_exam")} == {
        f"thai_exam_{s}" for s in ("a_level", "ic", "onet", "tgat", "tpat1")
    }
    assert langs["mt-bench"] == {"id", "vi", "th", "ta", "tl", "ms"}  # SEA-HELM's mt-bench-judge
    names = {task.name for task in selection.tasks}
    assert not {"cultural", "minimal_pairs", "paraphrase"} & names  # seaforge's own / batayan only
    unavailable = {(entry["task"], entry["lang"]) for entry in selection.unavailable}
    assert ("syntax-criteria", "id") in unavailable and ("kalahi-judge", "tl") in unavailable


def test_every_suite_entry_is_a_task_or_said_to_be_unavailable():
    for suite in SUITES:
        selection = select_suite(suite, "seahelm")
        reasons = {entry["reason"] for entry in selection.unavailable}
        assert reasons <= {"LINDSEA syntax judged by an LLM against criteria: not implemented in seaforge",
                           "Kalahi judged by an LLM against criteria: not implemented in seaforge"}  # fmt: skip
        for task in selection.tasks:
            assert selection.languages[task.name] <= set(task.languages), task.name


def test_the_logprobs_suite_uses_the_logprobs_variants():
    selection = select_suite("seahelm_logprobs", "seahelm")
    names = {task.name for task in selection.tasks}
    assert {"sentiment-logprobs", "causal-logprobs", "thai_exam_onet-logprobs", "mp-r-logprobs"} <= names
    assert "sentiment" not in names and "translation-en-xx" in names  # generation tasks stay


def test_the_seaforge_protocol_keeps_every_task_in_every_language():
    selection = select_suite("seahelm", "seaforge")
    assert selection.languages == {} and not selection.unavailable
    assert {task.name for task in selection.tasks} >= {"cultural", "minimal_pairs", "mp-r", "paraphrase"}


def test_a_suite_task_runs_only_in_its_languages(tmp_path):
    selection = select_suite("seahelm", "seahelm")
    config = RunConfig(languages=["id", "ms"], mode="base")
    plan = prepare_run(selection.tasks, config, selection=selection)
    assert set(plan.loaded["mp-r"]) == {"id"} and set(plan.loaded["belebele-qa-mc"]) == {"ms"}
    assert "abssum" in plan.loaded and set(plan.loaded["abssum"]) == {"id"}
    assert any(entry["task"] == "syntax-criteria" and entry["lang"] == "id" for entry in plan.skipped)
    assert not any(entry["lang"] == "ta" for entry in plan.skipped)  # only the asked languages


def test_chat_only_tasks_match_seahelms_base_model_skip_list():
    chat_only = {task.name for task in TASKS.values() if task.chat_only}
    assert chat_only == {"if-eval", "mt-bench", "kalahi-mc", "kalahi-mc-logprobs"}
    assert chat_only <= set(BASE_MODEL_SKIP)


def test_seahelm_suite_on_a_base_model_skips_chat_only_tasks_with_a_note(tmp_path, capsys):
    selection = select_suite("seahelm", "seahelm")
    config = RunConfig(languages=["id"], mode="auto", limit=1)  # the Recorder has no chat template: base
    plan = prepare_run(selection.tasks, config, tmp_path, selection=selection)
    assert "mt-bench" in plan.loaded  # auto: known to be base only once the model is there
    report = run_eval(Recorder(), selection.tasks, tmp_path, config, console=Console(stderr=True), plan=plan)
    skipped = {(entry["task"], entry["reason"]) for entry in report["skipped"]}
    assert ("mt-bench", CHAT_ONLY_NOTE) in skipped and ("if-eval", CHAT_ONLY_NOTE) in skipped
    assert "multi-turn" not in report["results"]["id"]
    assert "skipped if-eval, mt-bench for this base model" in capsys.readouterr().err


def test_a_chat_only_task_alone_on_a_base_model_says_why_not_that_it_needs_a_judge(tmp_path, capsys):
    from seaforge.cli import run

    rc = run(["eval", "run", "--model", "tiny:gpt9", "--tasks", "mt-bench", "--mode", "base", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "chat-only task; SEA-HELM skips it for base models" in err and "judge" not in err


# --- SEA-HELM's hub datasets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "task,lang,expected,examples",
    [
        ("sentiment", "id", ("aisingapore/NLU-Sentiment-Analysis", "id", "eval"), "examples"),
        ("causal", "th", ("aisingapore/NLR-Causal-Reasoning", "th", "eval"), "examples"),
        ("nli", "vi", ("aisingapore/NLR-NLI", "vi", "eval"), "examples"),
        ("belebele-qa-mc", "tl", ("aisingapore/NLU-Belebele-MCQA", "tl", "eval"), "examples"),
        ("translation-en-xx", "th", ("aisingapore/NLG-Machine-Translation", "en_to_th", "eval"), "examples"),
        ("translation-xx-en", "my", ("aisingapore/NLG-Machine-Translation", "my_to_en", "eval"), "examples"),
        ("translation-id-xx", "jv", ("aisingapore/NLG-Machine-Translation", "id_to_jv", "eval"), "examples"),
        ("translation-xx-id", "su", ("aisingapore/NLG-Machine-Translation", "su_to_id", "eval"), "examples"),
        ("pragmatic-single", "ta", ("aisingapore/Linguistic-Diagnostics-Pragmatics", "ta_single", "eval"), "examples"),
        ("pragmatic-pair", "id", ("aisingapore/Linguistic-Diagnostics-Pragmatics", "id_pair", "eval"), "examples"),
        ("mp-r", "id", ("aisingapore/Linguistic-Diagnostics-Syntax", "id", "eval"), "examples"),
        ("abssum", "ta", ("aisingapore/NLG-Abstractive-Summarization", "ta", "eval"), "examples"),
        ("if-eval", "ms", ("aisingapore/Instruction-Following-IFEval", "ms", "eval"), None),
        ("mt-bench", "vi", ("aisingapore/MultiTurn-Chat-MT-Bench", "vi", "eval"), None),
        ("kalahi-mc", "tl", ("aisingapore/Cultural-Evaluation-Kalahi", "tl", "eval"), None),
        ("thai_exam_onet", "th", ("typhoon-ai/thai_exam", "onet", "test"), None),  # never its test items
    ],
)
def test_hub_names_and_splits_are_seahelms_current_ones(task, lang, expected, examples):
    assert hub_args(TASKS[task], lang) == expected
    fewshot = hub_args(TASKS[task], lang, examples=True)
    assert (fewshot and fewshot[2]) == examples and (fewshot is None or fewshot[:2] == expected[:2])


def test_every_hub_dataset_named_by_seahelm_is_the_one_the_task_loads():
    for name, dataset in HUB_DATASETS.items():
        assert TASKS[name].source.hf == dataset, name


def test_data_hf_loads_eval_and_examples_splits(monkeypatch):
    import datasets

    calls = []

    def fake_load_dataset(name, config, split):
        calls.append((name, config, split))
        label = "Positif" if split == "eval" else "Negatif"
        return [{"id": f"{split}-{i}", "label": label, "prompts": [{"text": f"{split} {i}"}]} for i in range(3)]

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    loaded = load_items(TASKS["sentiment"], "id", "hf", fewshot_k=5)
    assert calls == [
        ("aisingapore/NLU-Sentiment-Analysis", "id", "eval"),
        ("aisingapore/NLU-Sentiment-Analysis", "id", "examples"),
    ]
    assert [item.label for item in loaded.items] == ["positive"] * 3
    assert {example.id for example in loaded.fewshot} == {"examples-0", "examples-1", "examples-2"}
    assert loaded.fewshot_source == "hf:aisingapore/NLU-Sentiment-Analysis:id:examples"


def test_seahelm_translation_records_read_source_and_reference_the_right_way_round(tmp_path):
    record = {
        "id": 1,
        "label": "Saya suka kopi.",
        "prompts": [{"text": "I like coffee."}],
        "metadata": {"language": "id"},
    }
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (en_xx,), _ = read_jsonl(path, TASKS["translation-en-xx"], "id", strict=True)
    assert en_xx.fields["en"] == "I like coffee." and en_xx.references == ["Saya suka kopi."]
    assert "{en}" in TASKS["translation-en-xx"].languages["id"].input
    (xx_en,), _ = read_jsonl(path, TASKS["translation-xx-en"], "id", strict=True)
    assert xx_en.fields["text"] == "I like coffee." and xx_en.references == ["Saya suka kopi."]


# --- SEA-HELM's prompts from the data file -----------------------------------------------------------

TEMPLATE = (
    "Bacalah teks lalu jawab.\n\nJawablah hanya dengan format berikut:\nJawaban: $OPTION{fewshot_examples}"
    "\n\nTeks:\n```\n{text}\n```\nPertanyaan: {question}\nA: {choice1}\nB: {choice2}\nC: {choice3}\nD: {choice4}"
)


def _record(i, label, with_template=True):
    record = {
        "id": i,
        "label": label,
        "prompts": [
            {
                "text": f"teks {i}",
                "question": f"tanya {i}",
                "choice1": "a",
                "choice2": "b",
                "choice3": "c",
                "choice4": "d",
            }
        ],  # fmt: skip
        "metadata": {"language": "id"},
    }
    if with_template:
        record["prompt_templates"] = [TEMPLATE]
    return record


def _template_data(tmp_path):
    test = tmp_path / "id_belebele.jsonl"
    test.write_text("".join(json.dumps(_record(i, "ABCD"[i % 4])) + "\n" for i in range(3)), encoding="utf-8")
    examples = tmp_path / "id_belebele_examples.jsonl"
    rows = [_record(100 + i, "ABCD"[i], with_template=False) for i in range(2)]
    examples.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return test


def test_the_data_files_prompt_template_is_used_with_examples_from_the_examples_file(tmp_path):
    task = TASKS["belebele-qa-mc"]
    loaded = load_items(task, "id", str(_template_data(tmp_path)), fewshot_k=5)
    item = loaded.items[0]
    assert item.template == TEMPLATE and {example.id for example in loaded.fewshot} == {"100", "101"}
    text = prompts.base_prompt(task, item, loaded.fewshot)
    assert text.startswith("Bacalah teks lalu jawab.") and "{fewshot_examples}" not in text
    assert text.count("Bacalah teks") == 1  # the preamble once, then examples in the item's template
    assert "Teks:\n```\nteks 100\n```\nPertanyaan: tanya 100\nA: a" in text and "Jawaban: A\n\nTeks:" in text
    assert text.endswith("Teks:\n```\nteks 0\n```\nPertanyaan: tanya 0\nA: a\nB: b\nC: c\nD: d\nJawaban:")
    assert "teks 1\n" not in text and "teks 2\n" not in text  # never another test item


def test_instruct_prompts_send_examples_as_chat_turns(tmp_path):
    task = TASKS["belebele-qa-mc"]
    loaded = load_items(task, "id", str(_template_data(tmp_path)), fewshot_k=5)
    messages = prompts.instruct_messages(task, loaded.items[0], loaded.fewshot)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert messages[0]["content"].startswith("Bacalah teks lalu jawab.") and "teks 100" in messages[0]["content"]
    assert messages[1]["content"] == "Jawaban: A" and messages[3]["content"] == "Jawaban: B"
    assert "Bacalah" not in messages[2]["content"] and "teks 0" in messages[4]["content"]
    assert prompts.instruct_messages(task, loaded.items[0])[0]["content"].startswith("Bacalah teks")  # zero-shot


def test_items_without_a_template_keep_seaforges_prompt():
    task = TASKS["sentiment"]
    item = Item("x", "id", {"text": "Enak sekali."}, "positive")
    assert prompts.instruct_messages(task, item)[0]["content"].startswith("Tentukan sentimen")


# --- SEA-HELM's results file -------------------------------------------------------------------------


def test_seahelm_results_file_has_its_layout_and_key_names(tmp_path):
    tasks = [TASKS[name] for name in ("sentiment", "translation-en-xx", "translation-xx-en", "abssum", "mp-r")]
    report = run_eval(Recorder(), tasks, tmp_path, RunConfig(languages=["id", "th"], mode="base"), console=QUIET)
    data = json.loads((tmp_path / SEAHELM_RESULTS_FILE).read_text(encoding="utf-8"))
    assert set(data) == {"id", "th", "total"} and data["total"] == pytest.approx(
        report["aggregate"]["sea_average"]["score"]
    )
    sentiment = data["id"]["nlu"]["sentiment"]
    assert {"accuracy", "normalized_accuracy", "macro_f1", "null_count"} <= set(sentiment)
    assert (
        sentiment["normalized_accuracy"] == report["results"]["id"]["nlu"]["sentiment"]["normalized_balanced_accuracy"]
    )
    nlg = data["id"]["nlg"]
    assert {"chrf_score", "normalized_chrf_score"} <= set(nlg["translation-en-xx"])
    assert {"rougel_f1", "normalized_rougel_f1"} <= set(nlg["abssum"])
    pair = (nlg["translation-en-xx"]["normalized_chrf_score"] + nlg["translation-xx-en"]["normalized_chrf_score"]) / 2
    assert nlg["translations"] == pytest.approx(pair)
    assert nlg["total"] == pytest.approx((pair + nlg["abssum"]["normalized_rougel_f1"]) / 2)
    assert "linguistic-diagnostics" in data["id"] and "linguistic-diagnostics" not in data["th"]  # mp-r: id, ta
    assert data["id"]["total"] == pytest.approx(report["aggregate"]["languages"]["id"]["score"])
    assert "chrF++" in report["metric_notes"]["translation-en-xx"]


def test_the_report_says_which_translation_metric_was_used(tmp_path):
    from seaforge.eval.report import render_markdown
    from seaforge.eval.runner import load_results

    tasks = [TASKS["translation-en-xx"]]
    run_eval(Recorder(), tasks, tmp_path, RunConfig(languages=["id"], mode="base"), console=QUIET)
    md = render_markdown([load_results(tmp_path)])
    assert "## Metrics" in md and "| translation-en-xx | chrF++" in md and "MetricX-24" in md
    assert "| seahelm |" in md  # the protocol of the run


def test_the_default_protocol_is_seahelm_and_seaforge_keeps_the_earlier_scores(tmp_path):
    task = TASKS["causal"]
    config = RunConfig(languages=["id"], mode="base")
    assert config.protocol == "seahelm"
    seahelm = run_eval(Recorder(), [task], tmp_path / "a", config, console=QUIET)
    old_rules = RunConfig(languages=["id"], mode="base", protocol="seaforge")
    earlier = run_eval(Recorder(), [task], tmp_path / "b", old_rules, console=QUIET)
    assert "balanced_accuracy" in seahelm["results"]["id"]["nlr"]["causal"]
    assert "accuracy" in earlier["results"]["id"]["nlr"]["causal"] and earlier["protocol"]["clip"] is False
    with pytest.raises(UserError, match="--protocol must be one of seahelm, seaforge"):
        prepare_run([task], RunConfig(languages=["id"], protocol="helm"))


@pytest.mark.skipif(not (CORPORA / "belebele" / "jv_belebele.jsonl").exists(), reason="shared corpora absent")
def test_real_seahelm_belebele_file_template_and_answer_tag_agree():
    task = TASKS["belebele-qa-mc"]
    items, skipped = read_jsonl(CORPORA / "belebele" / "jv_belebele.jsonl", task, "jv", strict=False)
    assert len(items) == 280 and skipped == 0
    templated = [item for item in items if item.template]
    assert templated
    preamble, body = prompts.split_template(templated[0].template)
    assert f"{task.languages['jv'].answer_tag} $OPTION" in preamble and "{choice4}" in body
