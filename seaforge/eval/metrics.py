"""Per-item task metrics: SQuAD F1, chrF++ (via sacrebleu) and ROUGE-L, with language-aware words.

Scripts without spaces (Thai, Lao, Khmer, Burmese, Chinese) are segmented into words before
word-level metrics, so SQuAD F1, ROUGE-L and chrF++'s word n-grams mean the same thing in every
language instead of treating a whole Thai sentence as one "word".
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

CHAR_ORDER, WORD_ORDER, BETA = 6, 2, 2  # chrF++ as defined by Popović (2017) and sacrebleu
_ASCII_PUNCT = set(string.punctuation)
_EN_ARTICLES = {"a", "an", "the"}


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith(("P", "S"))


def _unspaced(lang: str | None) -> bool:
    if not lang:
        return False
    from seaforge.text.languages import get

    try:
        return not get(lang).spaced
    except KeyError:
        return False


def words(text: str, lang: str | None = None) -> list[str]:
    """Split text into words: segmentation for unspaced scripts, whitespace elsewhere.

    Punctuation-only tokens are dropped; punctuation at word edges is stripped.
    """
    if _unspaced(lang):
        from seaforge.text.segment import segment

        tokens = segment(text, lang)
    else:
        tokens = text.split()
    kept = []
    for token in tokens:
        token = "".join(ch for ch in token if not ch.isspace()).strip("".join(_ASCII_PUNCT) + "“”‘’«»…。、，！？")
        if token and not all(_is_punct(ch) for ch in token):
            kept.append(token)
    return kept


def normalize_answer(text: str, lang: str | None = None) -> list[str]:
    """SQuAD-style normalization: lower case, no punctuation, no English articles; as words."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if _is_punct(ch) else ch for ch in text)
    tokens = words(text, lang)
    if lang == "en":
        tokens = [token for token in tokens if token not in _EN_ARTICLES]
    return tokens


def squad_f1(prediction: str, references: Sequence[str], lang: str | None = None) -> float:
    """Token-overlap F1 (0-1) against the best-matching reference."""
    pred = normalize_answer(prediction, lang)
    best = 0.0
    for ref in references:
        gold = normalize_answer(ref, lang)
        if not pred or not gold:
            best = max(best, float(pred == gold))
            continue
        common = sum((Counter(pred) & Counter(gold)).values())
        if common == 0:
            continue
        precision, recall = common / len(pred), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


# Accuracy and macro-F1 are computed from per-item counts in scores.py (bootstrappable sums).


# --- chrF++ -----------------------------------------------------------------------------------
# sacrebleu computes chrF++; we only segment unspaced scripts first, so its word n-grams are words.
# Its character n-grams skip whitespace, so the spaces we insert change nothing else.


@lru_cache(maxsize=1)
def _chrf_metric():
    from sacrebleu.metrics import CHRF

    return CHRF(char_order=CHAR_ORDER, word_order=WORD_ORDER, beta=BETA)


def _chrf_text(text: str, lang: str | None) -> str:
    if _unspaced(lang):
        from seaforge.text.segment import segment

        return " ".join(segment(text, lang))
    return text


def chrf_stats(hypothesis: str, references: Sequence[str], lang: str | None = None) -> list[int]:
    """One segment's [hyp, ref, match] n-gram counts per order against its best reference
    (sacrebleu's segment statistics); sum them over segments for corpus chrF++."""
    refs = [_chrf_text(ref, lang) for ref in references] or [""]
    # sacrebleu's statistics API (also behind its own significance tests): one segment, its refs.
    stats = _chrf_metric()._extract_corpus_statistics([_chrf_text(hypothesis, lang)], [[ref] for ref in refs])
    return [int(count) for count in stats[0]]


def chrf_from_stats(stats: Sequence[int]) -> float:
    """chrF++ (0-100) from summed [hyp, ref, match] counts per n-gram order."""
    return float(_chrf_metric()._compute_score_from_stats([int(count) for count in stats]).score)


def chrf_pp(hypotheses: Sequence[str], references: Sequence[Sequence[str]], lang: str | None = None) -> float:
    """Corpus chrF++ (0-100): sacrebleu's CHRF(word_order=2), on segmented words when unspaced.

    `references[i]` holds the references of hypothesis i; the best one per segment counts.
    """
    totals = [0] * (3 * (CHAR_ORDER + WORD_ORDER))
    for hyp, refs in zip(hypotheses, references, strict=True):
        totals = [a + b for a, b in zip(totals, chrf_stats(hyp, refs, lang))]
    return chrf_from_stats(totals)


# --- ROUGE-L ----------------------------------------------------------------------------------


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l(prediction: str, references: Sequence[str], lang: str | None = None) -> float:
    """ROUGE-L F1 (0-1) on lower-cased language-aware words, best over references."""
    pred = [w.lower() for w in words(prediction, lang)]
    best = 0.0
    for ref in references:
        gold = [w.lower() for w in words(ref, lang)]
        lcs = _lcs_length(pred, gold)
        if lcs:
            precision, recall = lcs / len(pred), lcs / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best
