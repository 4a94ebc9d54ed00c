"""LLM-as-judge for multi-turn chat: pairwise verdicts against reference answers.

Each turn is judged twice with the two answers swapped, because judges favour one position;
a win counts 1, a tie 0.5, and a verdict the judge did not give in the asked format counts as
unjudged rather than as a guess.
"""

from __future__ import annotations

import re

from seaforge.eval.prompts import strip_thinking

JUDGE_INSTRUCTION = """Please act as a fair judge of two AI assistants. Both continued the same \
conversation with a user who writes in {language}. Compare only their answers to the user's last \
message. Prefer the answer that is more helpful, correct, complete and natural in {language}; an \
answer mostly in another language than the user's should lose. Do not let the order of the \
answers or their length sway you.

[Conversation so far]
{conversation}

[Answer A]
{answer_a}

[Answer B]
{answer_b}

Explain your reasoning in at most three sentences, then give your verdict on the last line, \
exactly as [[A]] if A is better, [[B]] if B is better, or [[C]] for a tie."""

_VERDICT = re.compile(r"\[\[([ABC])\]\]")


def conversation_text(turns: list[str], answers: list[str]) -> str:
    """The dialogue up to the last user turn, as plain labelled text."""
    lines = []
    for i, user in enumerate(turns):
        lines.append(f"User: {user}")
        if i < len(turns) - 1:
            lines.append(f"Assistant: {answers[i]}")
    return "\n".join(lines)


def judge_messages(language: str, turns: list[str], history: list[str], answer_a: str, answer_b: str) -> list[dict]:
    """The chat prompt asking the judge to compare two answers to the last turn."""
    content = JUDGE_INSTRUCTION.format(
        language=language, conversation=conversation_text(turns, history), answer_a=answer_a, answer_b=answer_b
    )
    return [{"role": "user", "content": content}]


def parse_verdict(output: str) -> str | None:
    """ "A", "B" or "C" from the judge's last [[X]] marker, or None."""
    found = _VERDICT.findall(strip_thinking(output))
    return found[-1] if found else None


def turn_score(verdict_model_first: str | None, verdict_model_second: str | None) -> float | None:
    """Win 1 / tie 0.5 / loss 0 for the model, averaged over both orders; None if none parsed."""
    scores = []
    if verdict_model_first:
        scores.append({"A": 1.0, "C": 0.5, "B": 0.0}[verdict_model_first])
    if verdict_model_second:
        scores.append({"B": 1.0, "C": 0.5, "A": 0.0}[verdict_model_second])
    return sum(scores) / len(scores) if scores else None
