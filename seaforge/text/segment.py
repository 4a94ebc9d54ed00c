"""Word segmentation for every registered language, offline.

Text is cut into runs by script, so mixed text (Thai with English brand names, Burmese with
digits) works whatever `lang` says. Scripts written without spaces go to their segmenter:
- Thai: pythainlp `newmm` (dictionary maximal matching), with letter elongations ("มากกกก")
  kept inside their word and the repetition mark ๆ split off, as the Wisesight/BEST
  guidelines do; both raise word F1 on social-media Thai (see bench/bench_text_layer.py).
- Lao: laonlp; Khmer: khmer-nltk (CRF); Burmese and Shan: our syllable rules.
- Chinese: one token per Han character. jieba would add a dependency and a large dictionary
  load for no gain in what we use words for: dedup shingles, chrF-style metrics and
  fertility all work on characters for Chinese.
Everything else: runs of letters, marks and digits, keeping intra-word apostrophes and hyphens
("anak-anak", "don't") and numbers ("1,000.50", "10:30"). Whitespace and punctuation-only
tokens are dropped; emoji (with selector, skin tone or ZWJ sequence) stay, one per token.
The heavy segmenters are loaded once per process, on first use. Text is not normalized here:
call `normalize` first (Zawgyi Burmese in particular must be converted before segmenting).
"""

from __future__ import annotations

from functools import lru_cache

import regex

from seaforge.text.languages import resolve
from seaforge.text.scripts import char_class, class_of, letters_and_marks

# A script's run for its segmenter: its letters and marks (its digits are numbers, its punctuation
# separates words).
_THAI = class_of(letters_and_marks("Thai"))
_LAO = class_of(letters_and_marks("Laoo"))
_KHMER = class_of(letters_and_marks("Khmr"))
_MYANMAR = class_of(letters_and_marks("Mymr")) + r"\u104c-\u104f"  # ၌ ၍ ၎ ၏ are words, not punctuation
_HAN = r"\p{Han}\u3005\u3007"
_JOINERS = r"\u200c\u200d"
# A pictographic symbol with its presentation selector / skin tone; ZWJ sequences stay whole.
_EMOJI = r"\p{So}[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]?"
# Characters of the scripts segmented by their own rules (and variation selectors).
_OWN_RULES = rf"{char_class('Thai', 'Laoo', 'Mymr', 'Khmr')}\ufe00-\ufe0f{_HAN}"
# Letters, marks, digits of the space-delimited scripts (V1 set difference).
_WORDCHAR = rf"[[\p{{L}}\p{{M}}\p{{N}}]--[{_OWN_RULES}]]"
_WORDLIKE = regex.compile(r"[\p{L}\p{M}\p{N}\p{So}\u104c-\u104f]")  # ၌ ၍ ၎ ၏ are words

_RUNS = regex.compile(
    rf"(?P<th>[{_THAI}]+)|(?P<lo>[{_LAO}]+)|(?P<km>[{_KHMER}{_JOINERS}]+)"
    rf"|(?P<my>[{_MYANMAR}{_JOINERS}]+)|(?P<zh>[{_HAN}])"
    rf"|(?P<num>\p{{N}}+(?:[.,:/]\p{{N}}+)+)"
    rf"|(?P<word>{_WORDCHAR}+(?:['’\-‐]{_WORDCHAR}+)*)"
    rf"|(?P<num>\p{{N}}+)|(?P<sym>{_EMOJI}(?:\u200d{_EMOJI})*)",
    regex.V1,
)

# Fast path for text with none of the scripts above (most documents): the same alternatives
# without V1 set difference, which costs ~2.5x in the regex engine.
_PLAIN_WORDCHAR = r"[\p{L}\p{M}\p{N}]"
_PLAIN_RUNS = regex.compile(
    rf"\p{{N}}+(?:[.,:/]\p{{N}}+)+|{_PLAIN_WORDCHAR}+(?:['’\-‐]{_PLAIN_WORDCHAR}+)*"
    rf"|\p{{N}}+|{_EMOJI}(?:\u200d{_EMOJI})*"
)
_NEEDS_FULL = regex.compile(rf"[{_OWN_RULES}]")

