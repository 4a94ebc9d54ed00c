"""Speech to text: `transcribe(audio)` -> a `Transcript` with segments, timestamps and the language chosen.

Audio up to `MAX_SECONDS_IN_MEMORY` is decoded whole; longer audio is decoded in chunks and
transcribed window by window (cut at the quietest moment near each window's end), so a 2-hour
recording needs about one window of memory. The language is forced (`lang`) or chosen by
`langpick` from the first 30 s with sound; the transcript is normalised by the text layer (no Zawgyi,
canonical Thai/Lao/Khmer/Vietnamese spelling).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from seaforge.errors import UserError
from seaforge.speech import langpick
from seaforge.speech.audio import (
    MAX_SECONDS_IN_MEMORY,
    SAMPLE_RATE,
    AudioError,
    AudioSource,
    iter_audio_chunks,
    source_name,
)
from seaforge.speech.langpick import UnknownLanguage, resolve_speech_lang
from seaforge.speech.whisper import DEFAULT_MODEL, load_whisper

__all__ = ["SPEECH_LANGS", "Segment", "Transcript", "UnknownLanguage", "transcribe"]

SPEECH_LANGS: tuple[str, ...] = langpick.speech_langs()
TASKS = ("transcribe", "translate")
DETECT_SECONDS = 30.0  # Whisper's window: detection and candidate decodes look at the first one
STREAM_WINDOW_SECONDS = 300.0
_CUT_SEARCH_SECONDS = 10.0  # look this far back from a window's end for a quiet place to cut
SILENCE_PEAK = 1e-3  # about -60 dBFS: nothing anyone said
_PAD_SECONDS = 0.5  # kept around each sounding stretch
_GAP_SECONDS = 2.0  # shorter silences stay inside a clip
_LOOP_COMPRESSION = 2.4  # Whisper's own threshold: text that gzips this well is a repetition loop
_NOTHING_LOGPROB = -10.0
# Burmese and Thai take up to ~20 byte-level tokens a second of speech; loops run far beyond.
_CANDIDATE_TOKENS_PER_SECOND = 25
# Segments end where the speaker paused. Thai, Lao, Khmer and Burmese write no space between words
# but one between phrases and sentences, so their segments join with a space like spaced languages;
# Chinese and Japanese put none anywhere.
_UNSPACED = {"zh", "ja", "yue"}


@dataclass
class Segment:
    start: float
    end: float
    text: str


@dataclass
class Transcript:
    text: str
    lang: str
    lang_prob: float
    lang_reason: str
    candidates: dict[str, float]
    segments: list[Segment]
    duration: float
    task: str = "transcribe"


@dataclass
class _Choice:
    lang: str | None  # None: the audio is silent, nothing to decode
    prob: float
    reason: str
    candidates: dict[str, float] = field(default_factory=dict)


def transcribe(
    audio: AudioSource | np.ndarray,
    *,
    model: str = DEFAULT_MODEL,
    lang: str | None = None,
    languages: Sequence[str] | None = None,
    task: str = "transcribe",
    beam_size: int = 5,
    compute_type: str = "int8",
    threads: int | None = None,
    normalize: bool = True,
) -> Transcript:
    """Transcribe (or translate to English) one recording: a path, bytes, a binary file or 16 kHz float32 samples."""
    if task not in TASKS:
        raise UserError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    if beam_size < 1:
        raise UserError(f"beam_size must be at least 1, got {beam_size}")
    forced = resolve_speech_lang(lang) if lang else None
    allowed = list(dict.fromkeys(resolve_speech_lang(code) for code in languages)) if languages else None
    whisper = load_whisper(model, compute_type, threads)
    options = {"task": task, "beam_size": beam_size}
    if isinstance(audio, np.ndarray):
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            raise AudioError("<samples>: contains no audio samples")
        transcript = _transcribe_samples(whisper, samples, forced, allowed, options)
    else:
        transcript = _transcribe_source(whisper, audio, forced, allowed, options)
    if normalize:
        _normalize(transcript)
    return transcript


def _transcribe_source(whisper, source, forced, allowed, options) -> Transcript:
    """Decode the first MAX_SECONDS_IN_MEMORY; if the audio ends there, transcribe it whole, else stream."""
    chunks = iter_audio_chunks(source, seconds=DETECT_SECONDS, name=source_name(source))
    head: deque[np.ndarray] = deque()
    held = 0.0
    for chunk in chunks:
        head.append(chunk)
        held += chunk.size / SAMPLE_RATE
        if held > MAX_SECONDS_IN_MEMORY:
            return _transcribe_stream(whisper, itertools.chain(_drain(head), chunks), forced, allowed, options)
    return _transcribe_samples(whisper, np.concatenate(head), forced, allowed, options)


def _drain(queue: deque) -> Iterator:
    """The queue's items, each let go of as it is taken (the head of a long file is 77 MB)."""
    while queue:
        yield queue.popleft()


