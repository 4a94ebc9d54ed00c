"""End-to-end runs: results shape, resume from cache, re-scoring, judge, report and compare."""

import json
import re

import pytest
import torch
from loopback_server import LoopbackServer, prompt_text

from seaforge.eval import prompts
from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.backend_openai import OpenAIBackend
from seaforge.eval.compare import compare_runs
from seaforge.eval.items import load_items
from seaforge.eval.report import render_html, render_markdown, write_report
from seaforge.eval.runner import RunConfig, load_results, run_eval
from seaforge.eval.tasks import bundled_tasks, load_task, select_tasks

TASKS = bundled_tasks()


class Oracle:
    """Answers every sample item perfectly (or always wrongly): exercises extraction + metrics."""

    supports_loglikelihood = False

    def __init__(self, tasks, langs, wrong=False, suffix=""):
        self.fingerprint = f"oracle|{wrong}|{suffix}"
        self.info = {
            "backend": "oracle",
            "model": "oracle-wrong" if wrong else "oracle",
            "chat_template": "none",
            "chat_template_sha256": None,
        }
        self.answers = {}
        for task in tasks:
            for lang in langs:
                if lang not in task.languages:
                    continue
                spec = task.languages[lang]
                for item in load_items(task, lang, "samples").items:
                    if task.kind == "chat":
                        for t, turn in enumerate(item.fields["turns"]):
                            self.answers[turn] = item.references[t] + suffix
                        continue
                    content = prompts.instruct_messages(task, item)[0]["content"]
                    gold = prompts.gold_answer(task, spec, item)
                    self.answers[content] = "" if wrong else f"{spec.answer_tag} {gold}"

    def generate(self, requests):
        return [self.answers[r.messages[-1][1]] for r in requests]


def test_oracle_scores_100_normalized_and_wrong_answers_score_below_chance(tmp_path):
    tasks = select_tasks("sentiment,qa,translation-en-xx,translation-xx-en,abssum,global_mmlu_lite")
    langs = ["id", "th", "my"]
    good = run_eval(Oracle(tasks, langs), tasks, tmp_path / "good", RunConfig(languages=langs, mode="instruct"))
    for lang in langs:
        for comp in good["results"][lang].values():
            for name, summary in comp.items():
                key = next(k for k in summary if k.startswith("normalized_") and "stderr" not in k)
                assert summary[key] == pytest.approx(100.0), (lang, name)
    assert good["aggregate"]["sea_average"]["score"] == pytest.approx(100.0)
    # Below chance is negative under seaforge's earlier rules (--protocol seaforge) ...
    bad = run_eval(
        Oracle(tasks, langs, wrong=True),
        tasks,
        tmp_path / "bad",
        RunConfig(languages=langs, mode="instruct", protocol="seaforge"),
    )
    assert bad["results"]["id"]["nlu"]["sentiment"]["normalized_accuracy"] == pytest.approx(-50.0)
    assert bad["results"]["id"]["nlu"]["sentiment"]["unparsed"] == 4
    # ... and clipped at 0 under SEA-HELM's, the default (issue 16), with the null answers counted.
    clipped = run_eval(
        Oracle(tasks, langs, wrong=True), tasks, tmp_path / "clipped", RunConfig(languages=langs, mode="instruct")
    )
    sentiment = clipped["results"]["id"]["nlu"]["sentiment"]
    assert sentiment["normalized_balanced_accuracy"] == 0.0 and sentiment["null_count"] == 4


@pytest.fixture(scope="module")
def tiny():
    torch.set_num_threads(1)
    return HFBackend.load("tiny:llama", batch_size=16)


