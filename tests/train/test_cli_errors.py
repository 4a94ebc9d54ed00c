"""Every user mistake in `train` and `merge` is one `error:` line on stderr, exit 2, no traceback,
and nothing loaded or written: bad config files, unknown models, unwritable or overlapping outputs."""

from __future__ import annotations

import pytest
import yaml

from seaforge.cli import run


def one_error_line(capsys) -> str:
    """The single `error:` line the CLI printed (and check there is nothing else on stderr)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def no_model_loads(monkeypatch):
    """Fail the test if a command gets as far as loading a tokenizer or model."""
    import transformers

    def refuse(*args, **kwargs):
        raise AssertionError("a model or tokenizer was loaded before the error was found")

    for cls in (transformers.AutoModelForCausalLM, transformers.AutoTokenizer):
        monkeypatch.setattr(cls, "from_pretrained", refuse)


def cpt_yaml(path, model, data, out):
    path.write_text(
        yaml.safe_dump(
            {"model": {"path": str(model)}, "data": {"path": str(data)}, "output_dir": str(out), "train": {"steps": 2}}
        )
    )
    return path


def test_train_cpt_on_a_folder_names_it(tmp_path, capsys, no_model_loads):
    assert run(["train", "cpt", str(tmp_path)]) == 2
    line = one_error_line(capsys)
    assert str(tmp_path) in line and "folder" in line


def test_unknown_tiny_architecture_names_the_field(tmp_path, packed_dir, capsys, no_model_loads):
    cfg = cpt_yaml(tmp_path / "cpt.yaml", "tiny:llama", packed_dir, tmp_path / "out")
    assert run(["train", "cpt", str(cfg), "--set", "model.path=tiny:gpt9"]) == 2
    line = one_error_line(capsys)
    assert "model.path" in line and "gpt9" in line
    assert not (tmp_path / "out").exists()


def test_bad_utf8_in_a_train_config_names_file_and_line(tmp_path, capsys, no_model_loads):
    cfg = tmp_path / "cpt.yaml"
    cfg.write_bytes(b"model:\n  path: tiny:llama\noutput_dir: caf\xe9\n")
    assert run(["train", "sft", str(cfg)]) == 2
    line = one_error_line(capsys)
    assert f"{cfg}:3" in line and "UTF-8" in line


def test_unwritable_output_fails_before_anything_loads(tmp_path, packed_dir, capsys, no_model_loads):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    out = blocker / "run"  # under a regular file: unwritable even for root
    cfg = cpt_yaml(tmp_path / "cpt.yaml", "tiny:llama", packed_dir, out)
    assert run(["train", "cpt", str(cfg)]) == 2
    assert str(out) in one_error_line(capsys)


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"method: linear\nmodels: [\n  - model: x\n", "invalid YAML"),
        (b"method: linear\nmodels:\n  - model: tiny:llama\n    wieght: 1\n", "models.0.wieght"),
        (b"method: linear\nmodels:\n  - model: caf\xc3\n", "not valid UTF-8"),
        (None, "no such file"),
    ],
)
def test_merge_bad_config_is_one_line_naming_the_file(tmp_path, capsys, no_model_loads, content, expected):
    cfg = tmp_path / "bad.yaml"
    if content is not None:
        cfg.write_bytes(content)
    assert run(["merge", str(cfg), str(tmp_path / "merged")]) == 2
    line = one_error_line(capsys)
    assert str(cfg) in line and expected in line
    assert not (tmp_path / "merged").exists()


def test_merge_unknown_model_names_the_field(tmp_path, llama_dir, capsys, no_model_loads):
    cfg = tmp_path / "merge.yaml"
    cfg.write_text(yaml.safe_dump({"method": "linear", "models": [{"model": str(llama_dir)}, {"model": "tiny:gpt9"}]}))
    assert run(["merge", str(cfg), str(tmp_path / "merged")]) == 2
    line = one_error_line(capsys)
    assert "models[1].model" in line and "gpt9" in line


def test_merge_into_one_of_its_inputs_is_refused(tmp_path, llama_dir, tokenizer, make_model, capsys):
    other = make_model(tmp_path / "other", "llama", tokenizer, seed=1)
    before = (other / "model.safetensors").read_bytes()
    capsys.readouterr()  # saving the model printed a progress bar
    cfg = tmp_path / "merge.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {"method": "linear", "dtype": "float32", "models": [{"model": str(llama_dir)}, {"model": str(other)}]}
        )
    )
    # the same folder, the same folder spelled differently, a folder inside it, a folder holding it
    for out in (other, tmp_path / "x" / ".." / "other", other / "merged", tmp_path):
        assert run(["merge", str(cfg), str(out)]) == 2
        line = one_error_line(capsys)
        assert "models[1].model" in line and "destroy" in line
    assert (other / "model.safetensors").read_bytes() == before
    assert not (other / "merged").exists()


def test_merge_lora_into_its_adapter_or_base_is_refused(tmp_path, llama_dir, capsys, no_model_loads):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(f'{{"base_model_name_or_path": "{llama_dir}"}}')
    for out, what in ((adapter, "adapter"), (llama_dir, "base model"), (adapter / "merged", "adapter")):
        assert run(["train", "merge-lora", str(adapter), str(out)]) == 2
        line = one_error_line(capsys)
        assert f"input {what}" in line
    assert run(["train", "merge-lora", str(adapter), str(tmp_path / "m"), "--base", "tiny:gpt9"]) == 2
    assert "--base" in one_error_line(capsys)
