"""Rendering a Transcript as OpenAI's response formats."""

from __future__ import annotations

import pytest

from seaforge.errors import UserError
from seaforge.speech.formats import render
from seaforge.speech.transcribe import Segment, Transcript


@pytest.fixture
def transcript() -> Transcript:
    return Transcript(
        text="Selamat pagi. Apa kabar?",
        lang="id",
        lang_prob=0.91,
        lang_reason="forced: the caller asked for id",
        candidates={"id": 1.0},
        segments=[Segment(0.0, 1.5, "Selamat pagi."), Segment(1.5, 3725.25, "Apa kabar?")],
        duration=3726.0,
    )


def test_json_and_text_carry_only_the_text(transcript):
    assert render(transcript, "json") == {"text": "Selamat pagi. Apa kabar?"}
    assert render(transcript, "text") == "Selamat pagi. Apa kabar?"


def test_verbose_json_has_openais_shape_with_whispers_language_name(transcript):
    out = render(transcript, "verbose_json")
    assert out["task"] == "transcribe" and out["language"] == "indonesian" and out["duration"] == 3726.0
    assert out["segments"][1] == {"id": 1, "start": 1.5, "end": 3725.25, "text": "Apa kabar?"}
    transcript.lang = "jv"
    assert render(transcript, "verbose_json")["language"] == "javanese"


def test_srt_counts_from_one_with_comma_milliseconds_and_hours(transcript):
    assert render(transcript, "srt") == (
        "1\n00:00:00,000 --> 00:00:01,500\nSelamat pagi.\n\n2\n00:00:01,500 --> 01:02:05,250\nApa kabar?\n"
    )


def test_vtt_starts_with_its_header_and_uses_dot_milliseconds(transcript):
    out = render(transcript, "vtt")
    assert out.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nSelamat pagi.\n")
    assert "00:00:01.500 --> 01:02:05.250\nApa kabar?" in out


def test_an_unknown_format_lists_the_known_ones(transcript):
    with pytest.raises(UserError, match="json, text, verbose_json, srt, vtt"):
        render(transcript, "docx")
