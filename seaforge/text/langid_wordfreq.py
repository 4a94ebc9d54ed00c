"""Indonesian and Malaysian word lists from wordfreq: two features of the cluster model.

- ``preference_score``: how strongly the standards prefer the text's words (id vs ms split).
- ``vocabulary_share``: the share of the text's distinct words that either standard uses at all, which
  tells Indonesian or Malay (p10 0.80) from the regional languages that borrow from them
  (Javanese, Minangkabau, Banjarese ...: p90 0.67-0.82 on the shared corpora).

The documented contrasts (``langid_idms``) are nearly always right but fire on few sentences:
most formal text holds none. What else separates the standards is how often each uses shared
words (tersebut, harus, bisa, sudah against ialah, bagi, boleh, mesti ...). wordfreq (Robyn
Speer, https://github.com/rspeer/wordfreq) measured that on large corpora of both standards in
several registers (Wikipedia, subtitles, news, web, social media), none of them ours, so the
feature generalises past the sources our model is fitted on.

The table ``data/langid_idms_wordfreq.tsv`` is built once from wordfreq 3.1.1's ``small`` lists
(``python -m seaforge.text.langid_wordfreq --out ...`` with wordfreq importable): every word of
either list with log(f_ms / f_id), a missing side taken as ``FLOOR``, clipped to +-``CLIP``, and
its Zipf frequency (``vocabulary`` keeps the words at ``VOCAB_ZIPF`` or above). Only
a preference of at least ``MIN_RATIO`` (4.5x) counts: a shared word used about equally says
nothing and only adds noise. Both settings were read off the training groups of the held-out
protocol (each group alike: ``bench/bench_langid_idms.py``). The table's data are wordfreq's,
CC BY-SA 4.0; the file says so in its header.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
from functools import cache
from importlib import resources
from pathlib import Path

TABLE_FILE = "langid_idms_wordfreq.tsv"
FLOOR = 1e-7  # frequency of a word missing from one list (the lists stop near 1e-6)
CLIP = 5.0
MIN_RATIO = 1.5
# ``vocabulary`` keeps the ~10,000 words either standard uses at least once in 100,000 (Zipf 4):
# held out (bench/bench_langid.py --heldout) as accurate as all ~40,000 words, and a table that
# small stays in the CPU cache, which made detect ~10% faster.
VOCAB_ZIPF = 4.0
HEADER = """\
# Indonesian and Malaysian words: word<TAB>log(f_ms / f_id), clipped to +-{clip}<TAB>Zipf frequency
# (log10 of uses per billion words) in the standard that uses the word more.
# Derived by seaforge.text.langid_wordfreq from wordfreq {version} (Robyn Speer et al.,
# https://github.com/rspeer/wordfreq), its "small" lists for id and ms. wordfreq's data are
# licensed CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); so is this file,
# as a derived work. Its sources include Wikipedia, OpenSubtitles, news, web text and social media.
"""


@cache
def _word_table() -> dict[str, tuple[float, float]]:
    """word -> (log(f_ms / f_id), Zipf frequency in the standard that uses it more)."""
    text = resources.files("seaforge.text").joinpath("data", TABLE_FILE).read_text("utf-8")
    table = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{TABLE_FILE}:{lineno}: expected word<TAB>log ratio<TAB>zipf")
        table[parts[0]] = (float(parts[1]), float(parts[2]))
    return table


@cache
def preference_table() -> dict[str, float]:
    """word -> log(f_ms / f_id) for the words one standard clearly prefers."""
    return {w: v for w, (v, _) in _word_table().items() if abs(v) >= MIN_RATIO}


# Both standards attach the same enclitics (-nya, -ku, -mu, -lah, -kah, -pun) and write full
# reduplication with a hyphen (anak-anak, anak-anaknya). wordfreq counts each form apart, so
# most fall under the Zipf cut: "Bosnya memujinya." shared none of its words with the table.
ENCLITICS = ("nya", "ku", "mu", "lah", "kah", "pun")


@cache
def vocabulary() -> frozenset[str]:
    """The words either standard uses at least ``VOCAB_ZIPF`` often, with their enclitic and
    reduplicated forms."""
    base = [w for w, (_, zipf) in _word_table().items() if zipf >= VOCAB_ZIPF and w.isalpha()]
    forms = {f"{w}{e}" for w in base for e in ENCLITICS}
    forms.update(f"{w}-{w}" for w in base)
    forms.update(f"{w}-{w}nya" for w in base)
    return frozenset(forms.union(w for w, (_, zipf) in _word_table().items() if zipf >= VOCAB_ZIPF))


def _distinct(words) -> set | frozenset:
    return words if isinstance(words, (set, frozenset)) else set(words)


def vocabulary_share(words) -> float:
    """Share of the distinct words that Indonesian or Malaysian text uses; 0 for none.

    Distinct words (a set, as ``langid_cluster.Evidence`` carries them) so the count is one
    C-level set intersection: a Python loop over the tokens cost more than fastText's answer."""
    words = _distinct(words)
    return len(words & vocabulary()) / len(words) if words else 0.0


@cache
def preference_keys() -> frozenset[str]:
    """The words of ``preference_table``, as a set to intersect with a text's words."""
    return frozenset(preference_table())


def preference_score(words) -> float:
    """Sum over the distinct words of their preference: > 0 leans Malaysian, < 0 Indonesian."""
    hits = _distinct(words) & preference_keys()  # few words: only these are looked up
    # fsum: exact, so the set's hash-seeded order cannot change the last bit
    return math.fsum(map(preference_table().__getitem__, hits)) if hits else 0.0


def build_table(out: Path) -> int:
    """Write the table from the installed wordfreq package; returns the number of words."""
    import wordfreq

    from seaforge.io import atomic_write_text

    f_id = wordfreq.get_frequency_dict("id", "small")
    f_ms = wordfreq.get_frequency_dict("ms", "small")
    rows = []
    for word in sorted(set(f_id) | set(f_ms)):
        if not any(c.isalpha() for c in word) or any(c.isspace() for c in word):
            continue  # detect never sees digits or punctuation alone (clean_for_model drops them)
        value = math.log(max(f_ms.get(word, 0.0), FLOOR)) - math.log(max(f_id.get(word, 0.0), FLOOR))
        zipf = math.log10(max(f_ms.get(word, 0.0), f_id.get(word, 0.0))) + 9
        rows.append(f"{word}\t{max(-CLIP, min(CLIP, value)):.2f}\t{zipf:.2f}")
    version = importlib.metadata.version("wordfreq")
    header = HEADER.format(clip=CLIP, version=version)
    atomic_write_text(Path(out), header + "\n".join(rows) + "\n")
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help=f"table to write (shipped: seaforge/text/data/{TABLE_FILE})")
    args = parser.parse_args(argv)
    print(f"wrote {args.out}: {build_table(Path(args.out))} words")


if __name__ == "__main__":
    main()