def _transcribe_samples(whisper, samples: np.ndarray, forced, allowed, options) -> Transcript:
    choice = _choose_language(whisper, samples, forced, allowed, options)
    duration = round(samples.size / SAMPLE_RATE, 3)
    segments = _decode(whisper, samples, choice.lang, options)[0] if choice.lang else []
    return _assemble(segments, choice, duration, options["task"])


def _transcribe_stream(whisper, chunks: Iterator[np.ndarray], forced, allowed, options) -> Transcript:
    """Window by window over a long recording; memory holds one window plus one chunk."""
    choice: _Choice | None = None
    segments: list[Segment] = []
    window = int(STREAM_WINDOW_SECONDS * SAMPLE_RATE)
    buffer: deque[np.ndarray] = deque()
    held = 0
    offset = 0  # samples already transcribed
    exhausted = False
    while not exhausted or held:
        while not exhausted and held < window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
            else:
                buffer.append(chunk)
                held += chunk.size
        if not held:
            break
        joined = np.concatenate(buffer)
        cut = joined.size if exhausted and joined.size <= window else _quiet_cut(joined[:window])
        piece, rest = joined[:cut], joined[cut:]
        buffer, held = (deque([rest]) if rest.size else deque()), rest.size
        if choice is None or choice.lang is None:  # choose once, on the first window with sound
            choice = _choose_language(whisper, piece, forced, allowed, options)
        if choice.lang is not None and not _silent(piece):
            found, _ = _decode(whisper, piece, choice.lang, options)
            shift = offset / SAMPLE_RATE
            segments += [Segment(round(s.start + shift, 3), round(s.end + shift, 3), s.text) for s in found]
        offset += cut
    return _assemble(segments, choice, round(offset / SAMPLE_RATE, 3), options["task"])


