"""Language spans in code-switched text (Singlish, Manglish, Taglish, Indonesian-, Thai- and
Vietnamese-English).

Words in a script owned by one language take that language. Latin words choose between at
most two candidates (the text's Latin language and English, or English and the best other
Latin language) with a Viterbi pass: per-word evidence from the lexicon, Vietnamese letters
and a word-level model, plus a cost for every switch, so a lone ambiguous word does not
start a new span but a run of clearly English words does. The word-level model is lingua
(character 1-5-gram models, good on single words: "masih" 0.00 English, "reply" 0.98);
for a language it lacks, its closest relative stands in (Javanese words are scored as
Indonesian against English). fastText is poor on single words and is only the fallback.
"""

from __future__ import annotations

import math
from functools import lru_cache

from seaforge.text.langid import UND, Span, SpanDetection, detect, latin_word_probs
from seaforge.text.langid_lexicon import WORD_RE, lexical_bonus, span_lexicon, words_of
from seaforge.text.langid_script import SCRIPT_LANG, char_script, myanmar_lang

SWITCH_COST = 1.5
MAIN_PRIOR = 0.3  # per word, towards the text's main language
_MODEL_WEIGHT = 1.0
_LINGUA_PROXY = {"jv": "id", "su": "id", "min": "id", "ban": "id", "ace": "id", "bug": "id",
                 "ceb": "tl", "ilo": "tl", "war": "tl", "hil": "tl", "tet": "tl"}
_LINGUA_NAMES = {"en": "ENGLISH", "ms": "MALAY", "id": "INDONESIAN", "tl": "TAGALOG",
                 "vi": "VIETNAMESE"}
# Letters only Vietnamese uses among our Latin languages (ơ, ư, đ and stacked tone marks).
_VI_LETTERS = frozenset("ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def _word_lang(word: str, text: str) -> str | None:
    """The language a non-Latin word's script decides, or None for Latin words."""
    script = char_script(word[0])
    if script == "Latn":
        return None
    if script == "Mymr":
        return myanmar_lang(text)
    return SCRIPT_LANG.get(script, UND)


def _candidates(latin_words: list[str]) -> list[str]:
    """The two Latin languages the words choose between: the main one and its partner."""
    det = detect(" ".join(latin_words))
    ranked = sorted((c for c in det.scores if c != UND), key=det.scores.__getitem__, reverse=True)
    main = ranked[0]
    if main != "en":
        return [main, "en"]
    lex = span_lexicon()
    hits: dict[str, float] = {}
    for w in latin_words:
        entries = lex.get(w.lower(), ())
        if any(lang == "en" for lang, _ in entries):
            continue  # "at", "is", "me": English first, whatever else they may be
        best: dict[str, float] = {}
        for lang, weight in entries:
            if weight >= 1.0:
                key = "ms" if lang == "id" else lang  # id and ms vote together; split below
                best[key] = max(best.get(key, 0.0), weight)
        for key, weight in best.items():
            hits[key] = hits.get(key, 0.0) + weight
    if any(ch in _VI_LETTERS for w in latin_words for ch in w.lower()):
        hits["vi"] = hits.get("vi", 0.0) + 3.0
    partner = max(hits, key=hits.__getitem__) if hits else ranked[1]
    if partner in ("id", "ms"):
        # English-led mixing with Malay is mostly Singlish/Manglish; Indonesian needs its own words.
        bonus = lexical_bonus(words_of(" ".join(latin_words).lower()))
        partner = "id" if bonus.get("id", 0.0) > bonus.get("ms", 0.0) else "ms"
    return ["en", partner]


@lru_cache(maxsize=1)
def _lingua():
    """lingua detector over the Latin languages it knows, loaded once (about 0.5 s)."""
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, name) for name in _LINGUA_NAMES.values()]
    detector = LanguageDetectorBuilder.from_languages(*langs).build()
    return detector, {getattr(Language, name): code for code, name in _LINGUA_NAMES.items()}


