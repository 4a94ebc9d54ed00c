"""One vote as the arena's statistics and exports see it, independent of how it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

# What an annotator can answer: A (the left answer) is better, B is better, a tie, or both are bad.
OUTCOMES = ("a", "b", "tie", "both_bad")
# Why, optionally, any number of them.
TAGS = ("wrong_language", "unnatural", "wrong_facts", "unsafe", "impolite_register")


@dataclass(frozen=True)
class Vote:
    battle_id: str  # the item: several annotators may vote on the same battle (same prompt, same answers)
    lang: str  # registry code of the battle's language
    prompt: str
    model_a: str  # the model shown on the left
    model_b: str
    answer_a: str
    answer_b: str
    winner: str  # one of OUTCOMES
    annotator: str
    prompt_id: str | None = None  # the prompt bank item, None for a prompt the annotator typed
    tags: tuple[str, ...] = field(default=())
    correction: str | None = None  # the annotator's own better answer, if they wrote one
    created_at: float = 0.0  # unix seconds

    def __post_init__(self) -> None:
        if self.winner not in OUTCOMES:
            raise ValueError(f"winner must be one of {', '.join(OUTCOMES)}, got {self.winner!r}")
        unknown = [t for t in self.tags if t not in TAGS]
        if unknown:
            raise ValueError(f"unknown tag(s) {', '.join(unknown)}; known: {', '.join(TAGS)}")