# A Burmese/Shan syllable starts at a consonant, independent vowel or symbol letter, unless that
# letter is killed (asat U+103A, possibly after dot below U+1037, which NFC puts first: "င့်"),
# stacked under the previous one (virama U+1039) or is the upper half of a stack (followed by U+1039).
_MY_START = (
    r"[\u1000-\u102a\u103f\u104c-\u104f\u1050-\u1055\u105a-\u105d\u1061\u1065\u1066"
    r"\u106e-\u1070\u1075-\u1081\u108e\uaa60-\uaa7f\ua9e0-\ua9ff]"
)
_MY_SYLLABLE_BREAK = regex.compile(rf"(?<!\u1039)(?={_MY_START}(?!\u1037?[\u103a\u1039]))")


def _myanmar_syllables(run: str) -> list[str]:
    return [s for s in _MY_SYLLABLE_BREAK.split(run) if s]


@lru_cache(maxsize=1)
def _thai_tokenizer():
    from pythainlp.tokenize.newmm import segment as newmm  # builds its dictionary trie once

    return newmm


@lru_cache(maxsize=1)
def _lao_tokenizer():
    from laonlp.tokenize import word_tokenize

    return word_tokenize


@lru_cache(maxsize=1)
def _khmer_tokenizer():
    import logging

    from khmernltk import word_tokenize

    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)  # it logs each model load at INFO
    return word_tokenize


_MAI_YAMOK = regex.compile("(\u0e46)")  # the repetition mark is a word of its own, as in BEST
_ELONGATED = regex.compile(r"([\u0e01-\u0e45\u0e47-\u0e4e])\1{2,}")


def _thai_words(run: str) -> list[str]:
    """newmm on the run with letter elongations ("มากกกกก") collapsed, then re-expanded inside
    the word they lengthen: the dictionary would otherwise cut them into stray letters."""
    extra: dict[int, int] = {}  # index in the collapsed text -> letters removed after it
    pieces, last, size = [], 0, 0
    for m in _ELONGATED.finditer(run):
        pieces.append(run[last : m.start() + 1])
        size += len(pieces[-1])
        extra[size - 1] = len(m.group()) - 1
        last = m.end()
    collapsed = "".join(pieces) + run[last:]
    out, pos = [], 0
    for tok in _thai_tokenizer()(collapsed):
        word = "".join(ch * (1 + extra.get(pos + i, 0)) for i, ch in enumerate(tok))
        pos += len(tok)
        out.extend(p for p in _MAI_YAMOK.split(word) if p)
    return out


_SEGMENTED = frozenset({"th", "lo", "km", "my"})


def _split_run(kind: str, run: str) -> list[str]:
    if kind == "th":
        return _thai_words(run)
    if kind == "lo":
        return _lao_tokenizer()(run)
    if kind == "km":
        return _khmer_tokenizer()(run)
    if kind == "my":
        return _myanmar_syllables(run)
    return [run]


def _is_word(token: str) -> bool:
    return _WORDLIKE.search(token) is not None


def segment(text: str, lang: str) -> list[str]:
    """The words of `text`: no whitespace or punctuation-only tokens; numbers stay tokens.

    `lang` is any registered code or alias ("fil", "tha", "zh-Hans"); unknown codes raise
    KeyError. Segmentation follows the script of each run of characters.
    """
    resolve(lang)  # validate early: a typo in lang should not pass silently
    if _NEEDS_FULL.search(text) is None:
        return _PLAIN_RUNS.findall(text)
    words: list[str] = []
    for m in _RUNS.finditer(text):
        kind = m.lastgroup
        if kind in _SEGMENTED:
            words.extend(t for t in (t.strip() for t in _split_run(kind, m.group())) if t and _is_word(t))
        else:  # the run regex only matches word-like text here
            words.append(m.group())
    return words
