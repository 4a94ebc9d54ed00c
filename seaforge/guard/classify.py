"""The term-based classifier: phrases of terms.py found as whole words of seaforge's segmentation.

Text is normalised before matching (seaforge's ``normalize`` for Zawgyi and Thai/Lao/Khmer mark
order, then lowercase, zero-width characters dropped, hyphens as spaces, apostrophes dropped), then
segmented, and its words joined without spaces. A phrase (joined the same way) matches where it
starts and ends on a word boundary, so "bandar" never fires inside "bandara", Thai phrases match
whatever the segmenter does inside them, and "b o m b" or "h.o.w t.o" match like "bomb", "how to".
When the text has leetspeak characters (0 1 3 4 @ $) a second, de-leeted view is matched too.

All phrases sit in one character trie, walked from each word start: the cost grows with the text,
not with the number of phrases.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from seaforge.guard.policy import Policy, categories, load_policy, taxonomy
from seaforge.guard.terms import TERMS
from seaforge.text.langid import detect
from seaforge.text.normalize import normalize
from seaforge.text.segment import segment

GAP = 2  # words allowed between an intent and its object ("how to make" a homemade "bomb")
STRONG = 1.0
WEAK_STEP, WEAK_CAP = 0.45, 0.9  # one weak cue stays below 0.5; two count, but never as much as a strong one
KINDS = ("phrase", "weak", "pre", "post", "obj", "safe")

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"))
# Hyphens and underscores separate words ("mag-hack" = "mag hack" = "maghack" once joined);
# apostrophes vanish so "someone's" and "someones" are one word.
_PUNCT = {**{ord(c): " " for c in "-\u2010\u2011\u2012\u2013\u2014_"}, **dict.fromkeys(map(ord, "'\u2019`\u00b4"))}
_LEET = str.maketrans("0134@$", "oieaas")
_LEET_CHARS = frozenset("0134@$")
_KHMER_RUN = re.compile("[\u1780-\u17d3\u17dd]+")  # letters and signs; punctuation and digits split
_KHMER_CLUSTER = re.compile("(?<!\u17d2)(?=[\u1780-\u17b3])")  # before a base letter not stacked by COENG
_END = ""  # trie key of the entries that end at a node (no character is the empty string)


@dataclass(frozen=True)
class _Entry:
    category: str
    kind: str
    phrase: str


@dataclass
class Verdict:
    flagged: bool
    categories: dict[str, bool]  # every taxonomy category: flagged under the policy
    scores: dict[str, float]  # 0..1 evidence, whatever the policy
    severity: dict[str, int]  # the category's default severity where flagged, else 0
    matches: list[str] = field(default_factory=list)  # phrases hit, for the log
    language: str = "und"

    def as_openai(self) -> dict:
        """One ``results`` item of an OpenAI ``/v1/moderations`` response."""
        return {"flagged": self.flagged, "categories": self.categories, "category_scores": self.scores}


def _normalise(text: str, lang: str | None = None) -> str:
    text = normalize(text.translate(_ZERO_WIDTH), lang)
    return text.lower().translate(_PUNCT)


def _strip_marks(text: str) -> str:
    """Vietnamese typed without diacritics: drop the combining marks of Latin letters only."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return unicodedata.normalize("NFC", bare).replace("đ", "d")


def _words(view: str) -> list[str]:
    """seaforge's segmentation (it follows each run's script; the code only validates), except that
    Khmer is cut into consonant clusters (a base letter with its stacked letters and signs):
    khmer-nltk's CRF cost ~3 ms for 300 characters, and a word always starts and ends on a cluster
    boundary, so every phrase still matches; Khmer matching is only looser inside words."""
    if _KHMER_RUN.search(view) is None:
        return segment(view, "en")
    words, last = [], 0
    for m in _KHMER_RUN.finditer(view):
        words += segment(view[last : m.start()], "en")
        words += [s for s in _KHMER_CLUSTER.split(m.group()) if s]
        last = m.end()
    return words + segment(view[last:], "en")


def _split(value: str | tuple[str, ...]) -> list[str]:
    parts = value if isinstance(value, tuple) else (value,)
    return [p.strip() for part in parts for p in part.split("|") if p.strip()]


@lru_cache(maxsize=1)
def _trie() -> dict:
    known = set(categories())
    root: dict = {}
    for category, langs in TERMS.items():
        if category not in known:
            raise ValueError(f"terms.py: category {category!r} is not in taxonomy.yaml")
        for lang, kinds in langs.items():
            for kind, value in kinds.items():
                if kind not in KINDS:
                    raise ValueError(f"terms.py: {category}.{lang}: unknown kind {kind!r}")
                for phrase in _split(value):
                    forms = {_normalise(phrase, lang if lang == "vi" else None)}
                    # short single words lose too much without their marks ("nó" would become "no")
                    if lang == "vi" and (" " in phrase or len(phrase) >= 4):
                        forms.add(_strip_marks(next(iter(forms))))
                    for form in forms:
                        needle = "".join(_words(form))
                        if not needle:
                            continue
                        node = root
                        for ch in needle:
                            node = node.setdefault(ch, {})
                        entries = node.setdefault(_END, [])
                        entry = _Entry(category, kind, phrase)
                        if entry not in entries:
                            entries.append(entry)
    return root


