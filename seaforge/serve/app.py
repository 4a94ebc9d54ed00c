"""The OpenAI-compatible HTTP API: models, chat and text completions, moderations, health, metrics."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from seaforge.guard import POLICY_NAMES
from seaforge.serve.audio import Hooks as SpeechHooks
from seaforge.serve.audio import add_speech_routes, has_audio
from seaforge.serve.engine import BackendFailure, BadPrompt, Cancel, Event, GenInput, Prepared, QueueFull, Sampling
from seaforge.serve.errors import APIError
from seaforge.serve.guardrails import Guardrails, OutputCheck, summary, user_text
from seaforge.serve.metrics import create_metrics
from seaforge.serve.protocol import (
    ChatRequest,
    CompletionRequest,
    ModerationRequest,
    read_capped_body,
    validation_message,
)

log = logging.getLogger("seaforge.serve")

GUARD_MODEL = "seaforge-guard"
KEYS_CACHE_SECONDS = 2.0


@dataclass
class ServerSettings:
    max_body_bytes: int = 4 * 1024 * 1024
    max_prompt_tokens: int | None = None  # None: the model's context is the only limit
    default_max_tokens: int = 512
    request_timeout: float = 600.0
    guard: Guardrails | None = None
    speech: object = None  # a seaforge.serve.audio.SpeechService (--speech-model), or None


@dataclass
class _Call:
    """One request in flight: what metering, metrics and the log need at the end."""

    request_id: str
    endpoint: str
    model: str = ""
    key: object = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    status: str = "ok"
    guard: str | None = None
    user_text: str = ""  # what the input guard read; a refusal is written in its language
    admitted: bool = False
    closed: bool = False
    seaforge: dict = field(default_factory=dict)  # extras for the response's `seaforge` field (transcript)
    started: float = field(default_factory=time.monotonic)


def create_app(engines: dict, store, settings: ServerSettings | None = None) -> FastAPI:
    """`engines` maps a model name to a started engine; `store` keeps keys, limits and usage."""
    settings = settings or ServerSettings()
    metrics = create_metrics(lambda: {name: getattr(e, "queue_depth", 0) for name, e in engines.items()})
    keys_cache = {"at": 0.0, "any": False}
    lazy: dict = {}

    def moderation_guards() -> Guardrails:
        """/v1/moderations works with the guardrails off too: its guard loads on first use."""
        if "guards" not in lazy:
            lazy["guards"] = Guardrails(False, False)
        return lazy["guards"]

    @asynccontextmanager
    async def lifespan(app):
        yield
        for engine in engines.values():  # in-flight requests have finished: uvicorn waited for them
            engine.stop()
        if settings.speech is not None:
            settings.speech.stop()

    app = FastAPI(title="seaforge", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.engines, app.state.store, app.state.settings, app.state.metrics = engines, store, settings, metrics

    # --- errors: always the OpenAI shape, never a 500 for a client's mistake ------------------

    @app.exception_handler(APIError)
    async def _api_error(request, err: APIError):
        return err.response()

    @app.exception_handler(HTTPException)
    async def _http_error(request, err: HTTPException):
        message = {404: f"no route {request.url.path}", 405: f"{request.method} is not allowed here"}
        return APIError(err.status_code, message.get(err.status_code, str(err.detail))).response()

    @app.exception_handler(RequestValidationError)
    async def _validation(request, err):
        return APIError(400, str(err.errors()[0].get("msg", "invalid request"))).response()

    @app.exception_handler(Exception)
    async def _crash(request, err):
        log.exception("internal error on %s", request.url.path)
        return APIError(500, f"internal server error ({type(err).__name__})").response()

    # --- helpers ----------------------------------------------------------------------------

    async def read_body(request: Request, kind):
        try:
            data = orjson.loads(await read_capped_body(request, settings.max_body_bytes))
        except orjson.JSONDecodeError as err:
            raise APIError(400, f"the body is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise APIError(400, f"the body must be a JSON object, not {type(data).__name__}")
        try:
            return kind.model_validate(data), data
        except ValidationError as err:
            message, param = validation_message(err)
            raise APIError(400, message, param=param) from None

    def auth_required() -> bool:
        now = time.monotonic()
        if now - keys_cache["at"] > KEYS_CACHE_SECONDS:
            keys_cache.update(at=now, any=store.has_keys())
        return keys_cache["any"]

    def authenticate(request: Request):
        if not auth_required():
            return None
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise APIError(401, "missing API key: send 'Authorization: Bearer <key>'", code="invalid_api_key")
        key = store.authenticate(secret.strip())
        if key is None:
            raise APIError(401, "invalid API key", code="invalid_api_key")
        if key.revoked:
            raise APIError(401, f"API key {key.name!r} has been revoked", code="invalid_api_key")
        return key

    def allowed(key, model: str) -> bool:
        return key is None or key.models is None or model in key.models

    def engine_for(key, model: str):
        if model not in engines:
            known = ", ".join([*engines, GUARD_MODEL])
            raise APIError(
                404,
                f"the model {model!r} does not exist; this server has: {known}",
                param="model",
                code="model_not_found",
            )
        if not allowed(key, model):
            raise APIError(403, f"this API key may not use the model {model!r}", param="model")
        return engines[model]

    def admit(call: _Call) -> None:
        admission = store.admit(call.request_id, call.key, call.model, call.endpoint, call.prompt_tokens)
        if not admission.ok:
            metrics.rate_limited.inc()
            headers = (
                {"Retry-After": str(max(1, int(admission.retry_after + 0.999)))} if admission.status == 429 else {}
            )
            raise APIError(admission.status, admission.reason, code="rate_limit_exceeded", headers=headers)
        call.admitted = True

    def close(call: _Call, response_status: int) -> None:
        if call.closed:
            return
        call.closed = True
        if call.admitted:
            try:
                store.finish(call.request_id, call.prompt_tokens, call.completion_tokens, call.status, call.guard)
            except Exception:  # noqa: BLE001 - metering must not turn an answered request into an error
                log.exception("metering failed for %s", call.request_id)
        metrics.requests.labels(call.endpoint, call.model or "-", str(response_status)).inc()
        metrics.latency.labels(call.endpoint).observe(time.monotonic() - call.started)
        if call.model:
            metrics.tokens.labels(call.model, "prompt").inc(call.prompt_tokens)
            metrics.tokens.labels(call.model, "completion").inc(call.completion_tokens)

    def sampling_for(body, engine, prompt_tokens: int) -> Sampling:
        limit = body.token_limit
        context = getattr(engine, "context", None)
        if settings.max_prompt_tokens and prompt_tokens > settings.max_prompt_tokens:
            raise APIError(
                400,
                f"the prompt takes {prompt_tokens} tokens; this server's limit is {settings.max_prompt_tokens}",
                param="messages",
                code="context_length_exceeded",
            )
        if context:
            room = context - prompt_tokens
            if room < 1 or (limit is not None and limit > room):
                asked = f" and max_tokens asks for {limit}" if limit else ""
                raise APIError(
                    400,
                    f"this model's context is {context} tokens; the prompt takes {prompt_tokens}{asked}",
                    param="max_tokens",
                    code="context_length_exceeded",
                )
        if body.logprobs_k is not None and not getattr(engine, "supports_logprobs", True):
            raise APIError(400, f"the {engine.backend} backend does not return logprobs", param="logprobs")
        if limit is None:
            limit = min(
                settings.default_max_tokens, (context - prompt_tokens) if context else settings.default_max_tokens
            )
        json_mode = bool(getattr(body, "response_format", None) and body.response_format.type == "json_object")
        return Sampling(
            max_tokens=int(limit),
            temperature=body.temperature,
            top_p=body.top_p,
            seed=body.seed,
            stop=tuple(body.stop or ()),
            logprobs=body.logprobs_k,
            json_mode=json_mode,
            presence_penalty=body.presence_penalty,
            frequency_penalty=body.frequency_penalty,
        )

    def prepare(engine, inp: GenInput) -> Prepared:
        try:
            return engine.prepare(inp)
        except BadPrompt as err:
            raise APIError(400, str(err), param="messages" if inp.messages is not None else "prompt") from None

    async def watch_disconnect(request: Request, cancel: Cancel) -> None:
        while not cancel.is_set():
            if await request.is_disconnected():
                cancel.set()
                return
            await asyncio.sleep(0.25)

    def usage(call: _Call) -> dict:
        return {
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens,
            "total_tokens": call.prompt_tokens + call.completion_tokens,
        }

    # --- speech: /v1/audio/* and audio messages in chat (seaforge/serve/audio.py) --------------

    hooks = SpeechHooks(authenticate, allowed, admit, close, _Call, settings, metrics)
    hear = add_speech_routes(app, settings.speech, hooks)

    # --- routes -----------------------------------------------------------------------------

    @app.get("/health")
    async def health():
        return {"status": "ok", "models": list(engines)}

    @app.get("/metrics")
    async def prometheus():
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/")
    async def playground():
        page = resources.files("seaforge.serve").joinpath("playground.html").read_text(encoding="utf-8")
        # The page loads nothing from elsewhere; the policy makes the browser hold it to that.
        policy = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:"
        )
        return HTMLResponse(page, headers={"content-security-policy": policy})

    @app.get("/v1/models")
    async def list_models(request: Request):
        key = authenticate(request)
        data = [
            {
                "id": name,
                "object": "model",
                "created": int(getattr(engine, "created", 0)),
                "owned_by": "seaforge",
                "backend": engine.backend,
                "context_length": getattr(engine, "context", None),
                "max_model_len": getattr(engine, "context", None),  # vLLM's name for it
            }
            for name, engine in engines.items()
            if allowed(key, name)
        ]
        if settings.guard is not None and allowed(key, GUARD_MODEL):
            data.append(
                {
                    "id": GUARD_MODEL,
                    "object": "model",
                    "created": 0,
                    "owned_by": "seaforge",
                    "backend": "guard",
                    "policy": settings.guard.policy_name,
                }
            )
        if settings.speech is not None and allowed(key, settings.speech.name):
            data.append(settings.speech.card())
        return {"object": "list", "data": data}

    @app.get("/v1/models/{name:path}")
    async def get_model(name: str, request: Request):
        listing = await list_models(request)
        for model in listing["data"]:
            if model["id"] == name:
                return model
        raise APIError(404, f"the model {name!r} does not exist", param="model", code="model_not_found")

    @app.post("/v1/moderations")
    async def moderations(request: Request):
        call = _Call("modr-" + secrets.token_hex(12), "moderations")
        status = 200
        try:
            call.key = authenticate(request)
            body, _ = await read_body(request, ModerationRequest)
            if body.policy is not None and body.policy not in POLICY_NAMES:  # never a path on the server
                raise APIError(
                    400, f"unknown policy {body.policy!r}; choose one of: {', '.join(POLICY_NAMES)}", param="policy"
                )
            guards = settings.guard or moderation_guards()
            guard = guards.for_policy(body.policy) if body.policy else guards.guard
            call.model = GUARD_MODEL
            texts = [body.input] if isinstance(body.input, str) else list(body.input)
            admit(call)
            verdicts = [guard.check(text) for text in texts]
            results = [
                {
                    **v.as_openai(),
                    "severity": {c["name"]: c["severity"] for c in v.categories},
                    "language": v.language,
                    "stage": v.stage,
                }
                for v in verdicts
            ]
            for v in verdicts:
                for c in v.categories:
                    metrics.guard_flagged.labels("moderation", c["name"]).inc()
            policy = guard.policy
            return {"id": call.request_id, "model": GUARD_MODEL, "policy": policy.name, "results": results}
        except APIError as err:
            status, call.status = err.status, "error"
            raise
        finally:
            close(call, status)

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        return await _generate(request, ChatRequest, "chat")

    @app.post("/v1/completions")
    async def completions(request: Request):
        return await _generate(request, CompletionRequest, "completions")

    async def _generate(request: Request, kind, endpoint: str):
        prefix = "chatcmpl-" if endpoint == "chat" else "cmpl-"
        call = _Call(prefix + secrets.token_hex(12), endpoint)
        streaming = False
        try:
            call.key = authenticate(request)
            body, raw = await read_body(request, kind)
            call.model = body.model
            if endpoint == "chat" and body.model == GUARD_MODEL and settings.guard is not None:
                return guard_chat(call, body)
            engine = engine_for(call.key, body.model)
            if endpoint == "chat":
                messages = [{"role": m.role, "content": m.text()} for m in body.messages]
                if has_audio(body):  # speech to chat: transcribed, answered in the language heard
                    messages, call.seaforge = await hear(body, call)
                inp = GenInput(
                    body.model,
                    Sampling(1),
                    messages=messages,
                    n=body.n,
                    template_kwargs=body.chat_template_kwargs or {},
                    request_id=call.request_id,
                    raw=raw,
                )
                call.user_text = user_text(messages)
            else:
                inp = GenInput(
                    body.model, Sampling(1), prompt=body.prompt, n=body.n, request_id=call.request_id, raw=raw
                )
                call.user_text = body.prompt
            prepared = prepare(engine, inp)
            call.prompt_tokens = prepared.prompt_tokens
            guard = settings.guard
            if guard is not None and guard.input:
                verdict = guard.check(call.user_text, "input", call.request_id)
                if verdict.flagged:
                    call.status, call.guard = "blocked", "input:" + ",".join(summary(verdict)["categories"])
                    for name in summary(verdict)["categories"]:
                        metrics.guard_flagged.labels("input", name).inc()
                    if guard.action == "error":
                        raise APIError(
                            400,
                            "the request was blocked by the content policy "
                            f"({guard.policy_name}: {', '.join(summary(verdict)['categories'])})",
                            code="content_filter",
                        )
                    admit(call)
                    refusal = guard.refusal(call.user_text)
                    events = _refusal_events(refusal, body.n)
                    verdict_info = {"input": summary(verdict)}
                    if body.stream:
                        streaming = True
                        return _sse(call, body, endpoint, events, None, verdict_info, Cancel())
                    return await _collect(call, body, endpoint, events, None, verdict_info, Cancel())
            inp.sampling = sampling_for(body, engine, prepared.prompt_tokens)
            admit(call)
            cancel = Cancel()
            try:
                events = engine.submit(prepared, cancel)
            except QueueFull as err:
                call.status = "error"
                raise APIError(503, str(err), code="queue_full", headers={"Retry-After": "1"}) from None
            out_guard = guard if guard is not None and guard.output else None
            if body.stream:
                streaming = True
                return _sse(call, body, endpoint, events, out_guard, {}, cancel)
            watcher = asyncio.create_task(watch_disconnect(request, cancel))
            try:
                return await asyncio.wait_for(
                    _collect(call, body, endpoint, events, out_guard, {}, cancel), settings.request_timeout
                )
            except TimeoutError:
                cancel.set()
                call.status = "timeout"
                raise APIError(504, f"generation took longer than {settings.request_timeout:g} s") from None
            finally:
                watcher.cancel()
        except APIError as err:
            if call.status == "ok":
                call.status = "error"
            close(call, err.status)
            raise
        except BaseException:
            call.status = "error"
            close(call, 500)
            raise
        finally:
            if not streaming and call.status in ("ok", "blocked"):
                close(call, 200)

    def _refusal_events(text: str, n: int) -> AsyncIterator[Event]:
        async def events():
            for index in range(n):
                yield Event(index, text, [], "content_filter", 0)

        return events()

    def _logprobs_block(endpoint: str, entries: list[dict], offset: int):
        if endpoint == "chat":
            return {"content": entries}
        return {
            "tokens": [e["token"] for e in entries],
            "token_logprobs": [e["logprob"] for e in entries],
            "top_logprobs": [{t["token"]: t["logprob"] for t in e.get("top_logprobs", [])} for e in entries],
            "text_offset": [offset + sum(len(x["token"]) for x in entries[:i]) for i in range(len(entries))],
        }

    async def _collect(call, body, endpoint, events, out_guard, verdict_info, cancel) -> dict:
        n = body.n
        texts, reasons, entries = [""] * n, [None] * n, [[] for _ in range(n)]
        completion = [0] * n
        first = None
        try:
            async for event in events:
                first = first or time.monotonic()
                texts[event.index] += event.text
                entries[event.index] += event.logprobs
                completion[event.index] = event.completion_tokens
                if event.prompt_tokens is not None:
                    call.prompt_tokens = event.prompt_tokens
                if event.finish_reason is not None:
                    reasons[event.index] = event.finish_reason
        except BackendFailure as err:
            raise APIError(err.status, str(err)) from None
        finally:
            call.completion_tokens = sum(completion)
        if first is not None:
            metrics.first_token.labels(call.model).observe(first - call.started)
        if out_guard is not None:
            verdicts = [out_guard.check(text, "output", call.request_id) for text in texts]
            flagged = [i for i, v in enumerate(verdicts) if v.flagged]
            for i in flagged:
                texts[i], reasons[i], entries[i] = out_guard.refusal(call.user_text), "content_filter", []
                for name in summary(verdicts[i])["categories"]:
                    metrics.guard_flagged.labels("output", name).inc()
            if flagged:
                call.status = "blocked"
                call.guard = "output:" + ",".join(
                    sorted({c for i in flagged for c in summary(verdicts[i])["categories"]})
                )
                verdict_info = {**verdict_info, "output": summary(verdicts[flagged[0]])}
        choices = []
        for i in range(n):
            logprobs = _logprobs_block(endpoint, entries[i], 0) if body.logprobs_k is not None else None
            if endpoint == "chat":
                message = {"role": "assistant", "content": texts[i]}
                choices.append({"index": i, "message": message, "logprobs": logprobs, "finish_reason": reasons[i]})
            else:
                choices.append({"index": i, "text": texts[i], "logprobs": logprobs, "finish_reason": reasons[i]})
        response = {
            "id": call.request_id,
            "object": "chat.completion" if endpoint == "chat" else "text_completion",
            "created": int(time.time()),
            "model": call.model,
            "choices": choices,
            "usage": usage(call),
            "system_fingerprint": None,
        }
        if settings.guard is not None:
            response["seaforge"] = {"guard": verdict_info or {"flagged": False}}
        if call.seaforge:
            response.setdefault("seaforge", {}).update(call.seaforge)
        return JSONResponse(response, headers={"x-request-id": call.request_id})

    def _sse(call, body, endpoint, events, out_guard, verdict_info, cancel) -> StreamingResponse:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        created = int(time.time())
        kind = "chat.completion.chunk" if endpoint == "chat" else "text_completion"

        def chunk(choices, **extra) -> bytes:
            data = {"id": call.request_id, "object": kind, "created": created, "model": call.model, "choices": choices}
            if include_usage:
                data["usage"] = None
            data.update(extra)
            return b"data: " + orjson.dumps(data) + b"\n\n"

        def choice(index, text=None, logprobs=None, finish=None, role=False):
            if endpoint == "chat":
                delta = {"role": "assistant", "content": ""} if role else ({"content": text} if text else {})
                lp = {"content": logprobs} if logprobs else None
                return {"index": index, "delta": delta, "logprobs": lp, "finish_reason": finish}
            lp = _logprobs_block(endpoint, logprobs, 0) if logprobs else None
            return {"index": index, "text": text or "", "logprobs": lp, "finish_reason": finish}

        async def stream():
            checks = {i: OutputCheck(out_guard, call.request_id) for i in range(body.n)} if out_guard else {}
            completion = [0] * body.n
            first = None
            status = 200
            try:
                if endpoint == "chat":
                    for i in range(body.n):
                        yield chunk([choice(i, role=True)], **({"seaforge": call.seaforge} if call.seaforge else {}))
                deadline = call.started + settings.request_timeout
                async for event in _with_deadline(events, deadline):
                    completion[event.index] = event.completion_tokens
                    if event.prompt_tokens is not None:
                        call.prompt_tokens = event.prompt_tokens
                    text, reason = event.text, event.finish_reason
                    check = checks.get(event.index)
                    if check is not None:
                        if check.verdict is not None and check.verdict.flagged:
                            continue  # this choice was already cut off
                        text = check.feed(text, final=reason is not None)
                        if text is None:
                            categories = summary(check.verdict)["categories"]
                            call.status, call.guard = "blocked", "output:" + ",".join(categories)
                            for name in categories:
                                metrics.guard_flagged.labels("output", name).inc()
                            if all(c.verdict is not None and c.verdict.flagged for c in checks.values()):
                                cancel.set()
                            yield chunk(
                                [choice(event.index, finish="content_filter")],
                                seaforge={"guard": {"output": summary(check.verdict)}},
                            )
                            continue
                    if text and first is None:
                        first = time.monotonic()
                        metrics.first_token.labels(call.model).observe(first - call.started)
                    if text or event.logprobs or reason:
                        extra = {}
                        if reason and settings.guard is not None:
                            extra = {"seaforge": {"guard": verdict_info or {"flagged": False}}}
                        yield chunk([choice(event.index, text, event.logprobs, reason)], **extra)
                call.completion_tokens = sum(completion)
                if include_usage:
                    yield chunk([], usage=usage(call))
                yield b"data: [DONE]\n\n"
            except TimeoutError:
                status, call.status = 504, "timeout"
                cancel.set()
                error = APIError(504, f"generation took longer than {settings.request_timeout:g} s")
                yield b"data: " + orjson.dumps(error.body()) + b"\n\n"
            except BackendFailure as err:
                status, call.status = err.status, "error"
                yield b"data: " + orjson.dumps(APIError(err.status, str(err)).body()) + b"\n\n"
            except BaseException:  # the client went away (the task is cancelled): stop decoding
                status, call.status = 499, "cancelled"
                cancel.set()
                raise
            finally:
                call.completion_tokens = sum(completion)
                close(call, status)

        headers = {"x-request-id": call.request_id, "cache-control": "no-cache"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    def guard_chat(call: _Call, body: ChatRequest):
        """The guard as a chat model (SEA-Guard style): answers `safe` or `unsafe` and the categories.
        The last message is judged: a user turn as a prompt, an assistant turn as a response."""
        if not allowed(call.key, GUARD_MODEL):
            raise APIError(403, f"this API key may not use the model {GUARD_MODEL!r}", param="model")
        if body.stream:
            raise APIError(400, f"{GUARD_MODEL} does not stream; send stream: false", param="stream")
        last = body.messages[-1]
        admit(call)
        verdict = settings.guard.check(last.text(), "moderation", call.request_id)
        hit = summary(verdict)["categories"]
        answer = "unsafe\n" + ",".join(hit) if verdict.flagged else "safe"
        choices = [
            {"index": 0, "message": {"role": "assistant", "content": answer}, "logprobs": None, "finish_reason": "stop"}
        ]
        return JSONResponse(
            {
                "id": call.request_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": GUARD_MODEL,
                "choices": choices,
                "usage": usage(call),
            }
        )

    return app


async def _with_deadline(events: AsyncIterator[Event], deadline: float) -> AsyncIterator[Event]:
    """The events, or TimeoutError once the monotonic deadline passes."""
    iterator = events.__aiter__()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        try:
            event = await asyncio.wait_for(iterator.__anext__(), left)
        except StopAsyncIteration:
            return
        yield event
