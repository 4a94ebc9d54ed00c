import random

import numpy as np

from seaforge.data.dedup import shingles
from seaforge.data.synthetic import clean_document, near_duplicate


def _jaccard(a, b):
    a, b = set(a.ravel().tolist()), set(b.ravel().tolist())
    return len(a & b) / len(a | b)


def test_near_duplicate_thai_and_khmer_pages_share_most_segmented_shingles():
    rng = random.Random(5)
    for lang in ("th", "km"):
        page = clean_document(lang, rng)
        copy = near_duplicate(page, rng)
        other = clean_document(lang, rng)
        assert _jaccard(shingles(page, lang, 5), shingles(copy, lang, 5)) > 0.7
        assert _jaccard(shingles(page, lang, 5), shingles(other, lang, 5)) < 0.2
        # Whitespace "words" make one shingle per clause: a single edit changes most of them.
        assert len(shingles(page, lang, 5)) > 3 * len(page.split())  # far more units than spaces give


def test_shingles_never_match_across_languages():
    text = "Harga beras naik lagi minggu ini di pasar induk kota"
    assert not set(shingles(text, "id", 3).ravel()) & set(shingles(text, "ms", 3).ravel())
    assert shingles("", "th", 5).shape == (0, 1) and shingles("สั้น", "th", 5).dtype == np.uint64
