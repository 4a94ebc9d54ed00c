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

The work is linear in the text and capped: lingua scores each distinct word once, and only the
first ``SPAN_CHAR_CAP`` characters are analysed; the rest is one ``und`` span and
``SpanDetection.analysed_chars`` says where analysis stopped.
"""

from __future__ import annotations

import math
from functools import lru_cache

from seaforge.text.langid import UND, Span, SpanDetection, detect, latin_word_probs
from seaforge.text.langid_lexicon import WORD_RE, lexical_bonus, span_lexicon, words_of
from seaforge.text.langid_script import SCRIPT_LANG, char_script, myanmar_lang

# About 8,000 words: under a second even when every word is new to lingua. Longer texts (a 10 MB
# line) are split into documents upstream; spans past this point would cost minutes.
SPAN_CHAR_CAP = 50_000
SWITCH_COST = 1.5
MAIN_PRIOR = 0.3  # per word, towards the text's main language
_MODEL_WEIGHT = 1.0
_LINGUA_PROXY = {
    "jv": "id",
    "su": "id",
    "min": "id",
    "ban": "id",
    "ace": "id",
    "bug": "id",
    "ceb": "tl",
    "ilo": "tl",
    "war": "tl",
    "hil": "tl",
    "tet": "tl",
}
_LINGUA_NAMES = {"en": "ENGLISH", "ms": "MALAY", "id": "INDONESIAN", "tl": "TAGALOG", "vi": "VIETNAMESE"}
# Letters only Vietnamese uses among our Latin languages (ơ, ư, đ and stacked tone marks).
_VI_LETTERS = frozenset("ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def _word_lang(word: str, burmese_or_shan: str) -> str | None:
    """The language a non-Latin word's script decides, or None for Latin words."""
    script = char_script(word[0])
    if script == "Latn":
        return None
    if script == "Mymr":
        return burmese_or_shan
    return SCRIPT_LANG.get(script, UND)


def _candidates(latin_words: list[str]) -> list[str]:
    """The two Latin languages the words choose between: the main one and its partner."""
    detection = detect(" ".join(latin_words))
    ranked = sorted((code for code in detection.scores if code != UND), key=detection.scores.__getitem__, reverse=True)
    main = ranked[0]
    if main != "en":
        return [main, "en"]
    lex = span_lexicon()
    hits: dict[str, float] = {}
    for word in latin_words:
        entries = lex.get(word.lower(), ())
        if any(lang == "en" for lang, _ in entries):
            continue  # "at", "is", "me": English first, whatever else they may be
        best: dict[str, float] = {}
        for lang, weight in entries:
            if weight >= 1.0:
                key = "ms" if lang == "id" else lang  # id and ms vote together; split below
                best[key] = max(best.get(key, 0.0), weight)
        for key, weight in best.items():
            hits[key] = hits.get(key, 0.0) + weight
    if any(ch in _VI_LETTERS for word in latin_words for ch in word.lower()):
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


def _word_probs(words: list[str], candidates: list[str]) -> list[dict[str, float]]:
    """P(candidate | word) from lingua; a language lingua lacks is stood in for by its closest
    relative that lingua has (Javanese/Sundanese words look Indonesian, not English)."""
    proxies = [code if code in _LINGUA_NAMES else _LINGUA_PROXY.get(code) for code in candidates]
    if None in proxies:
        return latin_word_probs(words)
    detector, code_of = _lingua()
    probs_of: dict[str, dict[str, float]] = {}  # one lingua call per distinct word, not per word
    for word in dict.fromkeys(words):
        confidence = {
            code_of[value.language]: value.value for value in detector.compute_language_confidence_values(word)
        }
        total = sum(confidence.get(proxy, 0.0) for proxy in proxies) or 1.0
        probs_of[word] = {code: confidence.get(proxy, 0.0) / total for code, proxy in zip(candidates, proxies)}
    return [probs_of[word] for word in words]


