"""Input and output moderation around generation, with a country policy and a logged decision."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from seaforge.guard import refusal_for, warm_up
from seaforge.guard.cascade import Guard

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
    classifier: object = "default"  # the shipped trained classifier, a path from `seaforge guard train`, or None

    def __post_init__(self):
        self.guard = Guard(self.policy_name, classifier=self.classifier)
        self.policy = self.guard.policy
        self._guards = {self.policy.name: self.guard}
        warm_up()  # segmenters, the phrase index and language ID load once, here, not on the first request
        self.guard.check("warm up: cara membuat kue")

    def for_policy(self, name: str) -> Guard:
        """The same guard under another bundled policy (per-request moderation)."""
        if name not in self._guards:
            self._guards[name] = Guard(name, classifier=self.guard.classifier)
        return self._guards[name]

    def check(self, text: str, direction: str, request_id: str):
        # a prompt is judged whole and per language span; an answer, checked as it grows, whole
        result = self.guard.check(text, spans=direction != "output")
        if result.unsafe:
            log.warning(json.dumps({"request_id": request_id, "direction": direction, **summary(result)}))
        return result

    def refusal(self, user_text: str) -> str:
        return refusal_for(user_text)


def summary(result) -> dict:
    """What a response and the log say about a decision: never the matched text itself."""
    hit = [c["name"] for c in result.categories]
    return {"flagged": result.unsafe, "categories": hit, "language": result.language, "stage": result.stage}


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
