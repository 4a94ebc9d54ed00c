"""Speech in `seaforge serve`: OpenAI's /v1/audio/transcriptions and /v1/audio/translations, and
audio messages in /v1/chat/completions, transcribed and then answered in the language heard.

The routes share the text endpoints' keys, limits, metering and error shape (the hooks come from
`create_app`). A speech request is metered in audio seconds: its usage row (model = the speech
model) counts whole seconds of audio as prompt tokens, so a key's tpm also bounds its audio minutes;
Prometheus gets `seaforge_audio_seconds`. Whisper is CPU-bound and blocking, so it runs in worker
threads, at most `workers` at a time and `max_queue` waiting (503 beyond that).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import Counter
from starlette.datastructures import UploadFile

from seaforge.serve.errors import APIError
from seaforge.serve.protocol import ContentPart, read_capped_body
from seaforge.speech.audio import AUDIO_FORMATS, SAMPLE_RATE  # input_audio: OpenAI's wav, mp3 and more

GRANULARITIES = ("segment", "word")
BACKEND = "faster-whisper"


class SpeechService:
    """The server's speech model: loaded at start, transcribing in worker threads."""

    def __init__(
        self,
        model: str,
        workers: int = 1,
        max_queue: int = 16,
        threads: int | None = None,
        languages: tuple[str, ...] | None = None,
    ):
        self.name, self.workers, self.max_queue, self.threads = model, workers, max_queue, threads
        self.languages = languages  # what detection chooses among (--speech-languages); None: any
        self.pending = 0  # requests running or waiting for a worker
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="speech")

    def start(self) -> None:
        """Load the model now: a missing or broken one is a UserError at start, not on a request."""
        from seaforge.speech.langpick import resolve_speech_lang
        from seaforge.speech.whisper import load_whisper

        if self.languages:
            self.languages = tuple(dict.fromkeys(resolve_speech_lang(code) for code in self.languages))
        load_whisper(self.name, threads=self.threads)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def card(self) -> dict:
        return {"id": self.name, "object": "model", "created": 0, "owned_by": "seaforge", "backend": BACKEND}

    async def transcribe(self, samples, *, lang: str | None, task: str, timeout: float):
        """A Transcript of 16 kHz samples; 503 when the queue is full, 504 past `timeout`."""
        from seaforge.speech.transcribe import transcribe

        if self.pending >= self.workers + self.max_queue:
            raise APIError(503, f"{self.pending} transcriptions are queued; try again", code="queue_full")
        self.pending += 1
        loop = asyncio.get_running_loop()
        languages = None if lang else self.languages
        work = loop.run_in_executor(
            self._pool,
            lambda: transcribe(
                samples, model=self.name, lang=lang, languages=languages, task=task, threads=self.threads
            ),
        )
        try:
            return await asyncio.wait_for(work, timeout)
        except TimeoutError:
            raise APIError(504, f"transcription took longer than {timeout:g} s") from None
        finally:
            self.pending -= 1


@dataclass
class Hooks:
    """What the speech routes borrow from `create_app`: auth, admission, metering, settings."""

    authenticate: Callable
    allowed: Callable
    admit: Callable
    close: Callable
    new_call: Callable  # (request_id, endpoint) -> the app's per-request record
    settings: object
    metrics: object


