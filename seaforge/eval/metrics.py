"""Task metrics: accuracy, macro-F1, SQuAD F1, chrF++ and ROUGE-L, with language-aware words.

Scripts without spaces (Thai, Lao, Khmer, Burmese, Chinese) are segmented into words before
word-level metrics, so SQuAD F1, ROUGE-L and chrF++'s word n-grams mean the same thing in every
language instead of treating a whole Thai sentence as one "word".
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

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
    out = []
    for tok in tokens:
        tok = "".join(ch for ch in tok if not ch.isspace()).strip("".join(_ASCII_PUNCT) + "“”‘’«»…。、，！？")
        if tok and not all(_is_punct(ch) for ch in tok):
            out.append(tok)
    return out


def normalize_answer(text: str, lang: str | None = None) -> list[str]:
    """SQuAD-style normalisation: lower case, no punctuation, no English articles; as words."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if _is_punct(ch) else ch for ch in text)
    toks = words(text, lang)
    if lang == "en":
        toks = [t for t in toks if t not in _EN_ARTICLES]
    return toks


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
        p, r = common / len(pred), common / len(gold)
        best = max(best, 2 * p * r / (p + r))
    return best


def accuracy(predictions: Sequence[str | None], golds: Sequence[str]) -> float:
    """Share (0-1) of predictions equal to the gold label; None (unparsed) counts as wrong."""
    if not golds:
        raise ValueError("accuracy of an empty set")
    return sum(p == g for p, g in zip(predictions, golds, strict=True)) / len(golds)


def macro_f1(predictions: Sequence[str | None], golds: Sequence[str],
             labels: Sequence[str] | None = None) -> float:
    """Unweighted mean over labels of per-label F1 (0-1); labels default to those in the golds."""
    labels = list(labels) if labels else sorted(set(golds))
    total = 0.0
    for label in labels:
        tp = sum(p == label and g == label for p, g in zip(predictions, golds, strict=True))
        fp = sum(p == label and g != label for p, g in zip(predictions, golds, strict=True))
        fn = sum(p != label and g == label for p, g in zip(predictions, golds, strict=True))
        total += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return total / len(labels)


# --- chrF++ -----------------------------------------------------------------------------------

def _chrf_words(text: str, lang: str | None) -> list[str]:
    """Words for chrF++'s word n-grams: sacrebleu's punctuation split, or segmentation when unspaced."""
    if _unspaced(lang):
        from seaforge.text.segment import segment

        return segment(text, lang)
    out: list[str] = []
    for w in text.split():
        if len(w) > 1 and w[-1] in _ASCII_PUNCT:
            out += [w[:-1], w[-1]]
        elif len(w) > 1 and w[0] in _ASCII_PUNCT:
            out += [w[0], w[1:]]
        else:
            out.append(w)
    return out


def _ngram_counters(text: str, lang: str | None) -> list[Counter]:
    chars = "".join(text.split())
    counters = [Counter(chars[i:i + n] for i in range(len(chars) - n + 1))
                for n in range(1, CHAR_ORDER + 1)]
    toks = _chrf_words(text, lang)
    counters += [Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))
                 for n in range(1, WORD_ORDER + 1)]
    return counters


def _match_stats(hyp: list[Counter], ref: list[Counter]) -> list[int]:
    stats = []
    for h, r in zip(hyp, ref):
        match = sum(min(c, r[g]) for g, c in h.items() if g in r)
        stats += [sum(h.values()) if r else 0, sum(r.values()), match]
    return stats


def chrf_from_stats(stats: Sequence[int]) -> float:
    """chrF++ (0-100) from summed [hyp, ref, match] counts per n-gram order."""
    factor = BETA ** 2
    prec_sum = rec_sum = 0.0
    orders = 0
    for i in range(0, len(stats), 3):
        n_hyp, n_ref, n_match = stats[i:i + 3]
        if n_hyp > 0 and n_ref > 0:
            prec_sum += n_match / n_hyp
            rec_sum += n_match / n_ref
            orders += 1
    if not orders:
        return 0.0
    prec, rec = prec_sum / orders, rec_sum / orders
    return 100 * (1 + factor) * prec * rec / (factor * prec + rec) if prec + rec else 0.0


def chrf_pp(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
            lang: str | None = None) -> float:
    """Corpus chrF++ (0-100); identical to sacrebleu's CHRF(word_order=2) on spaced scripts.

    `references[i]` holds the references of hypothesis i; the best one per segment counts.
    """
    totals = [0] * (3 * (CHAR_ORDER + WORD_ORDER))
    for hyp, refs in zip(hypotheses, references, strict=True):
        totals = [a + b for a, b in zip(totals, chrf_stats(hyp, refs, lang))]
    return chrf_from_stats(totals)


def chrf_stats(hypothesis: str, references: Sequence[str], lang: str | None = None) -> list[int]:
    """One segment's n-gram counts against its best reference; sum them for corpus chrF++."""
    h = _ngram_counters(hypothesis, lang)
    best, best_f = [0] * (3 * (CHAR_ORDER + WORD_ORDER)), -1.0
    for ref in references:
        stats = _match_stats(h, _ngram_counters(ref, lang))
        f = chrf_from_stats(stats)
        if f > best_f:
            best, best_f = stats, f
    return best


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
            p, r = lcs / len(pred), lcs / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best
