from typer.testing import CliRunner

from seaforge.cli import run
from seaforge.data.cli import app


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run `seaforge ARGS` in-process: exit code, stdout, stderr."""
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error(code: int, out: str, err: str, *fragments: str) -> str:
    """Exit 2, exactly one `error:` line on stderr naming every fragment, no traceback anywhere."""
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert code == 2, (code, out, err)
    assert len(errors) == 1, err
    assert "Traceback" not in out + err and "error" not in out.lower()
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def test_report_prints_languages_and_writes_html(finished_run):
    _, _, out = finished_run
    result = CliRunner().invoke(app, ["report", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("Per language", "near", "km", "exact_duplicate", "report.html"):
        assert text in result.output
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64") >= 3


def test_packed_command_validates(finished_run):
    _, _, out = finished_run
    result = CliRunner().invoke(app, ["packed", str(out / "packed"), "--verify"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "seq_len 64, eos 2" in result.output


def test_generate_is_deterministic(tmp_path):
    import gzip

    for name in ("a", "b"):
        args = ["generate", str(tmp_path / name), "--docs", "50", "--shards", "2"]
        assert CliRunner().invoke(app, args).exit_code == 0
    read = lambda n: [gzip.open(p).read() for p in sorted((tmp_path / n).glob("*.gz"))]  # noqa: E731
    assert read("a") == read("b") and len(read("a")) == 2


def test_bad_recipes_are_one_error_line_naming_file_and_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\noutput: y\nlanguages: [th]\ninputs: []\n")
    assert_one_error(*cli(capsys, "data", "run", bad), str(bad), "inputs")
    bad.write_bytes(b"name: x\noutput: y\nlanguages: [th]\n# caf\xe9\n")
    assert_one_error(*cli(capsys, "data", "run", bad), f"{bad}:4", "UTF-8")
    assert_one_error(*cli(capsys, "data", "run", tmp_path), str(tmp_path), "folder")
    assert_one_error(*cli(capsys, "data", "run", tmp_path / "nope.yaml"), "nope.yaml")
    bad.write_text("name: x\noutput: y\nlanguages: [th]\n")
    assert_one_error(*cli(capsys, "data", "run", bad, "--set", "executor.tasks"), "FIELD=VALUE")
    assert not (tmp_path / "y").exists()


def test_missing_input_and_unknown_tokenizer_fail_before_any_stage(capsys, tmp_path, tiny_recipe_factory):
    missing = tmp_path / "no-such-corpus"
    recipe = tiny_recipe_factory(tmp_path, inputs=[{"type": "jsonl", "path": str(missing)}])
    assert_one_error(*cli(capsys, "data", "run", recipe), "inputs.0.path", str(missing), "does not exist")
    (tmp_path / "empty-corpus").mkdir()
    recipe = tiny_recipe_factory(tmp_path, inputs=[{"type": "parquet", "path": str(tmp_path / "empty-corpus")}])
    assert_one_error(*cli(capsys, "data", "run", recipe), "no files matching '**/*.parquet'")
    recipe = tiny_recipe_factory(tmp_path, tokenize={"tokenizer": "tiny:gpt9", "seq_len": 32})
    assert_one_error(*cli(capsys, "data", "run", recipe), "gpt9")
    assert not (tmp_path / "out-tiny").exists()  # nothing written, no stage ran


def test_unwritable_output_fails_before_any_work(capsys, tmp_path, tiny_recipe_factory, monkeypatch):
    import seaforge.data.pipeline as pipeline
    import seaforge.data.shards as shards

    def never(*args, **kwargs):
        raise AssertionError("work started before the output was checked")

    monkeypatch.setattr(shards, "load_tokenizer", never)
    monkeypatch.setattr(pipeline, "build_stages", never)
    (tmp_path / "a-file").write_text("not a folder")
    recipe = tiny_recipe_factory(tmp_path, output=str(tmp_path / "a-file" / "run"))
    assert_one_error(*cli(capsys, "data", "run", recipe), "a-file", "cannot write")


def test_corrupt_packed_index_is_an_error_naming_the_file(capsys, finished_run, tmp_path):
    import shutil

    _, _, out = finished_run
    packed = tmp_path / "packed"
    shutil.copytree(out / "packed", packed)
    index = packed / "index.json"
    for content in (b"{not json", b"\xff\xfe", b"[1, 2]", b'{"format": "seaforge-packed-v1"}'):
        index.write_bytes(content)
        assert_one_error(*cli(capsys, "data", "packed", packed), str(index))
    shutil.copy(out / "packed" / "index.json", index)
    shard = sorted(packed.glob("*.npy"))[0]
    shard.write_bytes(b"truncated")
    assert_one_error(*cli(capsys, "data", "packed", packed), str(shard))
    assert_one_error(*cli(capsys, "data", "packed", tmp_path / "nothing"), "index.json")
    assert_one_error(*cli(capsys, "data", "report", tmp_path / "nothing"), "no summary.json")


def test_every_document_filtered_ends_with_a_summary_that_says_why(capsys, tmp_path, tiny_recipe_factory):
    import json

    recipe = tiny_recipe_factory(tmp_path, quality={"default": {"min_words": 100_000}})
    line = assert_one_error(*cli(capsys, "data", "run", recipe), "0 of 40 documents kept", "too_few_words")
    assert "No files found" not in line
    summary = json.loads((tmp_path / "out-tiny" / "summary.json").read_text())
    assert summary["documents_read"] == 40 and summary["dropped"]["too_few_words"] > 0


def test_tasks_flag_is_valid_locally_but_a_resume_must_keep_the_task_count(capsys, tmp_path, tiny_recipe_factory):
    import json

    eval_set = tmp_path / "eval.jsonl"
    rows = [
        {"question": "12 + 30 = 42 ; 84 / 2 = 42"},
        {"lang": "xx", "question": "kto tam jest teraz"},
        {"lang": "id", "question": "Berapa kilogram beras yang dibeli Ibu Sari di pasar pagi tadi?"},
    ]
    eval_set.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    recipe = tiny_recipe_factory(tmp_path, decontaminate={"eval_sets": [str(eval_set)]})
    code, out, err = cli(capsys, "data", "run", recipe, "--tasks", "3", "--set", "executor.workers=1")
    assert code == 0, err
    assert "warning: 2 evaluation texts not indexed" in err and "error" not in err
    summary = json.loads((tmp_path / "out-tiny" / "summary.json").read_text())
    assert summary["decontam_skipped"] == {"no_letters": 1, "unknown_language": 1}
    assert_one_error(*cli(capsys, "data", "run", recipe, "--tasks", "2"), "executor.tasks=3", "--restart")
    (tmp_path / "out-tiny" / "mine.txt").write_text("keep me")
    code, _, err = cli(capsys, "data", "run", recipe, "--tasks", "2", "--restart")
    assert code == 0, err
    assert (tmp_path / "out-tiny" / "mine.txt").read_text() == "keep me"


def test_restart_refuses_a_folder_that_is_not_a_run(capsys, tmp_path, tiny_recipe_factory):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    recipe = tiny_recipe_factory(tmp_path, output=str(precious))
    assert_one_error(*cli(capsys, "data", "run", recipe, "--restart"), "not a seaforge data run")
    assert [p.name for p in precious.iterdir()] == ["thesis.tex"]


def test_input_with_only_malformed_records_says_so(capsys, tmp_path, tiny_recipe_factory):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "part.jsonl").write_bytes(b'{"id": 1, "text": "caf\xe9"}\n{broken\n{"id": 2}\n')
    recipe = tiny_recipe_factory(tmp_path, inputs=[{"type": "jsonl", "path": str(corpus)}])
    assert_one_error(
        *cli(capsys, "data", "run", recipe), "0 documents read", "bad_json 1", "invalid_utf8 1", "missing_text 1"
    )


def test_a_truncated_input_file_is_named_and_the_other_files_are_read(capsys, tmp_path, tiny_recipe_factory):
    import json

    from seaforge.data.synthetic import write_corpus

    corpus = tmp_path / "corpus"
    write_corpus(corpus, 40, shards=2, seed=3, langs=("id", "en", "th"))
    first = sorted(corpus.glob("*.jsonl.gz"))[0]
    whole = first.read_bytes()
    first.write_bytes(whole[: len(whole) // 2])  # a download cut in the middle
    recipe = tiny_recipe_factory(tmp_path, inputs=[{"type": "jsonl", "path": str(corpus), "name": "web"}])
    code, out, err = cli(capsys, "data", "run", recipe, "--set", "executor.workers=1")
    assert code == 0, err
    summary = json.loads((tmp_path / "out-tiny" / "summary.json").read_text())
    assert summary["bad_files"] == [{"file": first.name, "reason": "truncated_file"}]
    assert summary["skipped_input"]["truncated_file"] == 1
    assert f"warning: {first.name}: truncated file" in err
    assert summary["documents_read"] > 20  # the other file, and the first file's records before the cut
