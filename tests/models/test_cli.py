"""`seaforge models list | pull | import | info` through the CLI's one error boundary."""

from __future__ import annotations

import json

import pytest

from seaforge.cli import run


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_help_lists_every_models_command(capsys):
    assert run(["models", "--help"]) == 0
    out = capsys.readouterr().out
    for command in ("list", "pull", "import", "info", "export", "trim"):
        assert command in out


def test_list_json_shows_the_registered_models_not_pulled_in_a_fresh_home(home, capsys):
    assert run(["models", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"gemma3-270m", "smollm2-135m-instruct", "whisper-base"}
    assert rows["gemma3-270m"]["licence"] == "Gemma Terms of Use"
    assert rows["smollm2-135m-instruct"]["licence"] == "Apache-2.0"
    assert all(row["pulled"] is False and row["size_bytes"] is None for row in rows.values())
    assert all(isinstance(row["installed"], bool) for row in rows.values())


def test_list_table_marks_a_pulled_model_with_its_size(home, capsys):
    from seaforge.models.gguf_import import CONVERSION_FORMAT, MANIFEST

    folder = home / "models" / "smollm2-135m-instruct"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / MANIFEST).write_text(json.dumps({"format": CONVERSION_FORMAT}))
    (folder / "model.safetensors").write_bytes(b"\0" * 2_500_000)
    assert run(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "gemma3-270m" in out and "smollm2-135m-instruct" in out and "2.5 MB" in out
    assert run(["models", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["smollm2-135m-instruct"]["pulled"] and rows["smollm2-135m-instruct"]["path"] == str(folder)


def test_info_json_of_a_tiny_model_counts_parameters_without_loading(home, capsys):
    from transformers import AutoModelForCausalLM

    assert run(["models", "info", "tiny:gemma3_text", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    for key in ("path", "architecture", "parameters", "vocab_size", "source", "licence"):
        assert facts[key] is not None, key
    model = AutoModelForCausalLM.from_pretrained(facts["path"])
    assert facts["parameters"] == model.num_parameters()  # tied embeddings counted once
    assert facts["vocab_size"] == model.config.vocab_size and facts["architecture"] == "Gemma3ForCausalLM"
    assert facts["embedding_parameters"] == model.config.vocab_size * model.config.hidden_size
    assert facts["source"].startswith("tiny:gemma3_text") and facts["chat_template"] is True


def test_info_table_and_a_local_folder_with_a_card_licence(home, tmp_path, capsys):
    import shutil

    from seaforge.models.resolve import resolve_model

    folder = tmp_path / "my-model"
    shutil.copytree(resolve_model("tiny:llama"), folder)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\nbase_model: x/y\n---\n# my model\n")
    assert run(["models", "info", str(folder), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["licence"] == "apache-2.0" and facts["source"] == f"local folder {folder}"
    assert run(["models", "info", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "LlamaForCausalLM" in out and "apache-2.0" in out


def test_info_counts_parameters_of_a_sharded_checkpoint_from_its_headers(tmp_path):
    import torch
    from safetensors.torch import save_file

    from seaforge.models.info import count_parameters

    save_file({"a": torch.zeros(3, 4), "b": torch.zeros(5)}, str(tmp_path / "model-00001-of-00002.safetensors"))
    save_file({"c": torch.zeros(2, 2, 2)}, str(tmp_path / "model-00002-of-00002.safetensors"))
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps(
            {
                "weight_map": {
                    "a": "model-00001-of-00002.safetensors",
                    "b": "model-00001-of-00002.safetensors",
                    "c": "model-00002-of-00002.safetensors",
                }
            }
        )
    )
    assert count_parameters(tmp_path) == 12 + 5 + 8


@pytest.mark.parametrize(
    "argv, message",
    [
        (["models", "info", "gemma3-27m"], "did you mean 'gemma3-270m'?"),
        (["models", "info", "tiny:gpt9"], "unknown tiny architecture 'gpt9'"),
        (["models", "pull", "llama-9000"], "registered models: gemma3-270m, smollm2-135m-instruct"),
    ],
)
def test_wrong_model_arguments_exit_2_with_one_line(home, capsys, argv, message):
    assert run(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not (home / "models").exists()


def test_info_of_a_folder_that_is_no_model(tmp_path, capsys):
    assert run(["models", "info", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path}: not a model folder (no config.json)"


def test_info_of_a_corrupt_safetensors_header(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "vocab_size": 10}))
    (tmp_path / "model.safetensors").write_bytes(b"\x05")
    assert run(["models", "info", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'model.safetensors'}: truncated safetensors file"


def test_list_shows_imported_conversions_and_skips_unfinished_ones(home, capsys):
    from seaforge.models.gguf_import import CONVERSION_FORMAT, MANIFEST

    done = home / "models" / "gguf-0123456789abcdef"
    done.mkdir(parents=True)
    (done / "config.json").write_text("{}")
    manifest = {"format": CONVERSION_FORMAT, "gguf_file": "my-model.gguf", "licence": "Apache-2.0"}
    (done / MANIFEST).write_text(json.dumps(manifest))
    unfinished = home / "models" / "gguf-fedcba9876543210"
    unfinished.mkdir()
    (unfinished / "config.json").write_text("{}")  # no manifest: a conversion that never finished
    assert run(["models", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert str(done) in rows and str(unfinished) not in rows
    assert rows[str(done)]["licence"] == "Apache-2.0" and "my-model.gguf" in rows[str(done)]["description"]
    assert run(["models", "list"]) == 0
    assert "(imported)" in capsys.readouterr().out