def _word_probs(words: list[str], cands: list[str]) -> list[dict[str, float]]:
    """P(candidate | word) from lingua; a language lingua lacks is stood in for by its closest
    relative that lingua has (Javanese/Sundanese words look Indonesian, not English)."""
    proxy = [c if c in _LINGUA_NAMES else _LINGUA_PROXY.get(c) for c in cands]
    if None in proxy:
        return latin_word_probs(words)
    detector, code_of = _lingua()
    out = []
    for word in words:
        conf = {code_of[v.language]: v.value for v in detector.compute_language_confidence_values(word)}
        total = sum(conf.get(p, 0.0) for p in proxy) or 1.0
        out.append({c: conf.get(p, 0.0) / total for c, p in zip(cands, proxy)})
    return out


def _emissions(words: list[str], cands: list[str], positions: list[int]) -> list[list[float]]:
    lex = span_lexicon()
    probs = _word_probs(words, cands)
    rows = []
    for word, pos, pr in zip(words, positions, probs):
        low = word.lower()
        entries = dict(lex.get(low, ()))
        proper = word[0].isupper() and pos > 0 and not word.isupper() and not entries
        row = []
        for c in cands:
            if proper:
                row.append(0.0)  # names carry no language evidence
                continue
            e = entries.get(c, 0.0) + _MODEL_WEIGHT * math.log(max(pr.get(c, 0.0), 0.02))
            if c == "vi" and any(ch in _VI_LETTERS for ch in low):
                e += 3.0
            row.append(e)
        rows.append(row)
    return rows


def _viterbi(rows: list[list[float]], main: int) -> list[int]:
    n_states = len(rows[0])
    score = [r + (MAIN_PRIOR if s == main else 0.0) for s, r in enumerate(rows[0])]
    back: list[list[int]] = []
    for row in rows[1:]:
        new, ptr = [], []
        for s in range(n_states):
            best = max(range(n_states), key=lambda p: score[p] - (SWITCH_COST if p != s else 0.0))
            new.append(score[best] - (SWITCH_COST if best != s else 0.0) + row[s]
                       + (MAIN_PRIOR if s == main else 0.0))
            ptr.append(best)
        score, back = new, back + [ptr]
    state = max(range(n_states), key=score.__getitem__)
    path = [state]
    for ptr in reversed(back):
        state = ptr[state]
        path.append(state)
    return path[::-1]


def _label_latin(words: list[tuple[int, int, str]], labels: list[str | None], top: str) -> None:
    idx = [i for i, lab in enumerate(labels) if lab is None]
    if not idx:
        return
    latin = [words[i][2] for i in idx]
    cands = _candidates(latin)
    rows = _emissions(latin, cands, [words[i][0] for i in idx])
    main = cands.index(top) if top in cands else 0
    for i, state in zip(idx, _viterbi(rows, main)):
        labels[i] = cands[state]


def _cover(text: str, words: list[tuple[int, int, str]], labels: list[str]) -> list[Span]:
    """Spans over the whole text: gaps join the word before them, neighbours merge."""
    spans: list[Span] = []
    for (start, end, _), lang in zip(words, labels):
        if spans and spans[-1].lang == lang:
            spans[-1].end = end
        elif spans:
            spans[-1].end = start
            spans.append(Span(start, end, lang))
        else:
            spans.append(Span(0, end, lang))
    spans[-1].end = len(text)
    return spans


def detect_spans(text: str, main: str | None = None) -> SpanDetection:
    """Language spans covering ``text`` and the languages present, main first.

    ``main`` is ``detect(text).lang`` when the caller already has it (it is computed otherwise).
    """
    words = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]
    if not words:
        return SpanDetection([Span(0, len(text), UND)] if text else [], [])
    if main is None:
        main = detect(text).lang
    labels: list[str | None] = [_word_lang(w, text) for _, _, w in words]
    _label_latin(words, labels, main)
    spans = _cover(text, words, labels)
    size: dict[str, int] = {}
    for s in spans:
        if s.lang != UND:
            size[s.lang] = size.get(s.lang, 0) + s.end - s.start
    langs = sorted(size, key=lambda c: (c != main, -size[c]))
    return SpanDetection(spans, langs)
