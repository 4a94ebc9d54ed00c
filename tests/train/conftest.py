"""Tiny offline models, tokenizers and packed data for the training tests (all built here)."""

from __future__ import annotations

import random

import pytest

from seaforge.testing import sample_sentences, tiny_causal_lm, tiny_tokenizer


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models gain nothing from threads, and on a shared machine they lose a lot to them."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tokenizer():
    return tiny_tokenizer()


@pytest.fixture(scope="session")
def tok_dir(tmp_path_factory, tokenizer):
    path = tmp_path_factory.mktemp("tok")
    tokenizer.save_pretrained(path)
    return path


def save_tiny_model(path, arch, tokenizer, seed=0, **overrides):
    """Save a tiny `arch` model and the tokenizer to `path` (a loadable model directory)."""
    model = tiny_causal_lm(arch, tokenizer, seed=seed, **overrides)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory, tokenizer):
    return save_tiny_model(tmp_path_factory.mktemp("llama"), "llama", tokenizer)


def lang_docs(lang: str, n_docs: int, seed: int) -> list[str]:
    """Documents of one language: our sample sentences of `lang` in shuffled orders."""
    sents = [s["text"] for s in sample_sentences() if s["lang"] == lang]
    rng = random.Random(seed)
    return [" ".join(rng.sample(sents, len(sents))) for _ in range(n_docs)]


def write_packed_langs(path, tokenizer, langs, seq_len=32, n_docs=12, seed=0):
    """Pack `n_docs` documents per language into a seaforge-packed-v1 directory."""
    from seaforge.data.packing import pack_sequences, write_packed

    rows = {}
    for lang in langs:
        docs = [tokenizer(d, add_special_tokens=False)["input_ids"] for d in lang_docs(lang, n_docs, seed)]
        rows[lang] = list(pack_sequences(docs, seq_len, tokenizer.eos_token_id))
    return write_packed(path, rows, seq_len, "tiny", tokenizer.eos_token_id, rows_per_shard=64)


@pytest.fixture(scope="session")
def packed_dir(tmp_path_factory, tokenizer):
    path = tmp_path_factory.mktemp("packed")
    write_packed_langs(path, tokenizer, ["en", "vi", "th"])
    return path


@pytest.fixture(scope="session")
def make_model():
    """`make_model(path, arch, tokenizer, seed=0, **overrides)` saves a tiny model directory."""
    return save_tiny_model


@pytest.fixture(scope="session")
def make_packed():
    """`make_packed(path, tokenizer, langs, seq_len=32, n_docs=12)` writes packed shards."""
    return write_packed_langs
