"""Rendering a Transcript the ways OpenAI's transcription API offers (`response_format`): json, text,
verbose_json, srt and vtt."""

from __future__ import annotations

from seaforge.errors import UserError
from seaforge.speech.transcribe import Transcript

FORMATS = ("json", "text", "verbose_json", "srt", "vtt")

# The English names Whisper (and OpenAI's verbose_json "language") uses, from openai/whisper's
# tokenizer.py; seaforge's codes, so Javanese is "jv" here where Whisper says "jw".
WHISPER_NAMES = {
    "id": "indonesian",
    "ms": "malay",
    "jv": "javanese",
    "su": "sundanese",
    "tl": "tagalog",
    "vi": "vietnamese",
    "th": "thai",
    "lo": "lao",
    "km": "khmer",
    "my": "myanmar",
    "ta": "tamil",
    "zh": "chinese",
    "en": "english",
    "hi": "hindi",
    "bn": "bengali",
    "ja": "japanese",
    "ko": "korean",
    "ar": "arabic",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "pt": "portuguese",
    "ru": "russian",
    "nl": "dutch",
    "it": "italian",
    "tr": "turkish",
}


def language_name(code: str) -> str:
    """Whisper's English name for a language code; the code itself for one not listed here."""
    return WHISPER_NAMES.get(code, code)


def render(t: Transcript, fmt: str) -> str | dict:
    """`t` as OpenAI renders `response_format=fmt`: a dict for json/verbose_json, text otherwise."""
    if fmt == "json":
        return {"text": t.text}
    if fmt == "text":
        return t.text
    if fmt == "verbose_json":
        return {
            "task": t.task,
            "language": language_name(t.lang),
            "duration": t.duration,
            "text": t.text,
            "segments": [{"id": i, "start": s.start, "end": s.end, "text": s.text} for i, s in enumerate(t.segments)],
        }
    if fmt == "srt":
        blocks = [
            f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{s.text}\n"
            for i, s in enumerate(t.segments, start=1)
        ]
        return "\n".join(blocks)
    if fmt == "vtt":
        cues = [f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{s.text}\n" for s in t.segments]
        return "WEBVTT\n\n" + "\n".join(cues)
    raise UserError(f"unknown response format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def _timestamp(seconds: float, decimal: str) -> str:
    """HH:MM:SS,mmm (srt) or HH:MM:SS.mmm (vtt)."""
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"
