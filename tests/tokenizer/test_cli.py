import json

import pytest
from typer.testing import CliRunner

from seaforge.tokenizer.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def tok_dir(tiny_tok, tmp_path_factory):
    path = tmp_path_factory.mktemp("tok")
    tiny_tok.save_pretrained(path)
    return path


def test_report_writes_json_and_html(tok_dir, tmp_path):
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    result = runner.invoke(app, ["report", "-t", str(tok_dir), "--corpus", "sample", "--price", "2",
                                 "--json", str(out), "--html", str(page)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    (tok,) = report["tokenizers"]
    stats = {s["lang"]: s for s in tok["languages"]}
    assert report["parallel"] and len(stats) == 12 and stats["en"]["parity"] == 1.0
    assert stats["my"]["parity"] > stats["id"]["parity"]  # Burmese costs more tokens
    cost = {c["lang"]: c for c in tok["cost"]}
    assert cost["th"]["price_per_1k_words"] == pytest.approx(stats["th"]["tokens_per_1k_words"] * 2e-6)
    html = page.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "parity vs en" in html


def test_report_json_to_stdout(tok_dir):
    result = runner.invoke(app, ["report", "-t", str(tok_dir), "--json", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["tokenizers"][0]["vocab_size"] == 600


def test_report_bad_tokenizer_path_fails_cleanly(tmp_path):
    result = runner.invoke(app, ["report", "-t", str(tmp_path)])
    assert result.exit_code == 2 and "no tokenizer files" in " ".join(result.output.split())


def test_train_command_saves_a_loadable_tokenizer(tmp_path):
    from transformers import AutoTokenizer

    out = tmp_path / "trained"
    result = runner.invoke(app, ["train", "--corpus", "sample", "--vocab-size", "700",
                                 "--weights", "th=2,km=1,lo=1,en=1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    tok = AutoTokenizer.from_pretrained(out)
    assert len(tok) <= 700 and tok.decode(tok("ขอบคุณ")["input_ids"]) == "ขอบคุณ"
    again = runner.invoke(app, ["train", "--corpus", "sample", "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in " ".join(again.output.split())


def test_extend_command_grows_model_and_tokenizer(tiny_tok, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from seaforge.testing import tiny_causal_lm

    base = tmp_path / "base"
    tiny_causal_lm("llama", tiny_tok).save_pretrained(base)
    tiny_tok.save_pretrained(base)
    out = tmp_path / "ext"
    result = runner.invoke(app, ["extend", "--model", str(base), "--corpus", "sample", "--langs",
                                 "th,km,my", "--new-tokens", "40", "--min-frequency", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    tok, model = AutoTokenizer.from_pretrained(out), AutoModelForCausalLM.from_pretrained(out)
    summary = json.loads((out / "seaforge_extension.json").read_text(encoding="utf-8"))
    assert len(tok) == 640 == summary["vocab"] and summary["languages"] == ["th", "km", "my"]
    assert model.get_input_embeddings().weight.shape[0] >= 640


def test_extend_refuses_a_language_missing_from_the_corpus(tok_dir, tmp_path):
    result = runner.invoke(app, ["extend", "--tokenizer", str(tok_dir), "--corpus", "sample",
                                 "--langs", "shn", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "shn" in " ".join(result.output.split())
