"""Chat data for SFT: render with the model's chat template, keep loss on assistant tokens only, pack.

Assistant spans are found by rendering growing prefixes of the conversation: the assistant's
tokens are what ``render(messages[:i+1])`` adds after ``render(messages[:i], add_generation_prompt)``
(from the first character where the two differ).
That works with any chat template (Llama 3, Gemma, Qwen, ChatML) without the ``{% generation %}``
markers TRL's assistant-only loss needs, which most released templates do not have.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seaforge.errors import UserError
from seaforge.io import iter_jsonl
from seaforge.train.batches import IGNORE


class ChatFormatError(UserError):
    """A conversation cannot be rendered into masked tokens."""


@dataclass
class ChatRows:
    input_ids: np.ndarray  # (rows, seq_len) int64
    labels: np.ndarray  # same shape; IGNORE outside assistant turns and padding
    skipped: dict[str, int] = field(default_factory=dict)


def render(
    tokenizer,
    messages: list[dict],
    template: str | None,
    add_generation_prompt: bool = False,
    enable_thinking: bool | None = None,
) -> str:
    """The conversation as text, through the tokenizer's (or the given) chat template."""
    kwargs = {} if enable_thinking is None else {"enable_thinking": enable_thinking}
    return tokenizer.apply_chat_template(
        messages, chat_template=template, tokenize=False, add_generation_prompt=add_generation_prompt, **kwargs
    )


def assistant_spans(
    tokenizer, messages: list[dict], template: str | None = None, enable_thinking: bool | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant replies."""
    full = render(tokenizer, messages, template, enable_thinking=enable_thinking)
    spans = []
    for i, msg in enumerate(messages):
        if msg.get("role") != "assistant":
            continue
        before = render(tokenizer, messages[:i], template, True, enable_thinking) if i else ""
        upto = render(tokenizer, messages[: i + 1], template, enable_thinking=enable_thinking)
        if not full.startswith(upto):
            raise ChatFormatError(
                f"chat template re-renders earlier turns (assistant turn {i}); "
                "set chat.template to a prefix-stable template"
            )
        # The reply starts where the text stops agreeing with the generation prompt: a prompt
        # may add more than the finished turn has (e.g. an empty <think></think> block).
        spans.append((len(os.path.commonprefix([before, upto])), len(upto)))
    if not spans:
        raise ChatFormatError("no assistant message")
    return full, spans


def tokenize_chat(
    tokenizer, messages: list[dict], template: str | None = None, enable_thinking: bool | None = None
) -> tuple[list[int], list[int]]:
    """(input_ids, labels) with labels = IGNORE on every token outside assistant replies."""
    text, spans = assistant_spans(tokenizer, messages, template, enable_thinking)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = []
    for token, (char_start, char_end) in zip(encoded["input_ids"], encoded["offset_mapping"]):
        inside = char_end > char_start and any(start <= char_start and char_end <= end for start, end in spans)
        labels.append(token if inside else IGNORE)
    return encoded["input_ids"], labels


def pack_examples(
    examples: list[tuple[list[int], list[int]]], seq_len: int, pad_id: int, packing: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``seq_len``: whole examples placed greedily in order (never split), padded with
    ``pad_id`` and IGNORE labels. Without packing each example gets its own row."""
    rows_ids, rows_labels, cur_ids, cur_labels = [], [], [], []

    def flush():
        pad = seq_len - len(cur_ids)
        rows_ids.append(cur_ids + [pad_id] * pad)
        rows_labels.append(cur_labels + [IGNORE] * pad)

    for ids, labels in examples:
        if cur_ids and (not packing or len(cur_ids) + len(ids) > seq_len):
            flush()
            cur_ids, cur_labels = [], []
        cur_ids, cur_labels = cur_ids + ids, cur_labels + labels
    if cur_ids:
        flush()
    return np.array(rows_ids, dtype=np.int64), np.array(rows_labels, dtype=np.int64)


def load_chat_rows(
    path: str | Path,
    tokenizer,
    seq_len: int,
    packing: bool = True,
    template: str | None = None,
    enable_thinking: bool | None = None,
    field_name: str = "messages",
) -> ChatRows:
    """Read a JSONL chat file into packed, masked rows; bad or over-long records are counted, not fatal."""
    examples, skipped = [], {}

    def skip(lineno: int, reason: str, detail: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1
        print(f"{path}:{lineno}: skipped ({detail})", file=sys.stderr)

    for line in iter_jsonl(path):
        if line.error is not None:
            skip(line.lineno, "bad_record", line.error.removeprefix(f"{Path(path)}:{line.lineno}: "))
            continue
        messages = line.record.get(field_name)
        if not isinstance(messages, list) or not all(isinstance(msg, dict) for msg in messages):
            skip(line.lineno, "bad_record", f"field {field_name!r} must be a list of messages")
            continue
        try:
            ids, labels = tokenize_chat(tokenizer, messages, template, enable_thinking)
        except ChatFormatError as err:
            skip(line.lineno, "unrenderable", str(err))
            continue
        except (KeyError, TypeError) as err:  # a message without role/content, or content not text
            skip(line.lineno, "bad_record", f"{type(err).__name__}: {err}")
            continue
        if len(ids) > seq_len:
            skip(line.lineno, "too_long", f"{len(ids)} tokens > data.seq_len={seq_len}")
            continue
        examples.append((ids, labels))
    if skipped:
        print(f"{path}: skipped {sum(skipped.values())} record(s): {skipped}", file=sys.stderr)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ids, labels = pack_examples(examples, seq_len, pad, packing)
    return ChatRows(ids, labels, skipped)