def add_speech_routes(app, speech: SpeechService | None, hooks: Hooks):
    """Add the /v1/audio routes to `app`; returns `hear`, which chat calls for audio messages."""
    audio_seconds = Counter(
        "seaforge_audio_seconds", "Seconds of audio transcribed", ["model", "endpoint"], registry=hooks.metrics.registry
    )
    settings = hooks.settings

    def service_for(key, model: str | None) -> SpeechService:
        if speech is None:
            raise APIError(
                404,
                "this server has no speech model; start it with --speech-model whisper-base",
                param="model",
                code="model_not_found",
            )
        if model is not None and model != speech.name:
            raise APIError(
                404,
                f"the speech model {model!r} does not exist; this server's is {speech.name!r}",
                param="model",
                code="model_not_found",
            )
        if not hooks.allowed(key, speech.name):
            raise APIError(403, f"this API key may not use the model {speech.name!r}", param="model")
        return speech

    def failed(call, err: BaseException) -> int:
        """Mark a metered call as failed; its status: the APIError's, else 500."""
        call.status = "error"
        return err.status if isinstance(err, APIError) else 500

    async def audio_route(request: Request, task: str):
        endpoint = "audio.transcriptions" if task == "transcribe" else "audio.translations"
        call = hooks.new_call("audio-" + secrets.token_hex(12), endpoint)
        status = 200
        try:
            call.key = hooks.authenticate(request)
            form = await read_form(request, settings.max_body_bytes)
            try:
                fields = await form_fields(form)
            finally:
                await form.close()
            service = service_for(call.key, fields["model"])
            call.model = service.name
            samples = await asyncio.to_thread(decode, fields["file"], fields["filename"], "file")
            call.prompt_tokens = math.ceil(samples.size / SAMPLE_RATE)  # metered in whole seconds of audio
            hooks.admit(call)
            transcript = await service.transcribe(
                samples, lang=fields["language"], task=task, timeout=settings.request_timeout
            )
            audio_seconds.labels(service.name, endpoint).inc(samples.size / SAMPLE_RATE)
            rendered = render(transcript, fields["response_format"])
            headers = {"x-request-id": call.request_id}
            if isinstance(rendered, dict):
                return JSONResponse(rendered, headers=headers)
            return PlainTextResponse(rendered, headers=headers)
        except BaseException as err:
            status = failed(call, err)
            raise
        finally:
            hooks.close(call, status)

    @app.post("/v1/audio/transcriptions")
    async def transcriptions(request: Request):
        return await audio_route(request, "transcribe")

    @app.post("/v1/audio/translations")
    async def translations(request: Request):
        return await audio_route(request, "translate")

    async def hear(body, call) -> tuple[list[dict], dict]:
        """Speech to chat: the request's messages with each audio part replaced by its transcript and
        a system instruction to answer in the language heard; and what the response reports of it."""
        service = service_for(call.key, None)
        # The audio is metered on its own row (model = the speech model) beside the chat's tokens.
        audio_call = hooks.new_call(call.request_id + "-audio", "chat.audio")
        audio_call.key, audio_call.model = call.key, service.name
        status, transcript = 200, None
        try:
            clips = {}  # (message, part) -> samples
            for index, message in enumerate(body.messages):
                for part_index, part in enumerate(message.content if isinstance(message.content, list) else []):
                    if part.type == "input_audio":
                        param = f"messages.{index}.content.{part_index}.input_audio"
                        clips[index, part_index] = await asyncio.to_thread(decode_base64, part.input_audio, param)
            seconds = sum(samples.size for samples in clips.values()) / SAMPLE_RATE
            audio_call.prompt_tokens = math.ceil(seconds)
            hooks.admit(audio_call)
            for (index, part_index), samples in clips.items():
                transcript = await service.transcribe(
                    samples, lang=None, task="transcribe", timeout=settings.request_timeout
                )
                if not transcript.text.strip():
                    param = f"messages.{index}.content.{part_index}.input_audio"
                    raise APIError(400, f"{param}: no speech was heard in this audio", param=param)
                body.messages[index].content[part_index] = ContentPart(type="text", text=transcript.text)
            audio_seconds.labels(service.name, audio_call.endpoint).inc(seconds)
        except BaseException as err:
            status = failed(audio_call, err)
            raise
        finally:
            hooks.close(audio_call, status)
        # spoken and typed parts are separate utterances: a space between them, not glued together
        spoken = {index for index, _ in clips}
        messages = [
            {"role": m.role, "content": " ".join(p.text.strip() for p in m.content if p.text and p.text.strip())}
            if index in spoken
            else {"role": m.role, "content": m.text()}
            for index, m in enumerate(body.messages)
        ]
        report = {
            "text": transcript.text,
            "language": transcript.lang,
            "language_probability": round(transcript.lang_prob, 4),
            "duration": round(seconds, 3),
            "model": service.name,
        }
        return answer_in(messages, transcript.lang), {"transcript": report}

    return hear


def has_audio(body) -> bool:
    """Whether a chat request carries an audio part."""
    return any(
        isinstance(message.content, list) and any(part.type == "input_audio" for part in message.content)
        for message in body.messages
    )


def answer_in(messages: list[dict], lang: str) -> list[dict]:
    """`messages` with a system instruction to reply in `lang` (added to the first system turn)."""
    instruction = (
        f"The user spoke in {language_label(lang)}; their words were transcribed automatically and may "
        f"contain recognition errors. Reply in {language_label(lang)}."
    )
    for message in messages:
        if message["role"] in ("system", "developer"):
            message["content"] = f"{message['content']}\n\n{instruction}".strip()
            return messages
    return [{"role": "system", "content": instruction}, *messages]