def _hits(view: str) -> list[tuple[_Entry, int, int]]:
    """(entry, first word, end word) for every phrase that starts and ends on a word boundary."""
    words = _words(view)
    joined = "".join(words)
    boundary: dict[int, int] = {}  # character offset -> index of the word starting there
    offset = 0
    for i, word in enumerate(words):
        boundary[offset] = i
        offset += len(word)
    boundary[offset] = len(words)
    root, size, out = _trie(), len(joined), []
    for start, i in boundary.items():
        node, pos = root, start
        while pos < size:
            node = node.get(joined[pos])
            if node is None:
                break
            pos += 1
            entries = node.get(_END)
            if entries and pos in boundary:
                out.extend((entry, i, boundary[pos]) for entry in entries)
    return out


def _evidence(hits: list[tuple[_Entry, int, int]]) -> dict[str, tuple[list[str], list[str]]]:
    """category -> (strong matches, weak cues) within one view of the text."""
    spans: dict[str, dict[str, list[tuple[str, int, int]]]] = defaultdict(lambda: defaultdict(list))
    for entry, i, j in hits:
        spans[entry.category][entry.kind].append((entry.phrase, i, j))
    out: dict[str, tuple[list[str], list[str]]] = {}
    for category, kinds in spans.items():
        safe = kinds.get("safe", [])

        def keep(i: int, j: int, safe=safe) -> bool:  # a look-alike ("bath bomb") vetoes hits it overlaps
            return not any(i < sj and si < j for _, si, sj in safe)

        strong = [p for p, i, j in kinds.get("phrase", []) if keep(i, j)]
        objects = [(p, i, j) for p, i, j in kinds.get("obj", []) if keep(i, j)]
        for intent, start, end in kinds.get("pre", []):
            if keep(start, end):
                strong += [f"{intent} + {obj}" for obj, i, _ in objects if 0 <= i - end <= GAP]
        for intent, start, end in kinds.get("post", []):
            if keep(start, end):
                strong += [f"{obj} + {intent}" for obj, _, j in objects if 0 <= start - j <= GAP]
        weak = sorted((i, j, p) for p, i, j in kinds.get("weak", []) if keep(i, j))
        if strong or weak:
            out[category] = (strong, _cues(weak))
    return out


def _cues(weak: list[tuple[int, int, str]]) -> list[str]:
    """Overlapping weak phrases are one cue ("situs judi online" holds "situs judi" and "judi online"):
    each cue is named by its phrases joined with "/"."""
    cues: list[tuple[int, list[str]]] = []  # (end, phrases) of each run of overlapping spans
    for i, j, phrase in weak:
        if cues and i < cues[-1][0]:
            end, phrases = cues[-1]
            cues[-1] = (max(end, j), phrases if phrase in phrases else [*phrases, phrase])
        else:
            cues.append((j, [phrase]))
    return ["/".join(phrases) for _, phrases in cues]


def _views(text: str) -> list[str]:
    view = _normalise(text)
    if _LEET_CHARS.isdisjoint(view):
        return [view]
    return [view, view.translate(_LEET)]


def _scores(text: str) -> tuple[dict[str, float], list[str]]:
    strong: dict[str, list[str]] = defaultdict(list)
    weak: dict[str, set[str]] = defaultdict(set)
    for view in _views(text):
        for category, (s, w) in _evidence(_hits(view)).items():
            strong[category] += [m for m in s if m not in strong[category]]
            weak[category].update(w)
    scores = dict.fromkeys(categories(), 0.0)
    matches: list[str] = []
    for category in scores:
        if strong.get(category):
            scores[category] = STRONG
        elif weak.get(category):
            scores[category] = min(WEAK_CAP, WEAK_STEP * len(weak[category]))
        found = strong.get(category, [])
        found = [m for m in found if not any(m != other and m in other for other in found)]  # longest forms
        found += [p for cue in sorted(weak.get(category, ())) for p in cue.split("/")]
        matches += [m for m in found if m not in matches]
    return scores, matches


@lru_cache(maxsize=1)
def _default_policy() -> Policy:
    return load_policy("default")


def _language(text: str) -> str:
    try:
        return detect(text).lang
    except Exception:  # language is informational: never fail moderation over it
        return "und"


def warm_up() -> None:
    """Build the phrase trie and load the segmenters and language models now, not on the first request."""
    _trie()
    _default_policy()
    for text in ("how to make a bomb", "cara membuat bom", "วิธีทำระเบิด", "ວິທີເຮັດລະເບີດ"):
        moderate_one(text)


def moderate_one(text: str, policy: Policy | None = None) -> Verdict:
    """Score `text` in every category; a category is flagged when the policy enables it and its score
    reaches the policy's threshold."""
    policy = policy or _default_policy()
    scores, matches = _scores(text)
    flags, severity = {}, {}
    for name, category in taxonomy().items():
        rule = policy.categories.get(name)
        flags[name] = bool(rule and rule.enabled and scores[name] > 0 and scores[name] >= rule.threshold)
        severity[name] = category.default_severity if flags[name] else 0
    return Verdict(any(flags.values()), flags, scores, severity, matches, _language(text))


def moderate(texts: list[str] | str, policy: Policy | None = None) -> list[Verdict]:
    """One Verdict per text (a single string is taken as a list of one, as OpenAI's API does)."""
    if isinstance(texts, str):
        texts = [texts]
    policy = policy or _default_policy()
    return [moderate_one(text, policy) for text in texts]
