"""Decode any audio (wav, flac, mp3, ogg, m4a, a video's sound track) to 16 kHz mono float32, in chunks.

PyAV (ffmpeg) decodes and resamples frame by frame, so a 2-hour file never sits in memory whole:
`iter_audio_chunks` yields fixed-length pieces and `transcribe` switches to them above
`MAX_SECONDS_IN_MEMORY`. Any sample rate ffmpeg reads (7350 Hz, 192 kHz ...) is resampled.
Empty files, files that are not audio and undecodable streams raise `AudioError` naming the file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seaforge.errors import UserError

SAMPLE_RATE = 16000
# Audio formats callers may name (a chat part's `format`, a data folder's file suffixes); ffmpeg reads more.
AUDIO_FORMATS = ("wav", "mp3", "flac", "ogg", "opus", "m4a", "webm", "aac")
# 20 minutes of float32 at 16 kHz is 77 MB; longer audio is transcribed window by window.
MAX_SECONDS_IN_MEMORY: float = 20 * 60.0

AudioSource = str | os.PathLike | bytes | BinaryIO


class AudioError(UserError):
    """Audio we cannot use: missing, empty, not audio, or undecodable; the message names the file."""


def source_name(source: AudioSource, name: str | None = None) -> str:
    """What error messages call the audio: `name`, else the path, the file object's name, or <bytes>."""
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    return str(getattr(source, "name", None) or "<stream>")


def _open_input(source: AudioSource, label: str):
    """A path or a seekable file object for PyAV; empty or missing input is an AudioError here."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise AudioError(f"{label}: empty audio (0 bytes)")
        return io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise AudioError(f"{label}: no such file")
        if path.is_dir():
            raise AudioError(f"{label}: is a folder, not an audio file")
        if path.stat().st_size == 0:
            raise AudioError(f"{label}: empty file (0 bytes)")
        return str(path)
    if hasattr(source, "read"):
        if getattr(source, "seekable", lambda: False)():
            here = source.tell()
            empty = not source.read(1)
            source.seek(here)
            if empty:
                raise AudioError(f"{label}: empty audio (0 bytes)")
        return source
    raise TypeError(f"audio must be a path, bytes or a binary file object, not {type(source).__name__}")


def _decoded_pieces(source: AudioSource, label: str) -> Iterator[np.ndarray]:
    """16 kHz mono float32 pieces of arbitrary length, in order, straight from the decoder."""
    import av

    target = _open_input(source, label)
    try:
        container = av.open(target, mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise AudioError(f"{label}: not an audio file ffmpeg can read ({_reason(err)})") from None
    with container:
        if not container.streams.audio:
            raise AudioError(f"{label}: has no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.InvalidDataError:
                continue  # one corrupt frame (a cut mp3): skip it, as ffmpeg does
            except av.error.FFmpegError as err:
                raise AudioError(f"{label}: decoding failed ({_reason(err)})") from None
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
        for out in resampler.resample(None):  # flush what the resampler still holds
            yield out.to_ndarray().reshape(-1)


def _reason(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def iter_audio_chunks(source: AudioSource, *, seconds: float = 30.0, name: str | None = None) -> Iterator[np.ndarray]:
    """Consecutive `seconds`-long float32 chunks (the last one shorter); memory stays about one chunk."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    label = source_name(source, name)
    size = max(1, int(round(seconds * SAMPLE_RATE)))
    pending: list[np.ndarray] = []
    held = 0
    total = 0
    for piece in _decoded_pieces(source, label):
        pending.append(piece)
        held += piece.size
        while held >= size:
            joined = np.concatenate(pending)
            yield joined[:size].copy()
            total += size
            rest = joined[size:]
            pending, held = ([rest] if rest.size else []), rest.size
    if held:
        total += held
        yield np.concatenate(pending)
    if total == 0:
        raise AudioError(f"{label}: contains no audio samples")


def load_audio(source: AudioSource, *, name: str | None = None) -> np.ndarray:
    """The whole audio as one 16 kHz mono float32 array."""
    label = source_name(source, name)
    pieces = list(_decoded_pieces(source, label))
    audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    if audio.size == 0:
        raise AudioError(f"{label}: contains no audio samples")
    return audio.astype(np.float32, copy=False)


def duration_seconds(audio: np.ndarray) -> float:
    return round(audio.size / SAMPLE_RATE, 3)
