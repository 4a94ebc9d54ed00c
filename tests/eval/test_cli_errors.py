"""`seaforge eval ...` mistakes: one `error:` line on stderr, exit 2, and no model loaded first.

`--model tiny:gpt9` names no model: a test whose error is about something else proves that the
argument was checked before the model was even resolved.
"""

import json

import pytest
from loopback_server import LoopbackServer, RawReply

from seaforge.cli import run


def _error(capsys) -> str:
    """The one `error:` line, which ends stderr (a progress bar may come before it)."""
    err = capsys.readouterr().err.strip()
    last = err.splitlines()[-1]
    assert last.startswith("error: ") and err.count("error: ") == 1 and "Traceback" not in err, err
    return last


@pytest.mark.parametrize(
    "args,says",
    [
        (["--languages", "xx"], "unknown language code 'xx'"),
        (["--data", "missing.jsonl"], "--data missing.jsonl: no such file or folder"),
        (["--tasks", "nope"], "unknown task 'nope'"),
        (["--mode", "chatty"], "--mode must be one of instruct, base, auto"),
        (["--choice-scoring", "vibes"], "--choice-scoring must be one of generate, loglikelihood"),
        (["--seeds", "a,b"], "--seeds must be a comma list of integers"),
        (["--tasks", "mtbench"], "mt-bench need(s) a judge (--judge-model)"),
        (["--data", "samples", "--fewshot-data", "x.jsonl"], "--fewshot-data goes with a local --data"),
    ],
)
def test_bad_arguments_fail_before_the_model_is_loaded(tmp_path, capsys, args, says):
    rc = run(["eval", "run", "--model", "tiny:gpt9", "--out", str(tmp_path / "out"), *args])
    assert rc == 2 and says in _error(capsys)
    assert not (tmp_path / "out").exists()


def test_unwritable_output_fails_before_the_model_is_loaded(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    rc = run(
        ["eval", "run", "--model", "tiny:gpt9", "--tasks", "causal", "--languages", "id", "--out", str(blocker / "out")]
    )
    assert rc == 2 and "cannot write here" in _error(capsys)


def test_unknown_model_is_one_error_line(tmp_path, capsys):
    rc = run(
        [
            "eval",
            "run",
            "--model",
            "tiny:gpt9",
            "--tasks",
            "causal",
            "--languages",
            "id",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 2 and "unknown tiny architecture 'gpt9'" in _error(capsys)


def test_data_file_with_no_items_for_the_language_is_an_error(tmp_path, capsys):
    data = tmp_path / "causal.jsonl"
    data.write_text(
        json.dumps(
            {
                "id": "1",
                "lang": "vi",
                "premise": "Trời mưa.",
                "choice1": "a",
                "choice2": "b",
                "question": "effect",
                "label": 0,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    rc = run(
        [
            "eval",
            "run",
            "--model",
            "tiny:gpt9",
            "--tasks",
            "causal",
            "--languages",
            "id",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 2 and f"nothing to evaluate: causal/id: no items in {data}" in _error(capsys)


def test_endpoint_without_choices_exits_2_naming_the_url_and_caches_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    with LoopbackServer(lambda batch: [RawReply(b'{"choices": []}')] * len(batch)) as srv:
        rc = run(
            [
                "eval",
                "run",
                "--backend",
                "openai",
                "--base-url",
                srv.base_url,
                "--model",
                "m",
                "--tasks",
                "sentiment",
                "--languages",
                "id",
                "--out",
                str(out),
            ]
        )
    assert rc == 2 and f"{srv.base_url}/chat/completions: the response has no choices" in _error(capsys)
    assert not (out / "results.json").exists()
    import sqlite3

    with sqlite3.connect(out / "cache.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM inference").fetchone()[0] == 0


def test_report_and_compare_of_missing_runs(tmp_path, capsys):
    assert run(["eval", "report", str(tmp_path / "missing")]) == 2
    assert "no results file" in _error(capsys)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text("{not json", encoding="utf-8")
    assert run(["eval", "compare", str(tmp_path / "bad"), str(tmp_path / "bad")]) == 2
    assert "not valid JSON" in _error(capsys)


def test_data_records_without_the_fields_the_prompt_needs_fail_before_the_model(tmp_path, capsys):
    data = tmp_path / "causal.jsonl"
    data.write_text(
        json.dumps(
            {
                "id": "1",
                "lang": "id",
                "premis": "Hujan deras.",
                "choice1": "a",
                "choice2": "b",
                "question": "effect",
                "label": "A",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    rc = run(
        [
            "eval",
            "run",
            "--model",
            "tiny:gpt9",
            "--tasks",
            "causal",
            "--languages",
            "id",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = _error(capsys)
    assert rc == 2 and "causal.yaml: field `languages.id.input` uses {premise}, which item '1' lacks" in err


def test_hub_data_that_cannot_be_loaded_is_a_reason_not_a_traceback(tmp_path, capsys):
    rc = run(
        [
            "eval",
            "run",
            "--model",
            "tiny:gpt9",
            "--tasks",
            "sentiment",
            "--languages",
            "id",
            "--data",
            "hf",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert (
        rc == 2
        # SEA-HELM's current layout (issue 16): config = the language, split "eval".
        and "nothing to evaluate: sentiment/id: aisingapore/NLU-Sentiment-Analysis[id/eval]: cannot load"
        in _error(capsys)
    )
