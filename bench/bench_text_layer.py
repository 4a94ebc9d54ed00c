"""Text layer: throughput of normalize()/segment() per language, Thai word F1, Zawgyi accuracy.

Throughput baselines: unicodedata NFC for normalize, str.split for segment (what a pipeline does
when it ignores the script), measured in the same run. Documents: UDHR paragraphs from
../shared/corpora/udhr/paragraphs when present, else our bundled sample sentences.
Thai F1 (baseline: pythainlp's default word_tokenize) and Zawgyi line accuracy need
../shared/corpora; those sections are skipped when it is absent.
Run: .venv/bin/python bench/bench_text_layer.py
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seaforge.testing import sample_sentences
from seaforge.text.normalize import normalize
from seaforge.text.segment import _is_word, segment
from seaforge.text.zawgyi import unicode_to_zawgyi, zawgyi_to_unicode

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
UDHR = CORPORA / "udhr" / "paragraphs"
WISESIGHT = CORPORA / "wisesight-sentiment" / "word-tokenization" / "wisesight-1000-samples-tokenised"
MMTOOLS = CORPORA / "myanmar-tools"
ISO3 = {
    "id": "ind",
    "ms": "zsm",
    "tl": "tgl",
    "vi": "vie",
    "th": "tha",
    "my": "mya",
    "km": "khm",
    "lo": "lao",
    "ta": "tam",
    "zh": "cmn",
    "en": "eng",
    "jv": "jav",
    "su": "sun",
    "shn": "shn",
}


def _docs(lang: str) -> tuple[list[str], str]:
    path = UDHR / f"{ISO3[lang]}.txt"
    if path.exists():
        return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()], "udhr"
    return [s["text"] for s in sample_sentences() if s["lang"] == lang], "samples"


def _rate(fn, docs: list[str], min_seconds: float = 0.3) -> float:
    """Documents per second, repeating the set until min_seconds have passed."""
    n, start = 0, time.perf_counter()
    while True:
        for d in docs:
            fn(d)
        n += len(docs)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return n / elapsed


def _word_spans(tokens: list[str]) -> set[tuple[int, int]]:
    spans, i = set(), 0
    for t in tokens:
        if _is_word(t):
            spans.add((i, i + len(t)))
        i += len(t)
    return spans


def thai_f1(tokenize) -> float:
    """Word-level F1 against the human segmentation (whitespace and punctuation ignored)."""
    texts = WISESIGHT.with_suffix(".txt").read_text(encoding="utf-8").split("\n")
    labels = WISESIGHT.with_suffix(".label").read_text(encoding="utf-8").split("\n")
    tp = fp = fn = 0
    for text, label in zip(texts, labels):
        if not text:
            continue
        gold = [t.replace(" ", "") for t in label.split("|") if t.strip()]
        joined, pred, pos = "".join(gold), set(), 0
        for w in (w.strip() for w in tokenize(text)):
            j = joined.find(w, pos) if w and _is_word(w) else -1
            if j >= 0:
                pred.add((j, j + len(w)))
                pos = j + len(w)
        g = _word_spans(gold)
        tp, fp, fn = tp + len(g & pred), fp + len(pred - g), fn + len(g - pred)
    return 2 * tp / (2 * tp + fp + fn)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def zawgyi_scores(src: str, ref: str, convert) -> tuple[int, float, float, float]:
    """(lines, exact-match rate, exact rate with ၀/ဝ identified, character error rate)."""
    read = lambda name: (MMTOOLS / name).read_text(encoding="utf-8").split("\n")  # noqa: E731
    # Unicode references are compared in NFC (what we output); Zawgyi ones as they are, since
    # NFC reorders Zawgyi's visual-order marks.
    nfc = (lambda r: unicodedata.normalize("NFC", r)) if convert is zawgyi_to_unicode else str
    pairs = [(s, nfc(r)) for s, r in zip(read(src), read(ref)) if s.strip() and not s.startswith("#")]
    outs = [(convert(s), r) for s, r in pairs]
    exact = sum(o == r for o, r in outs) / len(outs)
    wa = sum(o.replace("\u1040", "\u101d") == r.replace("\u1040", "\u101d") for o, r in outs) / len(outs)
    cer = sum(_edit_distance(o, r) for o, r in outs) / sum(len(r) for _, r in outs)
    return len(outs), exact, wa, cer


def quality() -> None:
    console = Console(width=150)
    if WISESIGHT.with_suffix(".txt").exists():
        from pythainlp.tokenize import word_tokenize

        ours = thai_f1(lambda t: segment(t, "th"))
        base = thai_f1(lambda t: word_tokenize(t, keep_whitespace=False))
        console.print(
            f"Thai word F1 (wisesight-1000): segment {ours:.4f}, pythainlp word_tokenize "
            f"{base:.4f}, ratio {ours / base:.3f}"
        )
    if MMTOOLS.exists():
        table = Table(title="Zawgyi conversion vs the myanmar-tools reference outputs (non-header lines)")
        for col in ("direction", "file", "lines", "exact", "exact (၀=ဝ)", "CER"):
            table.add_column(col, justify="right")
        for name, src, ref, fn in [
            ("Z->U", "mmgov_zawgyi_src.txt", "mmgov_unicode_out.txt", zawgyi_to_unicode),
            ("Z->U", "udhr_mya_zawgyi_out.txt", "udhr_mya_unicode_src.txt", zawgyi_to_unicode),
            ("U->Z", "udhr_mya_unicode_src.txt", "udhr_mya_zawgyi_out.txt", unicode_to_zawgyi),
        ]:
            n, exact, wa, cer = zawgyi_scores(src, ref, fn)
            table.add_row(name, src, str(n), f"{exact:.1%}", f"{wa:.1%}", f"{cer:.3%}")
        console.print(table)


def main() -> None:
    quality()
    table = Table(title="normalize / segment throughput (docs/s) vs NFC / str.split, same run")
    for col in (
        "lang",
        "docs",
        "chars/doc",
        "NFC docs/s",
        "normalize docs/s",
        "ratio",
        "split docs/s",
        "segment docs/s",
        "ratio",
    ):
        table.add_column(col, justify="right")
    for lang in ISO3:
        docs, source = _docs(lang)
        if not docs:
            continue
        segment(docs[0], lang)  # load the segmenter outside the timing
        nfc = _rate(lambda doc: unicodedata.normalize("NFC", doc), docs)
        norm = _rate(lambda doc, code=lang: normalize(doc, code), docs)
        split = _rate(str.split, docs)
        seg = _rate(lambda doc, code=lang: segment(doc, code), docs)
        chars = sum(map(len, docs)) // len(docs)
        table.add_row(
            lang,
            f"{len(docs)} {source}",
            str(chars),
            f"{nfc:,.0f}",
            f"{norm:,.0f}",
            f"{norm / nfc:.3f}",
            f"{split:,.0f}",
            f"{seg:,.0f}",
            f"{seg / split:.4f}",
        )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
