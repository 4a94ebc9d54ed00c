"""Prompts from native templates (zero-shot chat or k-shot text) and answers from model output."""

from __future__ import annotations

import random
import re
import unicodedata

from seaforge.eval.items import Item
from seaforge.eval.tasks import LanguageSpec, Task, TaskError

# Reasoning models write their thinking before the answer; the answer must be read after it.
THINK_PATTERNS = (
    re.compile(r"<think>.*?</think>", re.S),
    re.compile(r"<thinking>.*?</thinking>", re.S),
    re.compile(r"<\|channel\|>analysis.*?<\|end\|>", re.S),
    re.compile(r"^.*?</think>", re.S),  # template opened <think> in the prompt
)


def strip_thinking(text: str) -> str:
    """Remove thinking sections; an unterminated `<think>` means no answer was given."""
    for pattern in THINK_PATTERNS:
        text = pattern.sub("", text)
    if "<think>" in text:
        text = text.split("<think>")[0]
    return text.strip()


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def render_input(task: Task, spec: LanguageSpec, item: Item) -> str:
    """The item's text in the language's `input` template."""
    values = _Fields(answer_tag=spec.answer_tag)
    for key, value in item.fields.items():
        shown = spec.values.get(key, {}).get(str(value), value)
        values[key] = shown if isinstance(shown, str) else str(shown)
    try:
        return spec.input.format_map(values)
    except KeyError as err:
        raise TaskError(
            f"{task.path}: field `languages.{item.lang}.input` uses {{{err.args[0]}}}, which item "
            f"{item.id!r} lacks; it has {sorted(item.fields)} (rename fields with "
            "`source.fields`)"
        ) from None


def gold_answer(task: Task, spec: LanguageSpec, item: Item) -> str:
    """The answer text a perfect model would write after the answer tag."""
    if task.kind == "choice":
        return spec.options[item.label]
    return item.references[0] if item.references else ""


def pick_fewshot(pool: list[Item], item: Item, k: int, seed: int) -> list[Item]:
    """k examples other than the item itself, chosen and ordered by the seed."""
    candidates = [example for example in pool if example.id != item.id]
    rng = random.Random(f"{seed}:{item.id}")
    return rng.sample(candidates, min(k, len(candidates)))


def instruct_messages(task: Task, item: Item) -> list[dict]:
    """Zero-shot chat prompt: the native instruction followed by the item."""
    spec = task.languages[item.lang]
    instruction = spec.instruction.format(answer_tag=spec.answer_tag).strip()
    body = render_input(task, spec, item)
    content = f"{instruction}\n\n{body}" if instruction else body
    return [{"role": "user", "content": content}]


def base_prompt(task: Task, item: Item, examples: list[Item]) -> str:
    """k-shot completion prompt ending in the answer tag, for base models and log-likelihood."""
    spec = task.languages[item.lang]
    parts = []
    instruction = spec.instruction.format(answer_tag=spec.answer_tag).strip()
    if instruction:
        parts.append(instruction)
    for example in examples:
        parts.append(f"{render_input(task, spec, example)}\n{spec.answer_tag} {gold_answer(task, spec, example)}")
    parts.append(f"{render_input(task, spec, item)}\n{spec.answer_tag}".rstrip())
    return "\n\n".join(parts)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"[\s\"'`*_.,:;!?()\[\]{}。、「」]+", " ", text).strip()


def extract_choice(task: Task, lang: str, output: str) -> str | None:
    """The canonical label a generated answer names, or None when it names none or several."""
    spec = task.languages[lang]
    text = strip_thinking(output)
    if spec.answer_tag and spec.answer_tag in text:
        text = text.rsplit(spec.answer_tag, 1)[1]
    answer = _norm(text)
    options = {label: _norm(native) for label, native in spec.options.items()}
    for label, native in options.items():  # exact answer first
        if answer == native or answer == label.casefold():
            return label
    # Otherwise the answer must name exactly one option: "Positif atau Negatif" names none.
    found = [lab for lab, nat in options.items() if _contains_option(answer, nat)]
    return found[0] if len(found) == 1 else None


def _contains_option(text: str, option: str) -> bool:
    if len(option) == 1 and option.isascii():  # a bare letter must stand alone: "A", not "Apa"
        return re.search(rf"(?<![^\W\d_]){re.escape(option)}(?![^\W\d_])", text) is not None
    return option in text


def extract_text(task: Task, lang: str, output: str) -> str:
    """A generated free-text answer: thinking removed, answer tag and code fences stripped."""
    spec = task.languages[lang]
    text = strip_thinking(output)
    if spec.answer_tag and spec.answer_tag in text:
        text = text.rsplit(spec.answer_tag, 1)[1]
    return text.strip().strip("`").strip()