def _emissions(words: list[str], candidates: list[str], positions: list[int]) -> list[list[float]]:
    lex = span_lexicon()
    probs = _word_probs(words, candidates)
    rows = []
    for word, position, word_probs in zip(words, positions, probs):
        low = word.lower()
        entries = dict(lex.get(low, ()))
        proper = word[0].isupper() and position > 0 and not word.isupper() and not entries
        row = []
        for code in candidates:
            if proper:
                row.append(0.0)  # names carry no language evidence
                continue
            evidence = entries.get(code, 0.0) + _MODEL_WEIGHT * math.log(max(word_probs.get(code, 0.0), 0.02))
            if code == "vi" and any(ch in _VI_LETTERS for ch in low):
                evidence += 3.0
            row.append(evidence)
        rows.append(row)
    return rows


def _viterbi(rows: list[list[float]], main: int) -> list[int]:
    n_states = len(rows[0])
    score = [evidence + (MAIN_PRIOR if state == main else 0.0) for state, evidence in enumerate(rows[0])]
    back: list[list[int]] = []
    for row in rows[1:]:
        new, ptr = [], []
        for state in range(n_states):
            best = max(range(n_states), key=lambda prev, to=state: score[prev] - (SWITCH_COST if prev != to else 0.0))
            new.append(
                score[best]
                - (SWITCH_COST if best != state else 0.0)
                + row[state]
                + (MAIN_PRIOR if state == main else 0.0)
            )
            ptr.append(best)
        score = new
        back.append(ptr)  # not ``back + [ptr]``: copying the list each word made this quadratic
    state = max(range(n_states), key=score.__getitem__)
    path = [state]
    for ptr in reversed(back):
        state = ptr[state]
        path.append(state)
    return path[::-1]


def _label_latin(words: list[tuple[int, int, str]], labels: list[str | None], top: str) -> None:
    latin_at = [i for i, label in enumerate(labels) if label is None]
    if not latin_at:
        return
    latin = [words[i][2] for i in latin_at]
    candidates = _candidates(latin)
    rows = _emissions(latin, candidates, [words[i][0] for i in latin_at])
    main = candidates.index(top) if top in candidates else 0
    for i, state in zip(latin_at, _viterbi(rows, main)):
        labels[i] = candidates[state]


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


def detect_spans(text: str, main: str | None = None, cap: int | None = None) -> SpanDetection:
    """Language spans covering ``text`` and the languages present, main first.

    ``main`` is ``detect(text).lang`` when the caller already has it (it is computed otherwise).
    Only the words that end within the first ``cap`` (default ``SPAN_CHAR_CAP``) characters are
    analysed; past them one ``und`` span covers the rest and ``analysed_chars`` is where it starts.
    """
    cap = SPAN_CHAR_CAP if cap is None else cap
    words = []
    for match in WORD_RE.finditer(text):
        if match.end() > cap:
            break
        words.append((match.start(), match.end(), match.group()))
    if len(text) <= cap:
        analysed = len(text)
    else:
        analysed = words[-1][1] if words else cap
    if not words:
        return SpanDetection([Span(0, len(text), UND)] if text else [], [], analysed)
    if main is None:
        main = detect(text[:analysed]).lang
    # Burmese or Shan is decided once for the whole text, not rescanned for every Myanmar word.
    burmese_or_shan = myanmar_lang(text[:analysed])
    labels: list[str | None] = [_word_lang(word, burmese_or_shan) for _, _, word in words]
    _label_latin(words, labels, main)
    spans = _cover(text[:analysed], words, labels)
    if analysed < len(text):
        spans.append(Span(analysed, len(text), UND))
    chars_of: dict[str, int] = {}
    for span in spans:
        if span.lang != UND:
            chars_of[span.lang] = chars_of.get(span.lang, 0) + span.end - span.start
    langs = sorted(chars_of, key=lambda code: (code != main, -chars_of[code]))
    return SpanDetection(spans, langs, analysed)
