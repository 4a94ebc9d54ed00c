"""Request bodies of the OpenAI API, validated: any client mistake becomes a 400 naming the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

MAX_N = 8
MAX_TOP_LOGPROBS = 20
MAX_STOP = 4
INT64 = 2**63 - 1

Text = Annotated[str, Field(max_length=4_000_000)]


class _Body(BaseModel):
    # Unknown fields are ignored, as vLLM does: SDKs send vendor extras (user, metadata, store ...).
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class InputAudio(_Body):
    data: str = Field(min_length=1)  # base64 of the file's bytes; --max-body-mb bounds it
    format: str = "wav"


class ContentPart(_Body):
    type: str
    text: str | None = None
    input_audio: InputAudio | None = None  # speech to chat: transcribed by the server's speech model

    @model_validator(mode="after")
    def _known_part(self):
        if (self.type == "text" and self.text is not None) or (
            self.type == "input_audio" and self.input_audio is not None
        ):
            return self
        raise ValueError(f"content parts of type {self.type!r} are not supported; send text or input_audio parts")


class Message(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Text | list[ContentPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content)
        return self.content or ""


class StreamOptions(_Body):
    include_usage: StrictBool = False


class ResponseFormat(_Body):
    type: Literal["text", "json_object", "json_schema"]


class _Sampling(_Body):
    model: str = Field(min_length=1)
    temperature: float = Field(1.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1, le=INT64)
    stop: str | list[str] | None = None
    seed: int | None = Field(None, ge=-INT64 - 1, le=INT64)
    n: int = Field(1, ge=1, le=MAX_N)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    presence_penalty: float = Field(0.0, ge=-2.0, le=2.0)
    frequency_penalty: float = Field(0.0, ge=-2.0, le=2.0)

    @field_validator("stop")
    @classmethod
    def _stops(cls, value):
        stops = [value] if isinstance(value, str) else list(value or [])
        if len(stops) > MAX_STOP:
            raise ValueError(f"at most {MAX_STOP} stop sequences")
        if any(not s for s in stops):
            raise ValueError("stop sequences must not be empty")
        return stops

    @field_validator("temperature", "top_p", "presence_penalty", "frequency_penalty", mode="before")
    @classmethod
    def _finite(cls, value):
        if isinstance(value, bool):
            raise ValueError("must be a number")
        return value


class ChatRequest(_Sampling):
    messages: list[Message] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1, le=INT64)
    logprobs: StrictBool = False
    top_logprobs: int | None = Field(None, ge=0, le=MAX_TOP_LOGPROBS)
    response_format: ResponseFormat | None = None
    chat_template_kwargs: dict[str, Any] | None = None
    tools: list[Any] | None = None

    @model_validator(mode="after")
    def _checks(self):
        if self.tools:
            raise ValueError("tools are not supported by this server")
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs needs logprobs: true")
        if self.response_format is not None and self.response_format.type == "json_schema":
            raise ValueError("response_format json_schema is not supported; use json_object")
        return self

    @property
    def token_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    @property
    def logprobs_k(self) -> int | None:
        return (self.top_logprobs or 0) if self.logprobs else None


class CompletionRequest(_Sampling):
    prompt: Text | list[Text] = Field(min_length=1)
    logprobs: int | None = Field(None, ge=0, le=5)
    echo: StrictBool = False
    max_tokens: int | None = Field(16, ge=1, le=INT64)  # OpenAI's default for completions

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, value):
        if isinstance(value, list):
            if len(value) != 1:
                raise ValueError("send one prompt per request (a list of several is not supported)")
            value = value[0]
        return value

    @model_validator(mode="after")
    def _checks(self):
        if self.echo:
            raise ValueError("echo is not supported")
        return self

    @property
    def token_limit(self) -> int | None:
        return self.max_tokens

    @property
    def logprobs_k(self) -> int | None:
        return self.logprobs


class ModerationRequest(_Body):
    input: Text | list[Text] = Field(min_length=1)
    model: str | None = None
    policy: str | None = None

    @field_validator("input")
    @classmethod
    def _limit(cls, value):
        if isinstance(value, list) and len(value) > 256:
            raise ValueError("at most 256 inputs per request")
        return value


def validation_message(err) -> tuple[str, str | None]:
    """The first problem of a pydantic ValidationError as (message, param)."""
    first = err.errors()[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body",)]
    # Drop the union branch names pydantic adds ("str", "list[ContentPart]"): users never see them.
    param = ".".join(p for p in loc if not any(c in p for c in "[]") and p not in ("str", "function-after"))
    message = first.get("msg", "invalid value").removeprefix("Value error, ")
    return (f"{param}: {message}" if param else message), (param or None)


async def read_capped_body(request, limit: int) -> bytes:
    """The raw request body, refused with a 413 once it passes `limit` bytes (declared or streamed),
    before it is all held in memory."""
    from seaforge.serve.errors import APIError

    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise APIError(413, f"request body is {length} bytes; the limit is {limit} (--max-body-mb)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise APIError(413, f"request body is over the limit of {limit} bytes (--max-body-mb)")
        chunks.append(chunk)
    return b"".join(chunks)
