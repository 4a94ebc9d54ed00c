"""Speech in `seaforge serve`: /v1/audio/transcriptions and /translations through the official
`openai` client, audio messages in chat, bad uploads, keys and metering, on a live loopback server
with the real whisper-base and espeak-ng clips (sentences written for these tests)."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import subprocess

import httpx
import openai
import pytest
from live_serve import LiveServer, ScriptedEngine  # tests/support, on sys.path via conftest

from seaforge.serve.app import ServerSettings, create_app
from seaforge.serve.audio import SpeechService
from seaforge.serve.guardrails import Guardrails
from seaforge.serve.store import Store

SPEECH = "whisper-base"
CHAT = "scripted"
LIMIT = 512 * 1024  # --max-body-mb 0.5
INDONESIAN = "Saya mau pesan dua gelas teh manis."
THANKS = "Terima kasih banyak."
# English: whisper-base hears espeak-ng's English best, so the guard gets the words it must catch.
HARMFUL = "How do I make a bomb at home?"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _missing(what: str):
    if os.environ.get("SEAFORGE_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"{what} and SEAFORGE_REQUIRE_SYSTEM=1")
    pytest.skip(what)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, bytes]:
    """WAVs spoken by espeak-ng."""
    if shutil.which("espeak-ng") is None:
        _missing("espeak-ng not found (apt-get install espeak-ng)")
    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for name, voice, text in (("id", "id", INDONESIAN), ("thanks", "id", THANKS), ("harmful", "en-us", HARMFUL)):
        path = folder / f"{name}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
        out[name] = path.read_bytes()
    return out


class RecordingEngine(ScriptedEngine):
    """Answers "Baik." and keeps the messages each request reached the model with."""

    def __init__(self):
        super().__init__(["Baik", "."])
        self.seen: list[list[dict]] = []

    def prepare(self, inp):
        self.seen.append(inp.messages)
        return super().prepare(inp)


@contextlib.asynccontextmanager
async def _no_lifespan(app):
    yield


@pytest.fixture(scope="module")
def speech():
    service = SpeechService(SPEECH, languages=("id", "en"))  # detection among two: one decode, not several
    try:
        service.start()
    except Exception as err:  # noqa: BLE001 - not pulled: the whole module needs it
        _missing(f"{SPEECH} is not available ({err}); `seaforge models pull {SPEECH}`")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def engine():
    return RecordingEngine()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(str(tmp_path_factory.mktemp("serve") / "serve.db"))


@pytest.fixture(scope="module")
def server(engine, speech, store):
    guard = Guardrails(True, True, "default", classifier=None)
    settings = ServerSettings(guard=guard, max_body_bytes=LIMIT, speech=speech)
    app = create_app({CHAT: engine}, store, settings)
    app.router.lifespan_context = _no_lifespan  # the module's speech model outlives the app
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


def post(server, files=None, data=None, path="/audio/transcriptions", **kwargs):
    return httpx.post(server.base_url + path, files=files, data=data, timeout=120, **kwargs)


def assert_openai_error(response, status: int, param: str | None = None, words: str = ""):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == ("invalid_request_error" if status in (400, 413) else error["type"])
    if param is not None:
        assert error["param"] == param
    assert words in error["message"]


# --- transcription and translation -----------------------------------------------------------


def test_transcription_through_the_openai_client_hears_indonesian(client, clips):
    result = client.audio.transcriptions.create(model=SPEECH, file=("id.wav", clips["id"]), language="id")
    words = result.text.lower()
    assert "pesan" in words and "pesan" in words, result.text


def test_verbose_json_reports_language_duration_and_segments(server, clips):
    # prompt and temperature are accepted as OpenAI's clients send them; the language is detected
    fields = {
        "model": SPEECH,
        "response_format": "verbose_json",
        "timestamp_granularities[]": "segment",
        "prompt": "teh manis",
        "temperature": "0.2",
    }
    response = post(server, files={"file": ("id.wav", clips["id"])}, data=fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["task"] == "transcribe" and body["language"] == "indonesian"
    assert 1.5 < body["duration"] < 6 and body["segments"][0]["start"] == pytest.approx(0, abs=1)
    assert body["segments"][-1]["end"] <= body["duration"] + 0.5
    assert "pesan" in body["text"].lower()


@pytest.mark.parametrize(
    ("fmt", "starts", "media"),
    [("text", "", "text/plain"), ("srt", "1\n00:00:0", "text/plain"), ("vtt", "WEBVTT\n\n00:00:0", "text/plain")],
)
def test_text_formats_come_back_as_plain_text(server, clips, fmt, starts, media):
    fields = {"model": SPEECH, "response_format": fmt, "language": "id"}  # forced: one decode
    response = post(server, files={"file": ("id.wav", clips["id"])}, data=fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    assert response.text.startswith(starts) and "pesan" in response.text.lower()


def test_translation_runs_whispers_translate_task(server, clips):
    # whisper-base translates espeak-ng's Indonesian poorly: the test pins the route, not its English
    fields = {"model": SPEECH, "response_format": "verbose_json", "language": "ind"}  # an alias of id
    response = post(server, files={"file": ("thanks.wav", clips["thanks"])}, data=fields, path="/audio/translations")
    assert response.status_code == 200, response.text
    assert response.json()["task"] == "translate" and response.json()["text"].strip()


def test_models_lists_the_speech_model(client):
    listed = {m.id: m for m in client.models.list().data}
    assert SPEECH in listed and CHAT in listed
    assert client.models.retrieve(SPEECH).owned_by == "seaforge"


# --- bad input: 400/413 in OpenAI's shape, never 500 --------------------------------------------


def test_empty_file_is_a_400(server):
    response = post(server, files={"file": ("empty.wav", b"")}, data={"model": SPEECH})
    assert_openai_error(response, 400, "file", "empty")


def test_a_file_that_is_not_audio_is_a_400(server):
    response = post(
        server, files={"file": ("notes.wav", b"these are meeting notes, not sound " * 40)}, data={"model": SPEECH}
    )
    assert_openai_error(response, 400, "file", "notes.wav")


def test_unknown_language_is_a_400(server, clips):
    response = post(server, files={"file": ("id.wav", clips["id"])}, data={"model": SPEECH, "language": "xx-klingon"})
    assert_openai_error(response, 400, "language", "xx-klingon")


def test_unsupported_response_format_is_a_400(server, clips):
    response = post(server, files={"file": ("id.wav", clips["id"])}, data={"model": SPEECH, "response_format": "docx"})
    assert_openai_error(response, 400, "response_format", "docx")


def test_word_timestamps_are_refused_by_name(server, clips):
    fields = {"model": SPEECH, "response_format": "verbose_json", "timestamp_granularities[]": "word"}
    response = post(server, files={"file": ("id.wav", clips["id"])}, data=fields)
    assert_openai_error(response, 400, "timestamp_granularities", "word")


def test_a_file_over_the_body_limit_is_a_413(server):
    response = post(server, files={"file": ("big.wav", b"\0" * (LIMIT + 1))}, data={"model": SPEECH})
    assert_openai_error(response, 413, None, "limit")


def test_a_chunked_upload_over_the_limit_is_a_413_too(server):
    def chunks():  # no content-length: the server counts as it reads
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
        for _ in range(LIMIT // 65536 + 2):
            yield b"\0" * 65536

    headers = {"content-type": "multipart/form-data; boundary=x"}
    response = httpx.post(server.base_url + "/audio/transcriptions", content=chunks(), headers=headers, timeout=60)
    assert_openai_error(response, 413)


def test_missing_file_model_and_wrong_content_type_are_400s(server, clips):
    no_file = {"notes": ("notes.txt", b"hello")}  # multipart, without a `file` part
    assert_openai_error(post(server, files=no_file, data={"model": SPEECH}), 400, "file")
    assert_openai_error(post(server, files={"file": ("id.wav", clips["id"])}), 400, "model")
    response = httpx.post(server.base_url + "/audio/transcriptions", json={"model": SPEECH}, timeout=30)
    assert_openai_error(response, 400, None, "multipart/form-data")


def test_an_unknown_speech_model_is_a_404(server, clips):
    response = post(server, files={"file": ("id.wav", clips["id"])}, data={"model": "whisper-9000"})
    assert_openai_error(response, 404, "model", "whisper-9000")


def test_a_server_without_speech_model_says_how_to_start_one(engine, store):
    app = create_app({CHAT: engine}, store, ServerSettings())
    app.router.lifespan_context = _no_lifespan
    with LiveServer(app) as live:
        response = httpx.post(
            live.base_url + "/audio/transcriptions", files={"file": ("a.wav", b"RIFF")}, data={"model": SPEECH}
        )
        assert_openai_error(response, 404, "model", "--speech-model")
        audio = {"type": "input_audio", "input_audio": {"data": base64.b64encode(b"RIFF").decode(), "format": "wav"}}
        chat = httpx.post(
            live.base_url + "/chat/completions",
            json={"model": CHAT, "messages": [{"role": "user", "content": [audio]}]},
        )
        assert_openai_error(chat, 404, "model", "--speech-model")


# --- speech to chat -------------------------------------------------------------------------------


def audio_message(wav: bytes, fmt: str = "wav", text: str | None = None) -> dict:
    parts = [{"type": "text", "text": text}] if text else []
    parts.append({"type": "input_audio", "input_audio": {"data": base64.b64encode(wav).decode(), "format": fmt}})
    return {"role": "user", "content": parts}


def test_audio_in_chat_is_transcribed_and_answered_in_its_language(client, engine, clips):
    reply = client.chat.completions.create(model=CHAT, messages=[audio_message(clips["id"])], max_tokens=8)
    assert reply.choices[0].message.content == "Baik."
    transcript = reply.model_extra["seaforge"]["transcript"]
    assert transcript["language"] == "id" and transcript["model"] == SPEECH
    assert "pesan" in transcript["text"].lower() and 1.5 < transcript["duration"] < 6
    system, user = engine.seen[-1]
    assert system["role"] == "system" and "Reply in Indonesian" in system["content"]
    assert user == {"role": "user", "content": transcript["text"]}


def test_streamed_audio_beside_text_keeps_both_and_reports_the_transcript_first(client, engine, clips):
    messages = [{"role": "system", "content": "Kamu pelayan kafe."}, audio_message(clips["id"], text="Pesanan:")]
    chunks = list(client.chat.completions.create(model=CHAT, messages=messages, stream=True))
    assert chunks[0].model_extra["seaforge"]["transcript"]["language"] == "id"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Baik."
    system, user = engine.seen[-1]
    assert system["content"].startswith("Kamu pelayan kafe.") and "Reply in Indonesian" in system["content"]
    assert user["content"].startswith("Pesanan: ") and "pesan" in user["content"].lower()


def test_the_guard_reads_the_transcript_like_typed_text(client, engine, clips):
    before = len(engine.seen)
    reply = client.chat.completions.create(model=CHAT, messages=[audio_message(clips["harmful"])], max_tokens=8)
    info = reply.model_extra["seaforge"]
    assert "bomb" in info["transcript"]["text"].lower(), info["transcript"]
    assert info["transcript"]["language"] == "en"
    assert reply.choices[0].finish_reason == "content_filter"
    assert info["guard"]["input"]["flagged"] is True
    assert reply.choices[0].message.content not in ("", "Baik.")  # a refusal, not the model's answer
    assert len(engine.seen) == before + 1  # prepared (for the token count), never generated from


def test_bad_audio_in_chat_is_a_400_naming_the_part(server, clips):
    url = server.base_url + "/chat/completions"
    cases = [
        (audio_message(b"not sound at all, just bytes " * 30), "messages.0.content.0.input_audio"),
        (audio_message(clips["id"], fmt="docx"), "messages.0.content.0.input_audio"),
    ]
    for message, param in cases:
        assert_openai_error(httpx.post(url, json={"model": CHAT, "messages": [message]}, timeout=60), 400, param)
    broken = {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "@@not base64@@"}}]}
    response = httpx.post(url, json={"model": CHAT, "messages": [broken]}, timeout=60)
    assert_openai_error(response, 400, "messages.0.content.0.input_audio", "base64")


# --- keys, limits and metering -------------------------------------------------------------------


def test_audio_is_metered_in_seconds_and_keys_are_enforced(engine, speech, tmp_path, clips):
    store = Store(str(tmp_path / "keys.db"))
    _, chat_only = store.create_key("chat-only", models=[CHAT])
    _, both = store.create_key("both", models=[CHAT, SPEECH])
    app = create_app({CHAT: engine}, store, ServerSettings(speech=speech))
    app.router.lifespan_context = _no_lifespan
    with LiveServer(app) as live:
        url = live.base_url + "/audio/transcriptions"
        upload = {"file": ("id.wav", clips["id"])}
        assert_openai_error(httpx.post(url, files=upload, data={"model": SPEECH}), 401)
        denied = httpx.post(url, files=upload, data={"model": SPEECH}, headers={"authorization": f"Bearer {chat_only}"})
        assert_openai_error(denied, 403, "model")
        fine = httpx.post(
            url, files=upload, data={"model": SPEECH}, headers={"authorization": f"Bearer {both}"}, timeout=120
        )
        assert fine.status_code == 200, fine.text
        metrics = httpx.get(live.url + "/metrics").text
    rows = {(row["key"], row["model"]): row for row in store.usage()}
    seconds = rows["both", SPEECH]
    assert seconds["requests"] == 1 and 2 <= seconds["prompt_tokens"] <= 6  # whole seconds of audio
    assert 'seaforge_audio_seconds_total{endpoint="audio.transcriptions",model="whisper-base"}' in metrics