def _quiet_cut(window: np.ndarray) -> int:
    """Where to end a window: the quietest 100 ms in its last few seconds, so no word is cut in two."""
    frame = SAMPLE_RATE // 10
    search = window[-int(_CUT_SEARCH_SECONDS * SAMPLE_RATE) :]
    frames = search[: search.size // frame * frame].reshape(-1, frame)
    if frames.size == 0:
        return window.size
    quietest = int(np.argmin(np.abs(frames).mean(axis=1)))
    return window.size - search.size + quietest * frame + frame // 2


def _silent(samples: np.ndarray) -> bool:
    return samples.size == 0 or float(np.abs(samples).max()) < SILENCE_PEAK


def _choose_language(whisper, samples: np.ndarray, forced, allowed, options) -> _Choice:
    if _silent(samples):
        return _Choice(None, 0.0, "no speech: the audio is silent (peak below -60 dBFS)")
    if forced:
        return _Choice(forced, 1.0, f"forced: the caller asked for {forced}", {forced: 1.0})
    # Whisper hears the first 30 s that have sound in them, not a leading silence.
    start = max(0, int(np.argmax(np.abs(samples) >= SILENCE_PEAK)) - int(_PAD_SECONDS * SAMPLE_RATE))
    first = samples[start : start + int(DETECT_SECONDS * SAMPLE_RATE)]
    _, _, probs = whisper.detect_language(audio=first)
    candidates = langpick.restrict(dict(probs), allowed)
    shortlist = langpick.shortlist(candidates)
    within = f" among the {len(allowed)} allowed" if allowed else ""
    if len(shortlist) == 1:
        code = shortlist[0]
        reason = f"Whisper's language detection{within}: {code} (p {candidates[code]:.2f}), clear enough to take"
        return _Choice(code, candidates[code], reason, candidates)
    heard = []
    for code in shortlist:
        found, logprob = _decode(whisper, first, code, options, candidate=True)
        heard.append(langpick.Heard(code, candidates[code], _join(found, code), logprob))
    best, reason = langpick.choose(heard, candidates)
    if allowed:
        reason += f" (detection restricted to the {len(allowed)} allowed languages)"
    return _Choice(best.lang, candidates[best.lang], reason, candidates)


def _sounding_clips(samples: np.ndarray) -> list[float] | str:
    """Start/end seconds of the parts that are not digital silence, for Whisper's clip_timestamps.

    Whisper invents text ("Thank you.") over long silence and spends a window on each 30 s of it;
    stretches of 2 s or more below SILENCE_PEAK are skipped. "0" (everything) when there are none.
    """
    frame = SAMPLE_RATE // 10
    count = samples.size // frame
    if count == 0:
        return "0"
    loud = np.abs(samples[: count * frame]).reshape(count, frame).max(axis=1) >= SILENCE_PEAK
    if loud.all():
        return "0"
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    spans: list[list[float]] = []
    for start, end in zip(edges[::2] / 10, edges[1::2] / 10):
        start, end = max(0.0, start - _PAD_SECONDS), min(samples.size / SAMPLE_RATE, end + _PAD_SECONDS)
        if spans and start - spans[-1][1] < _GAP_SECONDS:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [round(t, 2) for span in spans for t in span] or "0"


def _decode(whisper, samples: np.ndarray, lang: str, options, candidate: bool = False) -> tuple[list[Segment], float]:
    """Whisper's segments for `samples` in `lang`, and their mean token log-probability.

    A `candidate` decode (one of several languages tried on the first window) is greedy at temperature
    0 with tokens capped by the audio's length: decodes in a wrong language loop, and would otherwise
    run to 224 tokens and be retried at five more temperatures. The langpick weights were fitted on
    such greedy decodes.
    """
    extra = {}
    if candidate:
        cap = int(_CANDIDATE_TOKENS_PER_SECOND * samples.size / SAMPLE_RATE) + 20
        extra = {"temperature": 0.0, "beam_size": 1, "max_new_tokens": min(cap, 224)}
    options = {**options, **extra}
    found, _ = whisper.transcribe(
        samples,
        language=langpick.to_whisper(lang),
        vad_filter=False,
        clip_timestamps=_sounding_clips(samples),
        **options,
    )
    raw = list(found)
    segments = [Segment(round(s.start, 3), round(s.end, 3), s.text) for s in raw]
    tokens = sum(max(1, len(s.tokens)) for s in raw)
    logprob = sum(s.avg_logprob * max(1, len(s.tokens)) for s in raw) / tokens if raw else _NOTHING_LOGPROB
    if any(s.compression_ratio > _LOOP_COMPRESSION for s in raw):
        logprob = _NOTHING_LOGPROB  # a decoder stuck repeating itself has heard nothing it can write
    return segments, logprob


def _join(segments: list[Segment], lang: str | None) -> str:
    glue = "" if lang in _UNSPACED else " "
    return glue.join(s.text.strip() for s in segments if s.text.strip())


def _assemble(segments: list[Segment], choice: _Choice, duration: float, task: str) -> Transcript:
    text_lang = "en" if task == "translate" else choice.lang
    return Transcript(
        text=_join(segments, text_lang),
        lang=choice.lang or "und",
        lang_prob=round(choice.prob, 4),
        lang_reason=choice.reason,
        candidates={code: round(p, 4) for code, p in choice.candidates.items()},
        segments=[Segment(s.start, s.end, s.text.strip()) for s in segments],
        duration=duration,
        task=task,
    )


def _normalize(transcript: Transcript) -> None:
    """The text layer's canonical form, in place (Zawgyi -> Unicode, Thai/Lao/Khmer marks, Vietnamese tones)."""
    from seaforge.text.languages import LANGUAGES
    from seaforge.text.normalize import normalize

    lang = "en" if transcript.task == "translate" else transcript.lang
    hint = lang if lang in LANGUAGES else None
    transcript.text = normalize(transcript.text, hint)
    for segment in transcript.segments:
        segment.text = normalize(segment.text, hint)
