"""Real data without friction (issue 16): --data TASK=PATH and data YAMLs, CSV, files without a
language field, folders with few-shot files, and runs that read nothing failing loudly."""

import json
from pathlib import Path

import pytest
from recording_backend import Recorder  # tests/support, on sys.path via conftest
from rich.console import Console

from seaforge.errors import UserError
from seaforge.eval.items import DataError, is_fewshot_file, load_items, parse_data, read_jsonl
from seaforge.eval.runner import RunConfig, prepare_run, run_eval
from seaforge.eval.tasks import bundled_tasks

TASKS = bundled_tasks()
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
QUIET = Console(stderr=True, quiet=True)


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _causal_rows(prefix: str, n: int = 4, lang: str | None = None) -> list[dict]:
    rows = [
        {
            "idx": f"{prefix}{i}",
            "premise": f"{prefix} premis {i}",
            "choice1": f"{prefix} satu {i}",
            "choice2": f"{prefix} dua {i}",
            "question": "cause",
            "label": i % 2,
        }  # fmt: skip
        for i in range(n)
    ]
    if lang:
        for row in rows:
            row["lang"] = lang
    return rows


def _csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["id,text,label"] + [f'{i},"{text}",{label}' for i, text, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- parsing --data --------------------------------------------------------------------------------


def test_task_equals_path_and_task_lang_equals_path(tmp_path):
    a = _jsonl(tmp_path / "a.jsonl", _causal_rows("a"))
    spec = parse_data([f"causal:th={a}", f"sentiment={tmp_path}"])
    assert spec.default is None  # only the named tasks
    assert [(s.path, s.lang) for s in spec.tasks["causal"]] == [(a, "th")]
    assert [(s.path, s.lang) for s in spec.tasks["sentiment"]] == [(tmp_path, None)]
    assert spec.languages(TASKS["causal"]) == {"th"} and spec.languages(TASKS["sentiment"]) is None
    assert parse_data(["hf", f"causal={a}"]).default == "hf"  # a default for the other tasks
    assert parse_data(None).default == "samples" and parse_data("samples").tasks == {}


def test_data_yaml_maps_tasks_and_languages_to_files_relative_to_itself(tmp_path):
    _jsonl(tmp_path / "xcopa" / "test.th.jsonl", _causal_rows("t"))
    _jsonl(tmp_path / "xcopa" / "val.th.jsonl", _causal_rows("v"))
    _csv(tmp_path / "senti.csv", [("1", "Enak sekali", "positive")])
    (tmp_path / "bb").mkdir()
    config = tmp_path / "data.yaml"
    config.write_text(
        "causal:\n  th: {test: xcopa/test.th.jsonl, examples: xcopa/val.th.jsonl}\n"
        "sentiment:\n  id: senti.csv\n"
        "mcqa: bb\n",  # an earlier task name works too
        encoding="utf-8",
    )
    spec = parse_data([str(config)])
    (causal,) = spec.tasks["causal"]
    assert causal.path == tmp_path / "xcopa" / "test.th.jsonl" and causal.lang == "th"
    assert causal.examples == tmp_path / "xcopa" / "val.th.jsonl"
    assert spec.tasks["sentiment"][0].lang == "id" and spec.sources(TASKS["belebele-qa-mc"])[0].path == tmp_path / "bb"


@pytest.mark.parametrize(
    "value,says",
    [
        ("causal=missing.jsonl", "--data causal=missing.jsonl: missing.jsonl: no such file or folder"),
        ("causal:xx=x.jsonl", "unknown language code 'xx'"),
        ("nowhere", "--data nowhere: no such file or folder"),
    ],
)
def test_data_mistakes_name_the_option(tmp_path, monkeypatch, value, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jsonl").write_text("{}\n")
    with pytest.raises(UserError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_data([value])


def test_data_yaml_mistakes_name_the_file_and_field(tmp_path):
    config = tmp_path / "data.yaml"
    config.write_text("causal:\n  th: gone.jsonl\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"data\.yaml: field `causal\.th`: gone\.jsonl: no such file"):
        parse_data([str(config)])
    config.write_text("causal:\n  th: {tests: a.jsonl}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"field `causal\.th`: give a path or \{test: PATH, examples: PATH\}"):
        parse_data([str(config)])
    with pytest.raises(DataError, match="give one of samples | hf"):
        parse_data(["samples", "hf"])


# --- records -------------------------------------------------------------------------------------


def test_csv_files_are_read_like_jsonl(tmp_path):
    path = _csv(tmp_path / "test.csv", [("1", "Makanannya enak, pelayanannya ramah", "positive"),
                                         ("2", "Antreannya lama sekali", "negative")])  # fmt: skip
    items, skipped = read_jsonl(path, TASKS["sentiment"], "id", strict=True, file_lang="id")
    assert [(item.id, item.label) for item in items] == [("1", "positive"), ("2", "negative")] and skipped == 0
    assert items[0].fields["text"] == "Makanannya enak, pelayanannya ramah"


def test_a_csv_without_an_id_column_names_items_by_their_row(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('text,label\n"Pesanannya cepat sampai",positive\n"Barangnya rusak",negative\n', encoding="utf-8")
    items, skipped = read_jsonl(path, TASKS["sentiment"], "id", strict=True, file_lang="id")
    assert [(item.id, item.label) for item in items] == [("row-2", "positive"), ("row-3", "negative")]
    assert skipped == 0


def test_a_file_without_language_is_scored_only_in_the_named_language(tmp_path):
    data = _jsonl(tmp_path / "test.id.jsonl", _causal_rows("x"))
    spec = parse_data([f"causal:id={data}"])
    assert len(load_items(TASKS["causal"], "id", spec).items) == 4
    assert load_items(TASKS["causal"], "th", spec).items == []  # never copied into another language
    plan = prepare_run([TASKS["causal"]], RunConfig(languages=["id", "th", "vi"], data=[f"causal:id={data}"]))
    assert set(plan.loaded["causal"]) == {"id"} and not plan.skipped  # th/vi not even attempted


def test_a_file_without_language_and_none_named_is_an_error_not_all_languages(tmp_path):
    data = _jsonl(tmp_path / "causal.jsonl", _causal_rows("x"))
    for given in ([f"causal={data}"], str(data)):
        with pytest.raises(
            DataError, match=r"causal\.jsonl: its records have no language field .* --data causal:LANG="
        ):
            prepare_run([TASKS["causal"]], RunConfig(languages=["id", "th"], data=given))
    # One asked language names it.
    plan = prepare_run([TASKS["causal"]], RunConfig(languages=["th"], data=str(data)))
    assert list(plan.loaded["causal"]) == ["th"] and len(plan.loaded["causal"]["th"].items) == 4


def test_records_of_another_language_in_a_named_file_are_left_out(tmp_path):
    data = _jsonl(tmp_path / "mixed.jsonl", _causal_rows("i", lang="id") + _causal_rows("t", lang="th"))
    loaded = load_items(TASKS["causal"], "th", parse_data([f"causal:th={data}"]))
    assert {item.id for item in loaded.items} == {"t0", "t1", "t2", "t3"}


def test_a_folder_reads_test_files_and_takes_fewshot_files_only_as_examples(tmp_path):
    folder = tmp_path / "xcopa"
    _jsonl(folder / "test.id.jsonl", _causal_rows("test", lang="id"))
    _jsonl(folder / "val.id.jsonl", _causal_rows("val", lang="id"))
    _jsonl(folder / "global_mmlu_lite_id_dev.jsonl", _causal_rows("dev", lang="id"))
    _jsonl(folder / "id_causal_examples.jsonl", _causal_rows("ex", lang="id"))
    loaded = load_items(TASKS["causal"], "id", parse_data([f"causal={folder}"]), fewshot_k=5)
    assert {item.id[:3] for item in loaded.items} == {"tes"}
    assert {example.id.rstrip("0123456789") for example in loaded.fewshot} == {"val", "dev", "ex"}
    assert all(is_fewshot_file(Path(name)) for name in ("val.th.jsonl", "a_dev.jsonl", "jv_belebele_examples.jsonl"))
    assert not any(is_fewshot_file(Path(name)) for name in ("test.th.jsonl", "global_mmlu_lite_ms_test.jsonl"))


# --- mistakes stop the run -----------------------------------------------------------------------


def test_a_path_that_reads_nothing_is_an_error(tmp_path):
    bad = _csv(tmp_path / "bad.csv", [("1", "teks", "sangat-senang"), ("2", "teks", "???")])  # no such labels
    with pytest.raises(DataError, match=r"--data for sentiment read no items: .*bad\.csv"):
        prepare_run([TASKS["sentiment"]], RunConfig(languages=["id"], data=[f"sentiment:id={bad}"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds no .jsonl or .csv test file"):
        prepare_run([TASKS["sentiment"]], RunConfig(languages=["id"], data=[f"sentiment:id={empty}"]))
    data = _jsonl(tmp_path / "c.jsonl", _causal_rows("x"))
    with pytest.raises(DataError, match="--data names causal only for th, none of which is among --languages id"):
        prepare_run([TASKS["causal"]], RunConfig(languages=["id"], data=[f"causal:th={data}"]))
    with pytest.raises(DataError, match="task 'causal' is not among the tasks to run"):
        prepare_run([TASKS["sentiment"]], RunConfig(languages=["id"], data=[f"causal:th={data}"]))


def test_cli_runs_the_tasks_data_names_and_fails_when_every_pair_is_skipped(tmp_path, capsys):
    from seaforge.cli import run

    data = _jsonl(tmp_path / "c.jsonl", _causal_rows("x"))
    out = tmp_path / "out"
    args = ["eval", "run", "--model", "tiny:gpt9", "--out", str(out), "--languages", "id"]
    # every pair skipped (mp-r has no Thai prompt): exit 2 with the reason, before any model is resolved
    assert run([*args[:-1], "th", "--tasks", "mp-r"]) == 2
    assert "nothing to evaluate: mp-r/th: no prompt for language" in capsys.readouterr().err
    assert run([*args, "--data", f"causal={data}", "--data", "nonsense=1"]) == 2
    assert "nonsense=1: 1: no such file or folder" in capsys.readouterr().err
    assert not out.exists()


def test_a_run_with_mapped_data_scores_only_those_tasks(tmp_path):
    data = _jsonl(tmp_path / "c.jsonl", _causal_rows("x"))
    senti = _csv(tmp_path / "s.csv", [("1", "Enak", "positive"), ("2", "Buruk", "negative")])
    config = RunConfig(languages=["id", "th"], mode="base", data=[f"causal:th={data}", f"sentiment:id={senti}"])
    report = run_eval(Recorder(), [TASKS["causal"], TASKS["sentiment"]], tmp_path / "out", config, console=QUIET)
    assert set(report["results"]) == {"id", "th"} and list(report["results"]["th"]["nlr"]) == ["causal"]
    assert report["results"]["id"]["nlu"]["sentiment"]["n"] == 2 and not report["skipped"]


# --- the real SEA-HELM-packaged slices ---------------------------------------------------------------

needs_corpora = pytest.mark.skipif(not (CORPORA / "xcopa").is_dir(), reason="shared corpora absent")


@needs_corpora
def test_real_slices_load_with_their_languages_and_examples():
    data = [
        f"causal:id={CORPORA / 'xcopa' / 'data' / 'id'}",
        f"causal:th={CORPORA / 'xcopa' / 'data' / 'th'}",
        f"belebele-qa-mc={CORPORA / 'belebele'}",
        f"global_mmlu_lite={CORPORA / 'global-mmlu-lite'}",
        f"sentiment:id={CORPORA / 'nusax' / 'datasets' / 'sentiment' / 'indonesian' / 'test.csv'}",
    ]
    tasks = [TASKS[name] for name in ("causal", "belebele-qa-mc", "global_mmlu_lite", "sentiment")]
    plan = prepare_run(tasks, RunConfig(languages=["id", "th", "jv", "su", "ms", "my", "tl"], mode="base", data=data))
    causal = plan.loaded["causal"]
    assert set(causal) == {"id", "th"} and len(causal["th"].items) == 500 and len(causal["th"].fewshot) == 100
    assert causal["th"].fewshot_source.endswith("val.th.jsonl")  # XCOPA's validation split, never test
    belebele = plan.loaded["belebele-qa-mc"]
    assert {lang: len(loaded.items) for lang, loaded in belebele.items()} == {"jv": 280, "su": 280}
    assert all(len(loaded.fewshot) == 5 and loaded.fewshot[0].lang == lang for lang, loaded in belebele.items())
    assert {lang: len(loaded.items) for lang, loaded in plan.loaded["global_mmlu_lite"].items()} == {
        "ms": 400, "my": 400, "tl": 400}  # fmt: skip
    assert len(plan.loaded["sentiment"]["id"].items) == 400
    assert {item.label for item in plan.loaded["sentiment"]["id"].items} == {"positive", "negative", "neutral"}


@needs_corpora
@pytest.mark.slow
def test_real_slices_run_on_a_tiny_model(tmp_path, capsys):
    from seaforge.cli import run

    out = tmp_path / "out"
    rc = run(
        ["eval", "run", "--model", "tiny:llama", "--mode", "base", "--choice-scoring", "loglikelihood",
         "--limit", "3", "--languages", "id,jv,ms", "--out", str(out),
         "--data", f"causal:id={CORPORA / 'xcopa' / 'data' / 'id'}",
         "--data", f"belebele-qa-mc={CORPORA / 'belebele'}",
         "--data", f"global_mmlu_lite={CORPORA / 'global-mmlu-lite'}",
         "--data", f"sentiment:id={CORPORA / 'nusax' / 'datasets' / 'sentiment' / 'indonesian' / 'test.csv'}"]
    )  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert result["results"]["jv"]["nlu"]["belebele-qa-mc"]["n"] == 3
    assert result["results"]["ms"]["knowledge"]["global_mmlu_lite"]["n"] == 3
    assert result["results"]["id"]["nlr"]["causal"]["fewshot"]["k"] == 5
    assert (out / "seahelm_results.json").exists()
