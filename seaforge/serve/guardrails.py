"""Input and output moderation around generation, with a country policy and a logged decision."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from seaforge.guard import load_policy, moderate_one, refusal_for, warm_up

log = logging.getLogger("seaforge.serve.guard")

# How much new output text is held back between checks: a smaller step checks more often.
CHECK_EVERY = 24
# Output is checked on its tail: long enough for any phrase that spans the last step.
WINDOW = 600


@dataclass
class Guardrails:
    input: bool = True
    output: bool = True
    policy_name: str = "default"
    action: str = "refuse"  # "refuse": an answer in the user's language; "error": a 400 content_filter

    def __post_init__(self):
        self.policy = load_policy(self.policy_name)
        warm_up()  # segmenters and the phrase index load once, here, not on the first request

    def check(self, text: str, direction: str, request_id: str):
        verdict = moderate_one(text, self.policy)
        if verdict.flagged:
            log.warning(json.dumps({"request_id": request_id, "direction": direction, **summary(verdict)}))
        return verdict

    def refusal(self, user_text: str) -> str:
        return refusal_for(user_text)


def summary(verdict) -> dict:
    """What a response and the log say about a decision: never the matched text itself."""
    hit = sorted(name for name, on in verdict.categories.items() if on)
    return {"flagged": verdict.flagged, "categories": hit, "language": verdict.language}


def user_text(messages: list[dict]) -> str:
    """The text the input guard reads: the last user turn (where a request is made)."""
    for message in reversed(messages):
        if message["role"] == "user":
            return message["content"]
    return ""


class OutputCheck:
    """Checks a streamed answer as it grows: text is released only after the guard has read it, and
    the first unsafe check ends the answer."""

    def __init__(self, guard: Guardrails, request_id: str):
        self.guard, self.request_id = guard, request_id
        self.text = ""  # everything generated so far
        self.released = 0  # characters handed to the client
        self.verdict = None

    def feed(self, delta: str, final: bool = False) -> str | None:
        """The text now safe to send; None when the answer turned unsafe (send nothing more)."""
        if self.verdict is not None and self.verdict.flagged:
            return None
        self.text += delta
        if not final and len(self.text) - self.released < CHECK_EVERY:
            return ""
        verdict = self.guard.check(self.text[-WINDOW:], "output", self.request_id)
        self.verdict = verdict
        if verdict.flagged:
            return None
        out, self.released = self.text[self.released :], len(self.text)
        return out
