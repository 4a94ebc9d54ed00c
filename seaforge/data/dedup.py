"""Exact and MinHash near-duplicate removal with shingles over OUR segmented words.

datatrove's MinHash splits text with its own word tokenizer, chosen once per step. Thai, Lao,
Khmer and Burmese have no spaces, so whitespace shingles would be whole sentences and
near-duplicates would be missed. Our signature step shingles each document's words from
``seaforge.text.segment`` for the document's own language, and prefixes every shingle with
the language so documents only ever match within their language. Buckets, clustering and
filtering are datatrove's stages unchanged.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.word_tokenizers import WordTokenizer

from seaforge.data.steps import WORDS_KEY, doc_lang

_SPACES = re.compile(r"\s+")
# Shingle length in segmented units. 5 words (datatrove's default) span ~25 characters of
# English; Burmese units are syllables and Chinese words are 1-2 characters, so 5 of them span
# so little text that unrelated pages on the same topic collide. 8 restores a similar span.
DEFAULT_NGRAMS = {"my": 8, "zh": 8}


def exact_key(doc: Document) -> bytes:
    """The text exact dedup hashes: case-folded, whitespace collapsed (so re-spaced copies match)."""
    return (doc_lang(doc) + "\x1f" + _SPACES.sub(" ", doc.text.casefold()).strip()).encode()


def exact_config() -> ExactDedupConfig:
    return ExactDedupConfig(content_getter=exact_key)


def _simplify(word: str) -> str:
    """Lower-case and drop punctuation/symbols inside a word; digits become 0 (prices change)."""
    out = []
    for ch in word.lower():
        cat = unicodedata.category(ch)
        if cat[0] in "PSZC":
            continue
        out.append("0" if cat == "Nd" else ch)
    return "".join(out)


def shingle_words(text: str, lang: str) -> list[str]:
    """Simplified segmented words that MinHash shingles are built from."""
    from seaforge.text.segment import segment

    return [w for w in (_simplify(w) for w in segment(text, lang)) if w]


def shingles(text: str, lang: str, n: int, words: list[str] | None = None) -> np.ndarray:
    """Hashed word n-grams (uint64, shape (k, 1)), language-prefixed; short texts give one shingle.

    ``words``: the document's segmented words when already known (saves segmenting again).
    """
    words = shingle_words(text, lang) if words is None else [w for w in map(_simplify, words) if w]
    if not words:
        return np.empty((0, 1), dtype=np.uint64)
    grams = [words[i : i + n] for i in range(max(1, len(words) - n + 1))]
    return np.fromiter(
        (xxhash.xxh64_intdigest((lang + "\x1f" + " ".join(g)).encode()) for g in grams), dtype=np.uint64
    ).reshape((-1, 1))


class _Unused(WordTokenizer):
    """Placeholder so datatrove does not load its default (spaCy) English tokenizer."""

    def word_tokenize(self, text: str) -> list[str]:
        raise NotImplementedError("SeaMinhashSignature shingles with seaforge.text.segment")

    sent_tokenize = span_tokenize = word_tokenize


class SeaMinhashSignature(MinhashDedupSignature):
    """MinHash stage 1 with per-document language-aware shingles (see module docstring)."""

    name = "🎯 MinHash signatures (SEA words)"

    def __init__(self, output_folder, config: MinhashConfig | None = None, ngrams: dict[str, int] | None = None):
        super().__init__(output_folder, config, language=_Unused())
        self.ngrams = {**DEFAULT_NGRAMS, **(ngrams or {})}
        self._lang, self._words = "und", None

    def get_shingles(self, text: str) -> np.ndarray:
        return shingles(text, self._lang, self.ngrams.get(self._lang, self.config.n_grams), self._words)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        def tagged():
            # The parent computes shingles right after pulling each document: tell it the language.
            for doc in data:
                self._lang, self._words = doc_lang(doc), doc.metadata.get(WORDS_KEY)
                yield doc

        return super().run(tagged(), rank, world_size)
