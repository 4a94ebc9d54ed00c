"""Per-language tokenizer statistics: fertility, tokens per character and byte, parity, cost.

Words come from `seaforge.text.segment` (dictionary segmenters for Thai, Lao and Khmer, syllables
for Burmese, characters for Chinese), so fertility is comparable across scripts with and without
spaces. A word's pieces are the tokens whose character span overlaps it in the encoding of the
whole text, so the count is what the model really sees, not an isolated-word artefact.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from seaforge.tokenizer.corpus import Corpus
from seaforge.tokenizer.extend import is_byte_level, token_text

_BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


@dataclass
class LangStats:
    """One tokenizer on one language."""

    lang: str
    texts: int
    tokens: int
    words: int
    chars: int
    bytes: int
    fertility: float  # tokens per word
    tokens_per_char: float
    tokens_per_byte: float
    byte_share: float  # byte-fallback pieces, or byte-level tokens that cut a character
    unk_share: float
    split3_share: float  # words cut into 3 or more tokens
    parity: float | None = None  # tokens / pivot-language tokens on the same (parallel) texts
    tokens_per_1k_words: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class WordIndex:
    """Word spans of every text, computed once per corpus and shared by all tokenizers."""

    spans: dict[str, list[list[tuple[int, int]]]]
    counts: dict[str, list[int]]


def _locate(text: str, words: list[str]) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for word in words:
        start = text.find(word, pos)
        if start >= 0:  # words the segmenter normalized are counted but not located
            spans.append((start, start + len(word)))
            pos = start + len(word)
    return spans


def word_index(corpus: Corpus) -> WordIndex:
    """Segment every text of the corpus into words (the expensive part of a report)."""
    from seaforge.text.segment import segment

    spans, counts = {}, {}
    for lang, texts in corpus.texts.items():
        words = [segment(t, lang) for t in texts]
        counts[lang] = [len(w) for w in words]
        spans[lang] = [_locate(t, w) for t, w in zip(texts, words, strict=True)]
    return WordIndex(spans, counts)


def byte_piece_flags(tokenizer) -> list[bool]:
    """For each id: is it a raw byte (`<0xE0>`) or a byte-level token that cuts a character?"""
    byte_level = is_byte_level(tokenizer.backend_tokenizer)
    flags = []
    for token in tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))):
        token = token or ""
        if _BYTE_PIECE.match(token):
            flags.append(True)
        elif byte_level:
            flags.append("\ufffd" in token_text(token, True))
        else:
            flags.append(False)
    return flags


def _pieces_per_word(offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    out, first = [], 0
    for start, end in spans:
        while first < len(offsets) and offsets[first][1] <= start:
            first += 1
        n, k = 0, first
        while k < len(offsets) and offsets[k][0] < end:
            n += offsets[k][1] > start
            k += 1
        out.append(n)
    return out


def language_stats(tokenizer, lang: str, texts: list[str], spans, word_counts, flags) -> LangStats:
    """Statistics of one tokenizer on one language's texts."""
    encodings = tokenizer.backend_tokenizer.encode_batch(texts, add_special_tokens=False)
    unk = tokenizer.unk_token_id
    tokens = byte_pieces = unks = split3 = located = 0
    for enc, text_spans in zip(encodings, spans, strict=True):
        ids = enc.ids
        tokens += len(ids)
        byte_pieces += sum(flags[i] for i in ids if i < len(flags))
        unks += ids.count(unk) if unk is not None else 0
        pieces = _pieces_per_word(enc.offsets, text_spans)
        located += len(pieces)
        split3 += sum(p >= 3 for p in pieces)
    chars = sum(len(t) for t in texts)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    words = sum(word_counts)
    fertility = tokens / words if words else 0.0
    return LangStats(
        lang,
        len(texts),
        tokens,
        words,
        chars,
        nbytes,
        fertility,
        tokens / max(chars, 1),
        tokens / max(nbytes, 1),
        byte_pieces / max(tokens, 1),
        unks / max(tokens, 1),
        split3 / max(located, 1),
        tokens_per_1k_words=1000 * fertility,
    )


def corpus_stats(tokenizer, corpus: Corpus, index: WordIndex, pivot: str = "en") -> list[LangStats]:
    """Statistics for every language; parity against `pivot` when the corpus is parallel."""
    flags = byte_piece_flags(tokenizer)
    stats = [
        language_stats(tokenizer, lang, corpus.texts[lang], index.spans[lang], index.counts[lang], flags)
        for lang in corpus.texts
    ]
    by_lang = {s.lang: s for s in stats}
    if corpus.parallel and pivot in by_lang and by_lang[pivot].tokens:
        for s in stats:
            s.parity = s.tokens / by_lang[pivot].tokens
    return stats


def cost_row(s: LangStats, price_per_million: float, tokens_per_second: float) -> dict:
    """What 1,000 words cost in money and generation time; multipliers are the parity."""
    return {
        "lang": s.lang,
        "tokens_per_1k_words": s.tokens_per_1k_words,
        "price_per_1k_words": s.tokens_per_1k_words * price_per_million / 1e6,
        "seconds_per_1k_words": s.tokens_per_1k_words / tokens_per_second,
        "price_multiplier": s.parity,
        "latency_multiplier": s.parity,
    }
