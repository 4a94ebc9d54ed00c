import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from seaforge.testing import TINY_ARCHS, sample_sentences, tiny_causal_lm, tiny_tokenizer


def test_sample_sentences_cover_the_main_languages():
    langs = {r["lang"] for r in sample_sentences()}
    assert {"id", "ms", "tl", "vi", "th", "my", "km", "lo", "ta", "zh", "en", "jv", "su"} <= langs


def test_tiny_tokenizer_round_trips_and_reloads(tmp_path):
    tok = tiny_tokenizer(tmp_path)
    for rec in sample_sentences():
        assert tok.decode(tok(rec["text"]).input_ids) == rec["text"]
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again("Sáng mai").input_ids == tok("Sáng mai").input_ids
    assert "<|im_start|>assistant" in again.apply_chat_template(
        [{"role": "user", "content": "hai"}], tokenize=False, add_generation_prompt=True
    )


@pytest.mark.parametrize("arch", TINY_ARCHS)
def test_tiny_models_are_deterministic_and_save(arch, tmp_path):
    tok = tiny_tokenizer()
    ids = tok("ราคาตั๋วรถไฟ", return_tensors="pt").input_ids
    a, b = tiny_causal_lm(arch, tok), tiny_causal_lm(arch, tok)
    with torch.no_grad():
        logits = a(ids).logits
        assert torch.equal(logits, b(ids).logits)
    assert logits.shape[-1] == len(tok)
    a.save_pretrained(tmp_path)
    with torch.no_grad():
        assert torch.allclose(AutoModelForCausalLM.from_pretrained(tmp_path)(ids).logits, logits)


def test_tiny_spec_resolves_to_a_saved_model_that_loads(tmp_path, monkeypatch):
    from seaforge.models.resolve import ModelNotFound, resolve_model

    monkeypatch.setenv("SEAFORGE_CACHE", str(tmp_path))
    path = resolve_model("tiny:qwen3")
    assert path.startswith(str(tmp_path / "tiny" / "qwen3-"))
    model = AutoModelForCausalLM.from_pretrained(path)
    tok = AutoTokenizer.from_pretrained(path)
    ids = tok("Sáng mai", return_tensors="pt").input_ids
    with torch.no_grad():
        assert torch.equal(model(ids).logits, tiny_causal_lm("qwen3", tiny_tokenizer())(ids).logits)
    with pytest.raises(ModelNotFound, match="not in the local hub cache"):  # HF_HUB_OFFLINE=1 in tests
        resolve_model("Qwen/Qwen3-8B")