def language_label(code: str) -> str:
    """`Thai (ภาษาไทย)`: the English name a model knows and the name its speakers use."""
    from seaforge.speech.formats import language_name
    from seaforge.text import languages

    entry = languages.LANGUAGES.get(code)
    return entry.label if entry else language_name(code).title()


# --- request parsing ----------------------------------------------------------------------------


async def read_form(request: Request, limit: int):
    """The multipart form, after checking the body size against the server's limit (413)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise APIError(400, "send the audio as multipart/form-data with a `file` part, as OpenAI's clients do")
    body = await read_capped_body(request, limit)

    async def replay():  # the form parser reads the body we already hold
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=1, max_fields=32, max_part_size=1024 * 1024)


async def form_fields(form) -> dict:
    """The transcription form's fields, checked; every mistake is a 400 naming the field."""
    from seaforge.speech.formats import FORMATS as RESPONSE_FORMATS
    from seaforge.speech.langpick import UnknownLanguage, resolve_speech_lang

    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise APIError(400, "file: required (the audio to transcribe, as a multipart file part)", param="file")
    model = form.get("model")
    if not isinstance(model, str) or not model.strip():
        raise APIError(400, "model: required (this server's speech model, e.g. whisper-base)", param="model")
    response_format = str(form.get("response_format") or "json")
    if response_format not in RESPONSE_FORMATS:
        raise APIError(
            400,
            f"response_format: {response_format!r} is not supported; choose one of: {', '.join(RESPONSE_FORMATS)}",
            param="response_format",
        )
    language = str(form.get("language") or "").strip() or None
    if language is not None:
        try:
            language = resolve_speech_lang(language)
        except UnknownLanguage as err:
            raise APIError(400, f"language: {err}", param="language") from None
    temperature = str(form.get("temperature") or "0")
    try:  # accepted as OpenAI's clients send it; decoding is beam search, which does not sample
        if not 0.0 <= float(temperature) <= 1.0:
            raise ValueError
    except ValueError:
        raise APIError(400, f"temperature: {temperature!r} must be a number from 0 to 1", param="temperature") from None
    granularities = form.getlist("timestamp_granularities[]") + form.getlist("timestamp_granularities")
    for granularity in granularities:
        if granularity not in GRANULARITIES:
            raise APIError(
                400, f"timestamp_granularities: {granularity!r} is not segment or word", param="timestamp_granularities"
            )
        if granularity == "word":
            raise APIError(
                400,
                "timestamp_granularities: word timestamps are not supported; ask for segment",
                param="timestamp_granularities",
            )
    if granularities and response_format != "verbose_json":
        raise APIError(
            400, "timestamp_granularities needs response_format verbose_json", param="timestamp_granularities"
        )
    if str(form.get("stream") or "false").lower() == "true":
        raise APIError(400, "stream: streamed transcription is not supported; send stream=false", param="stream")
    data = await upload.read()
    if not data:
        raise APIError(400, f"file: {upload.filename or 'the upload'} is empty (0 bytes)", param="file")
    return {
        "file": data,
        "filename": upload.filename or "audio",
        "model": model.strip(),
        "language": language,
        "response_format": response_format,
    }


def decode(data: bytes, name: str, param: str):
    """16 kHz samples of an upload; an AudioError (empty, not audio) becomes a 400 naming it."""
    from seaforge.speech.audio import AudioError, load_audio

    try:
        return load_audio(data, name=name)
    except AudioError as err:
        raise APIError(400, f"{param}: {err}", param=param) from None


def decode_base64(audio, param: str):
    """Samples of a chat message's `input_audio` part (base64 `data`, a `format` ffmpeg reads)."""
    if audio.format not in AUDIO_FORMATS:
        raise APIError(400, f"{param}.format: {audio.format!r}; choose one of: {', '.join(AUDIO_FORMATS)}", param=param)
    try:
        data = base64.b64decode(audio.data, validate=True)
    except (binascii.Error, ValueError):
        raise APIError(400, f"{param}.data: not valid base64", param=param) from None
    return decode(data, f"audio.{audio.format}", param)


def render(transcript, response_format: str):
    from seaforge.speech.formats import render as render_transcript

    return render_transcript(transcript, response_format)
