"""Choosing the spoken language: Whisper's detection, restricted to the languages a deployment
expects, with the candidates' transcripts checked by seaforge's text language ID.

Whisper base hears synthetic Indonesian as Thai (p 0.69) and confuses Malay with Indonesian, so its
top language is taken alone only when it is nearly sure: otherwise the likely candidates are each
decoded. A candidate whose transcript our text language ID (`seaforge.text.langid.detect`) reads as
another language is out (told "en", Whisper wrote Indonesian); the rest are scored by Whisper's
probability, by how strongly text LID reads the transcript as that language, and by the decoder's
own confidence (mean log-probability per token; a repetition loop counts as nothing heard).
Measured in docs/speech.md (bench/bench_speech.py --accuracy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from seaforge.errors import UserError
from seaforge.text import languages as registry

# Whisper's codes that differ from seaforge's (seaforge uses ISO 639-1 "jv" for Javanese).
_TO_SEAFORGE = {"jw": "jv"}
_TO_WHISPER = {v: k for k, v in _TO_SEAFORGE.items()}
# Whisper's best is taken alone only above SURE; otherwise the runner-up is decoded too, and a third
# candidate when Whisper's best is below UNSURE or the third is within CLOSE of it.
SURE = 0.97
UNSURE = 0.6
CLOSE = 0.35
MAX_DECODED = 3
# Whisper confuses these with each other; text language ID tells their spellings apart.
CONFUSED = ({"id", "ms"},)
# Weights of Whisper's log-probability and of the decoder's mean token log-probability against text
# LID's log-probability. Fitted on 17 espeak-ng clips (first three sentences of id, ms, vi, th, ta,
# my): Whisper base is often sure and wrong on synthetic speech, the decoder's confidence less so.
WHISPER_WEIGHT = 0.5
LOGPROB_WEIGHT = 4.0
_TEXT_FLOOR = 0.01


class UnknownLanguage(UserError):
    """A language code Whisper or seaforge's registry does not know; the message lists the known ones."""


def whisper_codes() -> tuple[str, ...]:
    """Every language code Whisper's multilingual vocabulary has (99 of them)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def to_whisper(code: str) -> str:
    return _TO_WHISPER.get(code, code)


def to_seaforge(code: str) -> str:
    return _TO_SEAFORGE.get(code, code)


def speech_langs() -> tuple[str, ...]:
    """The registry codes Whisper can transcribe."""
    known = set(whisper_codes())
    return tuple(code for code in registry.LANGUAGES if to_whisper(code) in known)


def resolve_speech_lang(code: str) -> str:
    """seaforge's code for a language Whisper can transcribe (any alias; "jw" -> "jv"; "fr" stays "fr")."""
    raw = str(code).strip().lower()
    known = ", ".join(speech_langs())
    try:
        resolved = registry.resolve(raw) if raw else ""
    except registry.UnknownLanguage:
        if raw in whisper_codes():  # a language Whisper speaks that seaforge does not register (fr, de ...)
            return to_seaforge(raw)
        raise UnknownLanguage(
            f"unknown language code {code!r}; speech languages: {known} (or any other Whisper code such as fr, de, ja)"
        ) from None
    if not resolved:
        raise UnknownLanguage(f"empty language code; speech languages: {known}")
    if to_whisper(resolved) not in whisper_codes():
        name = registry.LANGUAGES[resolved].name
        raise UnknownLanguage(f"{code!r} ({name}): Whisper cannot transcribe it; speech languages: {known}")
    return resolved


