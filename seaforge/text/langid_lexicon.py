"""Hand-written lexical evidence for language ID (``data/langid_lexicon.tsv``).

Public detectors confuse Indonesian with Malay, and Javanese/Sundanese with both, because
the languages share most of their vocabulary. What separates them is a few hundred
spellings and words (uang/wang, karena/kerana, kantor/pejabat, -itas/-iti, ora, teu ...),
which are cheap to look up: one set intersection per text. ``clean_for_model`` (the
normalization the lexicon and the models share) lives here too.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

LEXICON_FILE = "langid_lexicon.tsv"
SPAN_LEXICON_FILE = "langid_span_lexicon.tsv"

# Malaysian spelling keeps the English-derived -iti/-syen endings, Indonesian uses -itas/-si;
# the endings generalise to words the lists miss (e.g. "universalitas"/"universaliti").
# The -iti forms all come from English -ity after l/v/n/s/r/t (kualiti, aktiviti, komuniti),
# which keeps out native words such as Ilocano "dagiti".
_SUFFIX_RULES: tuple[tuple[str, str, float], ...] = (
    ("itas", "id", 1.5),
    ("syen", "ms", 2.0),
    *((ending, "ms", 1.5) for ending in ("liti", "viti", "niti", "siti", "riti", "titi")),
)
_SUFFIX_WEIGHT = {ending: (lang, w) for ending, lang, w in _SUFFIX_RULES}
# A word of 6+ letters ending in one of the endings; "-eliti" is excluded because the
# "teliti" family (peneliti, meneliti: research) is native to both languages.
_SUFFIX_RE = re.compile(r"\b(?!\w*eliti\b)\w{2,}(" + "|".join(_SUFFIX_WEIGHT) + r")\b")
PUNCTUATION = '!"#$%&()*+,./:;<=>?@[\\]^_`{|}~“”‘’«»…–—。，、！？：；（）「」'
_PUNCT_TO_SPACE = str.maketrans({c: " " for c in PUNCTUATION})
# Digits, line breaks and punctuation become spaces; the models and the lexicon then share
# the same words. Only the first MAX_MODEL_CHARS characters go to the models.
MAX_MODEL_CHARS = 1000
_TO_SPACE = str.maketrans({c: " " for c in "0123456789\n\r\t" + PUNCTUATION})
_WIDE_PUNCT_RE = re.compile("[" + re.escape("".join(c for c in PUNCTUATION if not c.isascii())) + "]")
_ASCII_CLEAN = bytes(ord(chr(i).translate(_TO_SPACE).lower()) for i in range(128)) + bytes(range(128, 256))
# URLs, e-mails, @handles and numbers say nothing about the language and confuse the models.
_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|[@#]\w+")


def without_noise(text: str) -> str:
    """``text`` with URLs, e-mails, @handles and #hashtags replaced by spaces."""
    if "@" in text or "://" in text or "www." in text or "#" in text:  # cheap C-level checks
        return _NOISE_RE.sub(" ", text)
    return text


def clean_for_model(text: str) -> str:
    """Lowercase, one line, URLs/e-mails/handles/numbers/punctuation removed (ALL CAPS reads
    like text).

    Only the first MAX_MODEL_CHARS characters are kept: the model's answer is settled long
    before that, and its cost grows with length.
    """
    text = without_noise(text[:MAX_MODEL_CHARS])
    # bytes.translate (ASCII digits, punctuation, case) is ~20x faster than str.translate with
    # a dict; UTF-8 continuation bytes are >= 0x80, so other letters pass through untouched.
    text = text.encode("utf-8", "surrogatepass").translate(_ASCII_CLEAN).decode("utf-8", "surrogatepass")
    if text.isascii():
        return text
    return _WIDE_PUNCT_RE.sub(" ", text).lower()


# Spelling habits no word list can enumerate: Sundanese writes /ɤ/ as "eu" and /ɛ/ as "é"
# (leungeun, saméméh); Javanese writes retroflex "dh" (dhewe, dhateng). Each word that
# shows one adds a little, capped so a long text cannot pile up unbounded evidence.
_ORTHO_RULES: tuple[tuple[str, str, float], ...] = (("eu", "su", 0.8), ("é", "su", 0.6), ("dh", "jv", 0.8))
_ORTHO_CAP = 4.0
_ORTHO_WORD_RE = {piece: re.compile(f"[^ ]*{piece}[^ ]*") for piece, _, _ in _ORTHO_RULES}

WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@cache
def lexicon(path: str | None = None, bundled: str = LEXICON_FILE) -> dict[str, tuple[tuple[str, float], ...]]:
    """Map word -> ((lang, weight), ...) loaded from a bundled TSV (or ``path``)."""
    if path is None:
        text = resources.files("seaforge.text").joinpath("data", bundled).read_text("utf-8")
        source = bundled
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        source = path
    best: dict[tuple[str, str], float] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{source}:{lineno}: expected 3 tab-separated fields, got {len(parts)}")
        lang, weight, words = parts
        try:
            value = float(weight)
        except ValueError:
            raise ValueError(f"{source}:{lineno}: weight {weight!r} is not a number") from None
        for word in words.split():
            key = (word.lower(), lang)
            best[key] = max(best.get(key, 0.0), value)
    entries_of: dict[str, list[tuple[str, float]]] = {}
    for (word, lang), value in best.items():
        entries_of.setdefault(word, []).append((lang, value))
    return {word: tuple(entries) for word, entries in entries_of.items()}


