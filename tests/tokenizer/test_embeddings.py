import pytest
import torch

from seaforge.testing import tiny_causal_lm
from seaforge.tokenizer.embeddings import decompose_new_tokens, resize_and_init
from seaforge.tokenizer.extend import extend_tokenizer

from .conftest import TARGETS

ARCHS = [("llama", {}), ("llama", {"tie_word_embeddings": True}), ("qwen3", {}), ("gemma3_text", {})]
OLD_ONLY = "Tomorrow I will go to the market. Besok pagi saya mau ke pasar."


@pytest.fixture(scope="module")
def extended(tiny_tok, sample_by_lang):
    new, _ = extend_tokenizer(tiny_tok, {lang: sample_by_lang[lang] for lang in TARGETS}, 80, min_frequency=1)
    return new


def test_new_tokens_decompose_into_base_tokens_that_spell_them(tiny_tok, extended):
    pieces = decompose_new_tokens(tiny_tok, extended)
    assert sorted(pieces) == list(range(len(tiny_tok), len(extended)))
    for idx, ids in pieces.items():
        assert len(ids) >= 2 and max(ids) < len(tiny_tok)
        assert "".join(tiny_tok.convert_ids_to_tokens(ids)) == extended.convert_ids_to_tokens(idx)


@pytest.mark.parametrize("arch,overrides", ARCHS, ids=["llama", "llama-tied", "qwen3", "gemma3"])
def test_old_token_logits_unchanged_and_new_rows_are_piece_means(tiny_tok, extended, arch, overrides):
    model = tiny_causal_lm(arch, tiny_tok, **overrides)
    ids = tiny_tok(OLD_ONLY, return_tensors="pt")["input_ids"]
    assert extended(OLD_ONLY, return_tensors="pt")["input_ids"].tolist() == ids.tolist()
    with torch.no_grad():
        before = model(ids).logits
    old_out = model.get_output_embeddings().weight.detach().clone()
    info = resize_and_init(model, tiny_tok, extended)
    with torch.no_grad():
        after = model(ids).logits
    assert after.shape[-1] >= len(extended) and info["tied"] == model.config.tie_word_embeddings
    torch.testing.assert_close(after[..., : before.shape[-1]], before)
    emb, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    for idx, pieces in list(decompose_new_tokens(tiny_tok, extended).items())[:10]:
        torch.testing.assert_close(emb[idx], emb[pieces].mean(dim=0))
        if not info["tied"]:
            torch.testing.assert_close(head[idx], old_out[pieces].mean(dim=0))


def test_extended_model_and_tokenizer_reload_with_auto_classes(tiny_tok, extended, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = tiny_causal_lm("qwen3", tiny_tok)
    resize_and_init(model, tiny_tok, extended)
    model.save_pretrained(tmp_path)
    extended.save_pretrained(tmp_path)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    again = AutoModelForCausalLM.from_pretrained(tmp_path)
    text = "ขอบคุณมาก สำหรับความช่วยเหลือ"
    assert tok(text)["input_ids"] == extended(text)["input_ids"]
    ids = tok(text, return_tensors="pt")["input_ids"]
    assert ids.max().item() >= len(tiny_tok)  # the text really uses new tokens
    with torch.no_grad():
        torch.testing.assert_close(again(ids).logits, model(ids).logits)
    messages = [{"role": "user", "content": "สวัสดี"}]
    assert tok.apply_chat_template(messages, tokenize=False) == tiny_tok.apply_chat_template(messages, tokenize=False)
    assert (tok.eos_token, tok.pad_token, tok.bos_token) == (tiny_tok.eos_token, tiny_tok.pad_token, tiny_tok.bos_token)


def test_a_moved_token_is_refused(tiny_tok, byte_tokenizer):
    # the byte tokenizer numbers the byte alphabet from 0; the tiny one puts specials first
    with pytest.raises(ValueError, match="moved"):
        decompose_new_tokens(tiny_tok, byte_tokenizer)