def test_tiny_model_run_writes_seahelm_shaped_results_and_resumes_from_cache(tmp_path, tiny):
    tasks = select_tasks("sentiment,minimal_pairs,translation_xx_en")
    config = RunConfig(
        languages=["id", "th"], limit=2, seeds=[0, 1], max_tokens=6, mode="base", choice_scoring="loglikelihood"
    )
    first = run_eval(tiny, tasks, tmp_path, config)
    entry = first["results"]["th"]["nlu"]["sentiment"]
    # SEA-HELM's protocol (the default): balanced accuracy, with macro-F1 and the null count beside it.
    assert set(entry) >= {"balanced_accuracy", "normalized_balanced_accuracy", "stderr", "n", "per_seed"}
    assert {"macro_f1", "null_count"} <= set(entry)
    assert first["results"]["id"]["linguistic-diagnostics"]["minimal_pairs"]["n"] == 2
    assert "chrf_pp" in first["results"]["th"]["nlg"]["translation-xx-en"]
    assert first["model"]["chat_template_sha256"] and first["config"]["seeds"] == [0, 1]
    assert first["config"]["mode"] == "base" and first["timings"]["per_task_s"]["sentiment"]["id"] >= 0
    assert first["cache"]["misses"] > 0
    again = run_eval(tiny, tasks, tmp_path, config)  # nothing recomputed
    assert again["cache"]["misses"] == 0 and again["results"] == first["results"]
    on_disk = load_results(tmp_path)
    assert on_disk["results"]["th"]["nlu"]["sentiment"]["balanced_accuracy"] == entry["balanced_accuracy"]
    rows = (tmp_path / "items" / "sentiment" / "id.jsonl").read_text().splitlines()
    assert len(rows) == 4 and {json.loads(r)["seed"] for r in rows} == {0, 1}


def test_rescoring_with_a_changed_metric_needs_no_inference(tmp_path, tiny):
    config = RunConfig(languages=["ms"], limit=3, choice_scoring="loglikelihood", mode="base")
    run_eval(tiny, [TASKS["sentiment"]], tmp_path, config)
    variant = tmp_path / "sentiment_f1.yaml"
    variant.write_text(f"extends: {TASKS['sentiment'].path}\nname: sentiment\nmetric: macro_f1\n")
    rescored = run_eval(tiny, [load_task(variant)], tmp_path, config)
    assert rescored["cache"]["misses"] == 0
    assert "macro_f1" in rescored["results"]["ms"]["nlu"]["sentiment"]


def test_chat_task_is_judged_in_both_orders(tmp_path):
    task = TASKS["mt-bench"]

    def always_first(batch):  # a judge with pure position bias
        return ["Both fine. [[A]]"] * len(batch)

    def prefers_longer(batch):
        out = []
        for p, b in batch:
            text = prompt_text(p, b)
            a = re.search(r"\[Answer A\]\n(.*?)\n\n\[Answer B\]", text, re.S).group(1)
            bb = re.search(r"\[Answer B\]\n(.*?)\n\nExplain", text, re.S).group(1)
            out.append("[[A]]" if len(a) > len(bb) else "[[B]]")
        return out

    model = Oracle([task], ["id", "vi"], suffix=" Semoga membantu!")
    for responder, expected in ((always_first, 50.0), (prefers_longer, 100.0)):
        with LoopbackServer(responder, max_batch=8) as srv:
            judge = OpenAIBackend("judge", srv.base_url, concurrency=4)
            res = run_eval(
                model,
                [task],
                tmp_path / responder.__name__,
                RunConfig(languages=["id", "vi"], mode="instruct"),
                judge=judge,
            )
        assert res["results"]["id"]["multi-turn"]["mt-bench"]["win_rate"] == pytest.approx(expected)
        assert res["judge"]["model"] == "judge"


def test_chat_without_judge_is_reported_unscored_next_to_scored_tasks(tmp_path):
    tasks = [TASKS["mt-bench"], TASKS["sentiment"]]
    res = run_eval(Oracle(tasks, ["id"]), tasks, tmp_path, RunConfig(languages=["id"], mode="instruct"))
    assert res["results"]["id"]["multi-turn"]["mt-bench"]["unscored"] == 2
    assert res["results"]["id"]["nlu"]["sentiment"]["normalized_balanced_accuracy"] == pytest.approx(100.0)


def test_a_run_that_can_score_nothing_is_an_error_and_writes_no_results(tmp_path):
    from seaforge.errors import UserError

    with pytest.raises(UserError, match=r"nothing can be scored: mt-bench need\(s\) a judge"):
        run_eval(
            Oracle([TASKS["mt-bench"]], ["id"]),
            [TASKS["mt-bench"]],
            tmp_path,
            RunConfig(languages=["id"], mode="instruct"),
        )
    # Everything skipped at run time (no log-likelihoods from this backend): zero scored items.
    with pytest.raises(UserError, match="no item was scored, so no results were written.*no log-likelihoods"):
        run_eval(
            Oracle([TASKS["causal"]], ["id"]),
            [TASKS["causal"]],
            tmp_path,
            RunConfig(languages=["id"], mode="instruct", choice_scoring="loglikelihood"),
        )
    assert not (tmp_path / "results.json").exists()


