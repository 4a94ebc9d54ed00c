"""Decoding audio to 16 kHz mono float32: formats, odd sample rates, chunking, bad input, long files."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import wave

import av
import numpy as np
import pytest

from seaforge.speech.audio import SAMPLE_RATE, AudioError, iter_audio_chunks, load_audio


def tone(seconds: float, rate: int, freq: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.tile(wave, (channels, 1)).astype(np.float32)


def encode(samples: np.ndarray, rate: int, container: str, codec: str) -> bytes:
    """`samples` (channels x n, float in [-1, 1]) encoded with PyAV, as a file's bytes."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        fmt = stream.codec_context.format
        size = stream.codec_context.frame_size or 4096
        for i in range(0, samples.shape[1], size):
            part = samples[:, i : i + size]
            if fmt.name.startswith("s16"):
                data = (part * 32767).astype(np.int16)
            elif fmt.name.startswith("s32"):
                data = (part * 2147483647).astype(np.int32)
            else:
                data = part
            if not fmt.is_planar:
                data = data.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt.name, layout=layout)
            frame.rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize(
    "container,codec,suffix",
    [("wav", "pcm_s16le", "wav"), ("flac", "flac", "flac"), ("mp3", "libmp3lame", "mp3"), ("ogg", "libopus", "ogg")],
)
def test_every_format_decodes_to_16k_mono_float32_of_the_right_length(tmp_path, container, codec, suffix):
    rate = 48000 if codec == "libopus" else 44100
    path = tmp_path / f"tone.{suffix}"
    path.write_bytes(encode(tone(2.0, rate, channels=2), rate, container, codec))
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(audio.size / SAMPLE_RATE - 2.0) < 0.1  # encoders pad a few ms
    assert 0.3 < np.abs(audio).max() < 0.8  # stereo downmixed at -3 dB per channel (ffmpeg's rule), not summed


@pytest.mark.parametrize("rate", [7350, 192000])
def test_sample_rates_nobody_expects_are_resampled(rate):
    audio = load_audio(encode(tone(1.5, rate, freq=300.0), rate, "wav", "pcm_s16le"))
    assert abs(audio.size - 1.5 * SAMPLE_RATE) < 0.01 * SAMPLE_RATE
    # The pitch survives resampling: 300 Hz stays the strongest frequency.
    spectrum = np.abs(np.fft.rfft(audio[:SAMPLE_RATE]))
    assert abs(np.argmax(spectrum) - 300) <= 2


def test_bytes_file_objects_and_paths_give_the_same_samples(tmp_path):
    data = encode(tone(1.0, 22050), 22050, "wav", "pcm_s16le")
    path = tmp_path / "a.wav"
    path.write_bytes(data)
    from_path = load_audio(path)
    assert np.array_equal(from_path, load_audio(data))
    assert np.array_equal(from_path, load_audio(io.BytesIO(data)))
    assert np.array_equal(from_path, load_audio(str(path)))


def test_chunks_are_fixed_length_and_add_up_to_the_whole(tmp_path):
    data = encode(tone(7.3, 16000), 16000, "flac", "flac")
    chunks = list(iter_audio_chunks(data, seconds=2.0))
    assert [c.size for c in chunks[:-1]] == [2 * SAMPLE_RATE] * 3
    assert np.array_equal(np.concatenate(chunks), load_audio(data))


def test_an_empty_file_names_the_file(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match=r"empty\.wav: empty file"):
        load_audio(empty)
    with pytest.raises(AudioError, match="empty audio"):
        load_audio(b"")


def test_a_file_that_is_not_audio_is_a_clear_error(tmp_path):
    notes = tmp_path / "notes.mp3"
    notes.write_text("this is a shopping list, not a song\n" * 20)
    with pytest.raises(AudioError, match=r"notes\.mp3: not an audio file ffmpeg can read"):
        load_audio(notes)
    with pytest.raises(AudioError, match="upload.wav: not an audio file"):
        load_audio(b"\x00\x01garbage" * 50, name="upload.wav")


def test_missing_files_folders_and_header_only_wavs_are_audio_errors(tmp_path):
    with pytest.raises(AudioError, match="nope.wav: no such file"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="is a folder"):
        load_audio(tmp_path)
    header_only = io.BytesIO()
    with wave.open(header_only, "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(16000)
    header_only = header_only.getvalue()
    assert len(header_only) == 44
    with pytest.raises(AudioError, match="contains no audio samples"):
        load_audio(header_only, name="header.wav")


def test_a_two_hour_file_streams_in_bounded_memory(tmp_path):
    """Two hours of 8 kHz FLAC (mostly silence, so it is 1.3 MB) decode chunk by chunk in a fresh process
    whose peak memory stays far below the 230 MB the whole recording takes as float32."""
    path = tmp_path / "two_hours.flac"
    rate, block = 8000, np.zeros((1, 8000 * 60), np.int16)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=rate, layout="mono")
        for minute in range(120):
            data = block.copy()
            if minute == 61:  # a beep an hour in, so the chunks are not all alike
                data[0, :8000] = (tone(1.0, rate) * 20000).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(data, format="s16", layout="mono")
            frame.rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    script = textwrap.dedent(
        f"""
        import resource, numpy as np
        from seaforge.speech.audio import iter_audio_chunks
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        total, loud_at = 0, None
        for chunk in iter_audio_chunks({str(path)!r}, seconds=30.0):
            if loud_at is None and np.abs(chunk).max() > 0.1:
                loud_at = total / 16000
            total += chunk.size
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(total / 16000, loud_at, grown)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seconds, loud_at, grown_mb = map(float, done.stdout.split())
    assert seconds == 7200.0
    assert 61 * 60 - 30 <= loud_at <= 61 * 60
    assert grown_mb < 60, f"peak memory grew {grown_mb:.0f} MB while streaming"
