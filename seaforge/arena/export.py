"""Arena judgements as training data: preference pairs for ``seaforge train dpo`` and corrected
answers as chats for ``seaforge train sft``.

How votes become data (one vote per annotator and battle, the latest, as in the statistics):
- a battle gives the pair (winner's answer, loser's answer) when a strict majority of its annotators
  picked the same side; a majority for tie or both_bad, or no majority, gives no pair;
- a correction (an annotator's own answer) is chosen against each answer shown in that battle that it
  differs from, whatever the annotator voted: they wrote it because they judged it better than both;
- every correction is also one SFT conversation (user prompt, corrected assistant reply);
- the same (prompt, chosen, rejected) or (prompt, correction) twice is written once.
Records are conversational (lists of role/content messages, so the trainer applies the model's chat
template) and carry metadata the trainers ignore: lang, kind, battle_id, prompt_id, models, annotators,
tags. Rows are sorted by language, battle, kind and annotator, so the same votes give the same bytes.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seaforge.arena.records import Vote
from seaforge.arena.stats import battle_outcomes, judgements
from seaforge.io import atomic_write_jsonl

SOURCE = "seaforge-arena"


@dataclass
class ExportStats:
    written: int
    skipped: dict[str, int]  # reason -> battles (votes for corrections) that gave no record
    path: str


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def _assistant(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


def _battles(votes: Sequence[Vote], lang: str | None) -> dict[str, list[Vote]]:
    """battle -> its votes, the one whose sides define "a" and "b" first (as battle_outcomes reads them)."""
    battles = defaultdict(list)
    for vote in sorted(judgements(votes, lang), key=lambda v: (v.created_at, v.annotator)):
        battles[vote.battle_id].append(vote)
    return battles


def _majority_pair(battle: list[Vote], outcomes: dict[str, str]) -> tuple[dict | None, str | None]:
    """The battle's preference record, or None and the reason there is none."""
    first = battle[0]
    label, count = Counter(outcomes.values()).most_common(1)[0]
    if count * 2 <= len(outcomes):
        return None, "no_majority"
    if label in ("tie", "both_bad"):
        return None, label
    if not first.prompt.strip():
        return None, "empty_prompt"
    if first.answer_a.strip() == first.answer_b.strip():
        return None, "identical_answers"
    chosen, rejected = ("a", "b") if label == "a" else ("b", "a")
    answer = {"a": first.answer_a, "b": first.answer_b}
    if not answer[chosen].strip():
        return None, "empty_answer"
    model = {"a": first.model_a, "b": first.model_b}
    agreeing = sorted(name for name, outcome in outcomes.items() if outcome == label)
    record = {
        "prompt": _user(first.prompt),
        "chosen": _assistant(answer[chosen]),
        "rejected": _assistant(answer[rejected]),
        "lang": first.lang,
        "source": SOURCE,
        "kind": "vote",
        "battle_id": first.battle_id,
        "prompt_id": first.prompt_id,
        "chosen_model": model[chosen],
        "rejected_model": model[rejected],
        "annotators": agreeing,
        "majority": [count, len(outcomes)],
        "tags": sorted({tag for vote in battle if vote.annotator in agreeing for tag in vote.tags}),
    }
    return record, None


def _correction_pairs(vote: Vote, skipped: Counter) -> list[dict]:
    correction = (vote.correction or "").strip()
    if not correction:
        return []
    if not vote.prompt.strip():
        skipped["empty_prompt"] += 1
        return []
    pairs = []
    for model, answer in ((vote.model_a, vote.answer_a), (vote.model_b, vote.answer_b)):
        if answer.strip() == correction:
            skipped["correction_unchanged"] += 1
            continue
        pairs.append(
            {
                "prompt": _user(vote.prompt),
                "chosen": _assistant(correction),
                "rejected": _assistant(answer),
                "lang": vote.lang,
                "source": SOURCE,
                "kind": "correction",
                "battle_id": vote.battle_id,
                "prompt_id": vote.prompt_id,
                "chosen_model": None,
                "rejected_model": model,
                "annotators": [vote.annotator],
                "majority": None,
                "tags": sorted(vote.tags),
            }
        )
    return pairs


def _order(record: dict) -> tuple:
    return (record["lang"], record["battle_id"], record["kind"] != "vote", record["annotators"], str(record))


def _unique(records: list[dict], fields: tuple[str, ...], skipped: Counter) -> list[dict]:
    seen, kept = set(), []
    for record in sorted(records, key=_order):
        key = repr([record[name] for name in fields])
        if key in seen:
            skipped["duplicate"] += 1
            continue
        seen.add(key)
        kept.append(record)
    return kept


def preference_pairs(votes: Sequence[Vote], *, lang: str | None = None) -> tuple[list[dict], dict[str, int]]:
    """DPO records (prompt, chosen, rejected + metadata) in export order, and skip counts by reason."""
    battles = _battles(votes, lang)
    outcomes = battle_outcomes([vote for battle in battles.values() for vote in battle])
    records, skipped = [], Counter()
    for battle_id, battle in battles.items():
        record, reason = _majority_pair(battle, outcomes[battle_id])
        if record is None:
            skipped[reason] += 1
        else:
            records.append(record)
        for vote in battle:
            records += _correction_pairs(vote, skipped)
    return _unique(records, ("prompt", "chosen", "rejected"), skipped), dict(sorted(skipped.items()))


def correction_chats(votes: Sequence[Vote], *, lang: str | None = None) -> tuple[list[dict], dict[str, int]]:
    """SFT records ({"messages": [user, assistant]} + metadata) from corrections, and skip counts."""
    records, skipped = [], Counter()
    for battle in _battles(votes, lang).values():
        for vote in battle:
            correction = (vote.correction or "").strip()
            if not correction:
                continue
            if not vote.prompt.strip():
                skipped["empty_prompt"] += 1
                continue
            shown = ((vote.model_a, vote.answer_a), (vote.model_b, vote.answer_b))
            fixes = sorted({model for model, answer in shown if answer.strip() != correction})
            records.append(
                {
                    "messages": _user(vote.prompt) + _assistant(correction),
                    "lang": vote.lang,
                    "source": SOURCE,
                    "kind": "correction",
                    "battle_id": vote.battle_id,
                    "prompt_id": vote.prompt_id,
                    "annotators": [vote.annotator],
                    "fixes": fixes,
                    "winner": vote.winner,
                    "tags": sorted(vote.tags),
                }
            )
    return _unique(records, ("messages",), skipped), dict(sorted(skipped.items()))


def export_dpo(votes: Sequence[Vote], path: str | os.PathLike, *, lang: str | None = None) -> ExportStats:
    """Write the preference pairs as JSONL (atomically) for ``seaforge train dpo``."""
    records, skipped = preference_pairs(votes, lang=lang)
    atomic_write_jsonl(path, records)
    return ExportStats(len(records), skipped, str(Path(path)))


def export_sft(votes: Sequence[Vote], path: str | os.PathLike, *, lang: str | None = None) -> ExportStats:
    """Write the corrected answers as JSONL chats (atomically) for ``seaforge train sft``."""
    records, skipped = correction_chats(votes, lang=lang)
    atomic_write_jsonl(path, records)
    return ExportStats(len(records), skipped, str(Path(path)))