def test_languages_without_prompts_are_skipped_with_a_reason(tmp_path):
    task = TASKS["qa"]
    res = run_eval(Oracle([task], ["id"]), [task], tmp_path, RunConfig(languages=["id", "km"], mode="instruct"))
    assert {"task": "qa", "lang": "km", "reason": "no prompt for language"} in res["skipped"]


def test_report_and_compare_two_runs(tmp_path):
    tasks = select_tasks("sentiment,global_mmlu_lite")
    langs = ["id", "vi"]
    run_eval(Oracle(tasks, langs), tasks, tmp_path / "a", RunConfig(languages=langs, mode="instruct"))
    run_eval(Oracle(tasks, langs, wrong=True), tasks, tmp_path / "b", RunConfig(languages=langs, mode="instruct"))
    runs = [load_results(tmp_path / "a"), load_results(tmp_path / "b")]
    md = render_markdown(runs)
    assert md.index("| 1 | oracle |") < md.index("| 2 | oracle-wrong |")
    assert "| id | vi |" in md and "100.0 ± 0.0" in md
    html = render_html(runs)
    assert html.count("data:image/png;base64,") == 3
    md_path, html_path = write_report(runs, tmp_path / "board")
    assert md_path.exists() and html_path.exists()
    rows = compare_runs(runs[0], runs[1], rounds=500)
    assert len(rows) == 4
    for row in rows:
        assert row["diff"] < 0 and row["significant"] and row["p"] < 0.05
    same = compare_runs(runs[0], runs[0], rounds=200)
    assert all(r["diff"] == 0 and not r["significant"] for r in same)


def test_cli_run_report_compare(tmp_path, capsys):
    from seaforge.cli import run

    out = tmp_path / "run"
    rc = run(
        [
            "eval",
            "run",
            "--model",
            "tiny:llama",
            "--tasks",
            "causal",
            "--languages",
            "id",
            "--limit",
            "2",
            "--max-tokens",
            "4",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert (out / "results.json").exists()
    assert run(["eval", "report", str(out), "--out", str(tmp_path / "board")]) == 0
    assert (tmp_path / "board" / "leaderboard.html").exists()
    capsys.readouterr()
    assert run(["eval", "compare", str(out), str(out)]) == 0 and "causal" in capsys.readouterr().out


def test_compare_bootstraps_the_shown_corpus_metric_not_the_mean_item_score(tmp_path):
    from seaforge.eval.runner import task_meta, write_json_atomic, write_jsonl_atomic
    from seaforge.eval.scores import aggregate, task_summary

    variant = tmp_path / "sentiment_f1.yaml"
    variant.write_text(f"extends: {TASKS['sentiment'].path}\nname: sentiment_f1\nmetric: macro_f1\n")
    task = load_task(variant)
    golds = ["positive"] * 20 + ["negative"] * 5 + ["neutral"] * 5
    preds_a = ["positive"] * 30  # 67% right, macro-F1 26.7
    preds_b = ["positive"] * 8 + ["negative"] * 12 + ["negative"] * 5 + ["neutral"] * 5  # 60% right, F1 67.5

    def write_run(folder, preds):
        records = [
            {"id": str(i), "pred": p, "gold": g, "score": float(p == g)} for i, (p, g) in enumerate(zip(preds, golds))
        ]
        results = {"id": {task.competency: {task.name: task_summary(task, {0: records})}}}
        write_json_atomic(
            folder / "results.json",
            {"results": results, "aggregate": aggregate(results), "tasks": {task.name: task_meta(task)}},
        )
        write_jsonl_atomic(folder / "items" / task.name / "id.jsonl", [{"seed": 0, **r} for r in records])
        return load_results(folder)

    (row,) = compare_runs(write_run(tmp_path / "a", preds_a), write_run(tmp_path / "b", preds_b), rounds=1000)
    assert row["diff"] == pytest.approx(67.53 - 26.67, abs=0.01)
    low, high = row["ci"]
    assert 0 < low <= row["diff"] <= high  # the mean item score (60% vs 67%) would put it below 0
    assert row["significant"] and row["n"] == 30