def restrict(probs: dict[str, float], allowed: Sequence[str] | None, top: int = 5) -> dict[str, float]:
    """Whisper's probabilities (seaforge codes), renormalised over `allowed`, best first.

    Without `allowed`, the `top` most likely of all of Whisper's languages.
    """
    mapped = {to_seaforge(code): p for code, p in probs.items()}
    if allowed:
        kept = {code: mapped.get(code, 0.0) for code in allowed}
        total = sum(kept.values())
        if total > 0:
            kept = {code: p / total for code, p in kept.items()}
        else:  # Whisper gave none of them any mass (cannot happen with softmax, but never divide by 0)
            kept = {code: 1.0 / len(kept) for code in kept}
    else:
        kept = dict(sorted(mapped.items(), key=lambda kv: -kv[1])[:top])
    return dict(sorted(kept.items(), key=lambda kv: -kv[1]))


def shortlist(candidates: dict[str, float]) -> list[str]:
    """The candidates worth decoding: Whisper's best alone only when it is sure; id/ms always hear each other."""
    ranked = list(candidates)
    if not ranked:
        return []
    best = ranked[0]
    p_best = candidates[best]
    picked = [best]
    if p_best < SURE and len(ranked) > 1:
        picked.append(ranked[1])
    if len(ranked) > 2 and (p_best < UNSURE or candidates[ranked[2]] >= CLOSE * p_best):
        picked.append(ranked[2])
    for group in CONFUSED:  # Whisper's id/ms: when one is heard, hear the other out too
        if group & set(picked):
            picked += [code for code in ranked if code in group and code not in picked]
    return picked


@dataclass
class Heard:
    """One candidate language's decode of the first window, and how it scored."""

    lang: str
    whisper_prob: float
    text: str
    avg_logprob: float
    text_lang: str = "und"
    text_prob: float = 0.0  # text LID's probability that the transcript is in `lang`
    score: float = field(default=0.0)


def score(heard: Heard) -> float:
    return (
        WHISPER_WEIGHT * math.log(max(heard.whisper_prob, 1e-6))
        + math.log(max(heard.text_prob, _TEXT_FLOOR))
        + LOGPROB_WEIGHT * heard.avg_logprob
    )


def read_transcripts(heard: list[Heard]) -> None:
    """Fill in text LID's reading of every candidate's transcript, and its score."""
    from seaforge.text.langid import detect

    for item in heard:
        detection = detect(item.text) if item.text.strip() else None
        if detection is not None:
            item.text_lang = detection.lang
            item.text_prob = float(detection.scores.get(item.lang, 0.0))
        item.score = score(item)


def _obeyed(item: Heard) -> bool:
    """The transcript is in the language Whisper was told (or one text LID cannot tell from it)."""
    if item.text_lang in (item.lang, "und"):
        return True
    return any({item.lang, item.text_lang} <= group for group in CONFUSED)


def choose(heard: list[Heard], candidates: dict[str, float]) -> tuple[Heard, str]:
    """The best-scoring candidate and one sentence saying why it won."""
    read_transcripts(heard)
    # Told to write one language, Whisper sometimes writes another it heard ("en" on Indonesian
    # speech gives an Indonesian transcript): such a candidate is out, unless all are.
    eligible = [item for item in heard if _obeyed(item)] or heard
    best = max(eligible, key=lambda item: item.score)
    whisper_top = next(iter(candidates))
    shown = ", ".join(f"{code} {p:.2f}" for code, p in list(candidates.items())[:4])
    confused = any({best.lang, whisper_top} <= group for group in CONFUSED)
    readings = "; ".join(f"{h.lang} transcript reads as {h.text_lang}" for h in heard)
    if confused:
        reason = (
            f"Whisper confuses Malay and Indonesian ({shown}); each was decoded and text language ID "
            f"gave {best.lang} {best.text_prob:.2f} on its transcript, so {best.lang}"
        )
    elif best.lang == whisper_top:
        reason = (
            f"Whisper was unsure ({shown}); {len(heard)} candidates were decoded ({readings}) "
            f"and Whisper's own choice {best.lang} scored best"
        )
    else:
        reason = (
            f"Whisper preferred {whisper_top} ({shown}), but its transcripts disagree ({readings}); "
            f"{best.lang} scored best on Whisper's probability, text language ID and decoder confidence"
        )
    return best, reason
