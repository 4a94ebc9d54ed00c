"""Documented Indonesian/Malaysian contrasts as countable features (``data/langid_idms_contrasts.tsv``).

The two standards share most of their words; what tells them apart is a few hundred documented
spellings and words (uang/wang, karena/kerana, -itas/-iti, kantor, syarikat, nggak/takde ...).
This module only counts them: how many distinct Indonesian-standard and Malaysian-standard
forms a text holds, per category (spelling, vocabulary, colloquial, meaning). How much each count is
worth is fitted on the training sources by ``seaforge.text.langid_train`` (weights shipped in
the cluster model's JSON), not set by hand.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

CONTRASTS_FILE = "langid_idms_contrasts.tsv"
CATEGORIES = ("spelling", "vocabulary", "colloquial", "meaning")
# Feature order: id counts per category, then ms counts per category.
FEATURES = tuple(f"{side}_{cat}" for side in ("id", "ms") for cat in CATEGORIES)
# Counts saturate: a long text cannot pile up unbounded evidence from one category.
COUNT_CAP = 3
# Endings no list can enumerate: Indonesian -itas against Malaysian -iti (kualitas/kualiti,
# from English -ity after l/v/n/s/r/t; "-eliti" is the native teliti family, shared), and
# Malaysian -syen (televisyen, stesyen). Words of 6+ letters.
_ITAS_RE = re.compile(r"^\w{2,}(?:l|v|n|s|r|t)itas$")
_ITI_RE = re.compile(r"^(?!\w*eliti$)\w{2,}(?:l|v|n|s|r|t)iti$")
_SYEN_RE = re.compile(r"^\w{3,}syen$")


@cache
def contrast_table() -> dict[str, tuple[int, int]]:
    """word -> (side 0=id/1=ms, category index); words listed on both sides are dropped."""
    text = resources.files("seaforge.text").joinpath("data", CONTRASTS_FILE).read_text("utf-8")
    sides: dict[str, set[tuple[int, int]]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in CATEGORIES:
            raise ValueError(f"{CONTRASTS_FILE}:{lineno}: expected category<TAB>id forms<TAB>ms forms")
        cat = CATEGORIES.index(parts[0])
        for side, forms in enumerate(parts[1:]):
            for word in forms.split():
                if word != "-":
                    sides.setdefault(word.lower(), set()).add((side, cat))
    return {w: next(iter(s)) for w, s in sides.items() if len({side for side, _ in s}) == 1}


@cache
def _keys() -> frozenset[str]:
    return frozenset(contrast_table())


def idms_counts(words, text: str | None = None) -> list[int]:
    """Distinct Indonesian-standard then Malaysian-standard forms per category (see FEATURES);
    ``words`` is the text's tokens or, cheaper, their set; ``text``, if given, is the string
    they were split from (saves joining them again for the endings' pre-check)."""
    n = len(CATEGORIES)
    counts = [0] * (2 * n)
    if not isinstance(words, (set, frozenset)):
        words = set(words)
    table = contrast_table()
    for word in words & _keys():
        side, cat = table[word]
        counts[n * side + cat] += 1
    joined = " ".join(words) if text is None else text
    # The endings: a C-level substring test first, then only the words that hold one.
    if "itas" in joined or "iti" in joined or "syen" in joined:
        for word in words:
            if word.endswith("itas"):
                counts[0] += _ITAS_RE.match(word) is not None
            elif word.endswith("iti"):
                counts[n] += _ITI_RE.match(word) is not None
            elif word.endswith("syen"):
                counts[n] += _SYEN_RE.match(word) is not None
    if any(counts):
        return [c if c < COUNT_CAP else COUNT_CAP for c in counts]
    return counts