@cache
def span_lexicon() -> dict[str, tuple[tuple[str, float], ...]]:
    """Lexicon for labelling single words in code-switched text: both bundled files merged."""
    merged: dict[str, dict[str, float]] = {}
    for table in (lexicon(), lexicon(bundled=SPAN_LEXICON_FILE)):
        for word, entries in table.items():
            slot = merged.setdefault(word, {})
            for lang, w in entries:
                slot[lang] = max(slot.get(lang, 0.0), w)
    return {word: tuple(slot.items()) for word, slot in merged.items()}


@cache
def detect_lexicon() -> dict[str, tuple[tuple[str, float], ...]]:
    """The lexicon ``detect`` uses (English and Vietnamese are left to the model)."""
    return lexicon()


@lru_cache(maxsize=1)
def _detect_keys() -> frozenset[str]:
    return frozenset(detect_lexicon())


def words_of(lowered: str) -> list[str]:
    """Whitespace words with punctuation removed (translate + split run in C: on short text a
    regex tokenizer cost more than the fastText call)."""
    return lowered.translate(_PUNCT_TO_SPACE).split()


def lexical_bonus(tokens: list[str]) -> dict[str, float]:
    """Sum of lexicon weights per language over the distinct words (``words_of`` output)."""
    lex = detect_lexicon()
    keys = _detect_keys()
    # set & frozenset walks the small side; set & dict.keys() would copy all the keys.
    words = set(tokens)
    bonus: dict[str, float] = {}
    for word in words & keys:
        for lang, w in lex[word]:
            bonus[lang] = bonus.get(lang, 0.0) + w
    rest = words.difference(keys)
    # Substring tests on one joined string run in C; only then are the words looked at
    # (a suffix regex over every word cost more than the whole lexicon lookup).
    joined = " ".join(rest)
    ortho: dict[str, float] = {}
    for piece, lang, w in _ORTHO_RULES:
        if piece in joined:
            for _ in _ORTHO_WORD_RE[piece].findall(joined):  # once per word holding the piece
                ortho[lang] = ortho.get(lang, 0.0) + w
    for lang, w in ortho.items():
        bonus[lang] = bonus.get(lang, 0.0) + min(w, _ORTHO_CAP)
    if "iti" in joined or "itas" in joined or "syen" in joined:
        suffix_words = [w for w in rest if "iti" in w or "itas" in w or "syen" in w]
        for ending in _SUFFIX_RE.findall(" ".join(suffix_words)):
            lang, w = _SUFFIX_WEIGHT[ending]
            bonus[lang] = bonus.get(lang, 0.0) + w
    return bonus


# Letters that among registered languages only Vietnamese writes (horn, breve, d-bar and
# stacked tone marks); dot-below vowels are left out since Yoruba and others use them too.
VI_ONLY = frozenset("ơưđăằẳẵắấầẩẫậếềểễệốồổỗộớờởỡợứừửữựặ")


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    return frozenset(word for word, entries in span_lexicon().items() if any(lang == "en" for lang, _ in entries))


def model_free_language(tokens: list[str], text: str | None = None, words: set | None = None) -> str | None:
    """A language when spelling or vocabulary alone settles it, else None (ask the models);
    ``text`` and ``words``, if given, are the string ``tokens`` were split from and their set.

    Saves the model calls where they add nothing: Vietnamese letters are unique, and English
    text is mostly common English words (with little of our other languages' vocabulary).
    Text full of Javanese, Sundanese, Indonesian, Malay or Tagalog words used to be settled
    here too; the regional languages share those words, so the cluster model decides them now.
    """
    if len(tokens) < 4:
        return None
    joined = "".join(tokens) if text is None else text
    if not joined.isascii() and not VI_ONLY.isdisjoint(joined):  # C-level tests before the per-word count
        if 3 * sum(1 for t in tokens if not VI_ONLY.isdisjoint(t)) >= len(tokens):
            return "vi"
    english = _english_words()
    n = len(tokens)
    # One set intersection rules most text out: even if every repeated token were an English
    # word, the English tokens could not reach 70%.
    if words is not None and len(words & english) + n - len(words) < 0.7 * n:
        return None
    if sum(map(english.__contains__, tokens)) >= 0.7 * n and sum(lexical_bonus(tokens).values()) < 2.0:
        return "en"
    return None


# A capitalised word inside a sentence (after a letter, digit, comma, quote or bracket and a
# space; not after . ! ?) is a name or a title: it says what the text is about, not which
# language it is in. Left to the cluster model, place and people names pulled Indonesian
# towards the regional language of the place (Aceh, Minangkabau, Yogyakarta); without them
# held-out Indonesian rose from 0.938/0.918 to 0.948/0.936 (bench/bench_langid.py --heldout).
# Common English words are not names even when capitalised ("I", "Actually" in Manglish chat):
# code-switched text needs them.
# The pattern starts with a literal space so the regex engine jumps from space to space; the
# lookbehind then checks the character before it (3x faster than a lookbehind first, same matches).
_INNER_CAPITAL_RE = re.compile(r" (?<=[\w,;)\"'’”] ) *([A-Z][\w'’-]+)")


def names_in(text: str) -> frozenset[str]:
    """The lower-cased words ``text`` capitalises inside a sentence (two letters or more, not
    common English words); none where most words are capitalised (headlines, text in
    capitals), since there capitals mark nothing."""
    found = _INNER_CAPITAL_RE.findall(text)
    if not found or 2 * len(found) > text.count(" ") + 1:
        return frozenset()
    return frozenset(map(str.lower, found)).difference(_english_words())


def without_names(clean: str, names: frozenset[str], tokens: list[str] | None = None) -> str:
    """``clean`` (``clean_for_model``'s output) without the words in ``names``; all of it when
    nothing else is left (a mixed-script text whose Latin words are a brand name). ``tokens``:
    ``clean.split()``, if the caller has it."""
    if not names:
        return clean
    return " ".join([t for t in (tokens or clean.split()) if t not in names]) or clean
