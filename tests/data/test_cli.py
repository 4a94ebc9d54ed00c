from typer.testing import CliRunner

from seaforge.data.cli import app


def test_report_prints_languages_and_writes_html(finished_run):
    _, _, out = finished_run
    result = CliRunner().invoke(app, ["report", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("Per language", "near", "km", "exact_duplicate", "report.html"):
        assert text in result.output
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64") >= 3


def test_packed_command_validates_and_bad_recipe_exits_with_the_field(finished_run, tmp_path):
    _, _, out = finished_run
    result = CliRunner().invoke(app, ["packed", str(out / "packed"), "--verify"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "seq_len 64, eos 2" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\noutput: y\nlanguages: [th]\ninputs: []\n")
    result = CliRunner().invoke(app, ["run", str(bad)])
    assert result.exit_code == 2 and "inputs" in result.output


def test_generate_is_deterministic(tmp_path):
    import gzip
    for name in ("a", "b"):
        assert CliRunner().invoke(app, ["generate", str(tmp_path / name), "--docs", "50", "--shards", "2"]).exit_code == 0
    read = lambda n: [gzip.open(p).read() for p in sorted((tmp_path / n).glob("*.gz"))]  # noqa: E731
    assert read("a") == read("b") and len(read("a")) == 2
