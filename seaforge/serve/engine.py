"""What every serving backend takes and yields: sampling settings in, per-choice events out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from seaforge.errors import UserError


class EngineError(UserError):
    """A backend that cannot load or answer (bad model argument, missing extra, unreachable upstream)."""


class BadPrompt(Exception):
    """A prompt the model cannot take: too long, empty, or rejected by its chat template (400)."""


class BackendFailure(RuntimeError):
    """Generation failed after the request was accepted; `status` is what the client gets."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status


class QueueFull(Exception):
    """More requests are waiting than the server's queue holds (503)."""


@dataclass(frozen=True)
class Sampling:
    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    logprobs: int | None = None  # None: off; k >= 0: the chosen token's log-prob and the top k
    json_mode: bool = False
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0


@dataclass
class GenInput:
    """One request as an engine sees it: chat messages or a raw prompt, and how to sample."""

    model: str
    sampling: Sampling
    messages: list[dict] | None = None
    prompt: str | None = None
    n: int = 1
    template_kwargs: dict = field(default_factory=dict)
    request_id: str = ""
    raw: dict = field(default_factory=dict)  # the client's body, for backends that forward it


@dataclass
class Event:
    """New text for choice `index`; the last event of a choice carries `finish_reason`."""

    index: int = 0
    text: str = ""
    logprobs: list[dict] = field(default_factory=list)  # one entry per token in `text`
    finish_reason: str | None = None
    completion_tokens: int = 0  # tokens generated so far for this choice
    prompt_tokens: int | None = None  # set once, on a choice's last event, when the backend knows it better


@dataclass
class Prepared:
    """A request checked and encoded by its engine, ready to run; `prompt_tokens` feeds the limits."""

    input: GenInput
    prompt_tokens: int
    payload: object = None


class Cancel:
    """Set by the server when the client goes away or the request times out; engines poll it."""

    def __init__(self) -> None:
        self._flag = False

    def set(self) -> None:
        self._flag = True

    def is_set(self) -> bool:
        return self._flag


class TextStream:
    """Turns a growing token list into safe text deltas: holds back a partial UTF-8 character and
    any tail that could still become a stop string, and cuts the text at the first stop string."""

    def __init__(self, decode, stop: tuple[str, ...]):
        self.decode, self.stop = decode, tuple(s for s in stop if s)
        self.sent = ""  # text already handed out
        self.stopped = False

    def update(self, token_ids: list[int], final: bool = False) -> str:
        text = self.decode(token_ids)
        for stop in self.stop:
            at = text.find(stop)
            if at >= 0:
                text, self.stopped, final = text[:at], True, True
        if not final:
            text = text.rstrip("\ufffd")  # an incomplete multi-byte character: wait for its other bytes
            hold = max((len(s) - 1 for s in self.stop), default=0)
            for size in range(min(hold, len(text)), 0, -1):  # a tail that starts a stop string
                if any(s.startswith(text[-size:]) for s in self.stop):
                    text = text[:-size]
                    break
        if len(text) <= len(self.sent) or not text.startswith(self.sent):
            return ""
        delta, self.sent = text[len(self.sent) :], text
        return delta


async def drain(queue: asyncio.Queue, open_choices: int, cancel: Cancel):
    """The events an engine thread puts on `queue`, until every choice has finished; an exception
    put there is raised here. Leaving early (client gone, error) cancels the rest."""
    try:
        while open_choices:
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            if item.finish_reason is not None:
                open_choices -= 1
            yield item
    finally:
        if open_choices:
            cancel.set()


def emit(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, item) -> None:
    """Hand an event from an engine thread to the request's asyncio queue."""
    loop.call_soon_threadsafe(queue.put_nowait, item)
