"""Fixtures for the tokenizer tests: tokenizers trained here, never downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TARGETS = ("th", "km", "lo", "my", "ta")


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when that material is not present."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def sample_by_lang() -> dict[str, list[str]]:
    from seaforge.testing import sample_sentences

    out: dict[str, list[str]] = {}
    for record in sample_sentences():
        out.setdefault(record["lang"], []).append(record["text"])
    return out


@pytest.fixture(scope="session")
def tiny_tok():
    from seaforge.testing import tiny_tokenizer

    return tiny_tokenizer()


@pytest.fixture(scope="session")
def byte_tokenizer():
    """Byte-level BPE with no merges: every UTF-8 byte is one token, so counts are exact."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from seaforge.tokenizer.extend import bytes_to_unicode

    vocab = {c: i for i, c in enumerate(bytes_to_unicode().values())}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tok)
