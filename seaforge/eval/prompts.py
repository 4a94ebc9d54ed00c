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


FEWSHOT_SLOT = "{fewshot_examples}"  # where SEA-HELM's data-file templates put the examples


def split_template(template: str) -> tuple[str, str]:
    """SEA-HELM's `prompt_templates` entry -> (preamble, item template), split at {fewshot_examples}."""
    head, slot, tail = template.partition(FEWSHOT_SLOT)
    return (head.strip(), tail.strip()) if slot else ("", template.strip())


def _render_template(task: Task, spec: LanguageSpec, item: Item, template: str) -> str:
    values = _Fields(answer_tag=spec.answer_tag)
    for key, value in (item.template_fields or item.fields).items():
        values[key] = value if isinstance(value, str) else str(value)
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError) as err:
        raise TaskError(
            f"task {task.name!r}: the data file's prompt template (`prompt_templates`) uses "
            f"{{{err.args[0] if err.args else '?'}}}, which item {item.id!r} lacks; it has {sorted(values)}"
        ) from None


def instruction_text(spec: LanguageSpec, item: Item) -> str:
    """The preamble: SEA-HELM's own from the data file when the item carries one, else ours."""
    if item.template:
        return split_template(item.template)[0].replace("{answer_tag}", spec.answer_tag).strip()
    return spec.instruction.format(answer_tag=spec.answer_tag).strip()


def render_input(task: Task, spec: LanguageSpec, item: Item, template: str | None = None) -> str:
    """The item's text in the language's `input` template, or in SEA-HELM's template from the data
    file (`template`, else the item's own) so examples read like the item they precede."""
    if template is None and item.template:
        template = split_template(item.template)[1]
    if template is not None:
        return _render_template(task, spec, item, template)
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


def _item_template(item: Item) -> str | None:
    return split_template(item.template)[1] if item.template else None


def instruct_messages(task: Task, item: Item, examples: list[Item] = ()) -> list[dict]:
    """Chat prompt: the native instruction and the item in one user turn; few-shot examples (when
    asked) come first as user/assistant turns, the instruction on the first, as SEA-HELM sends them."""
    spec = task.languages[item.lang]
    instruction = instruction_text(spec, item)
    template = _item_template(item)
    messages = []
    for example in examples:
        messages.append({"role": "user", "content": render_input(task, spec, example, template)})
        messages.append({"role": "assistant", "content": f"{spec.answer_tag} {gold_answer(task, spec, example)}"})
    messages.append({"role": "user", "content": render_input(task, spec, item)})
    if instruction:
        messages[0]["content"] = f"{instruction}\n\n{messages[0]['content']}"
    return messages


def base_prompt(task: Task, item: Item, examples: list[Item]) -> str:
    """k-shot completion prompt ending in the answer tag, for base models and log-likelihood."""
    spec = task.languages[item.lang]
    parts = []
    instruction = instruction_text(spec, item)
    if instruction:
        parts.append(instruction)
    template = _item_template(item)
    for example in examples:
        parts.append(
            f"{render_input(task, spec, example, template)}\n{spec.answer_tag} {gold_answer(task, spec, example)}"
        )
    parts.append(f"{render_input(task, spec, item)}\n{spec.answer_tag}".rstrip())
    return "\n\n".join(parts)


# --- base-mode answers end where the next example would begin ----------------------------------

# A base model continues the few-shot pattern: after its answer it writes the next example. The
# answer ends at a blank line (examples are separated by one), at the template's first label
# ("Pernyataan:", "Paragraf:") or at a second answer tag; a choice answer also at a line break.
BASE_STOP = "\n\n"


def base_stops(task: Task, lang: str) -> tuple[str, ...]:
    """Stop sequences for a k-shot completion prompt of `task` in `lang`."""
    spec = task.languages[lang]
    stops = [BASE_STOP]
    if task.kind == "choice":
        stops.append("\n")
    prefix = spec.input.split("{", 1)[0].strip()
    if prefix:
        stops.append(prefix)
    if spec.answer_tag:
        stops.append(spec.answer_tag)
    return tuple(dict.fromkeys(stops))


def cut_at_stop(text: str, stops: tuple[str, ...] | list[str]) -> str:
    """`text` up to the first occurrence of any stop sequence (the sequence itself not kept)."""
    cut = min((index for index in (text.find(stop) for stop in stops if stop) if index >= 0), default=len(text))
    return text[:cut]


# --- cloze multiple choice (lm-evaluation-harness style) ----------------------------------------

_OPTION_LINE = re.compile(r"^\s*(?P<label>[^\s.:)]+)\s*[.:)]\s*\{(?P<field>\w+)\}\s*$")


def option_fields(task: Task, lang: str) -> dict[str, str]:
    """Label -> item field of each option's text, read from the input template's option lines
    ("A. {choice1}", "B: {choice2}"); empty when the template lists no options that way."""
    found = {}
    for line in task.languages[lang].input.splitlines():
        match = _OPTION_LINE.match(line)
        if match and match["label"] in task.labels:
            found[match["label"]] = match["field"]
    return found if len(found) == len(task.labels) else {}


def cloze_options(task: Task, item: Item) -> dict[str, str]:
    """Each option's own text: the item's option fields, else the native answer words."""
    spec = task.languages[item.lang]
    fields = option_fields(task, item.lang)
    if not fields:
        return {label: spec.options[label] for label in task.labels}
    return {label: str(item.fields.get(field, "")).strip() for label, field in fields.items()}


def cloze_prompt(task: Task, item: Item, examples: list[Item]) -> str:
    """The question without its lettered option lines (and without the instruction, which asks
    for a letter), each example followed by its answer's text, ending in the answer tag; every
    option's text is then scored as a continuation."""
    spec = task.languages[item.lang]
    fields = set(option_fields(task, item.lang).values())
    kept = [line for line in spec.input.splitlines() if not (_OPTION_LINE.match(line) and _field(line) in fields)]
    cloze_spec = spec.model_copy(update={"input": "\n".join(kept).strip()})
    parts = [
        f"{render_input(task, cloze_spec, example)}\n{spec.answer_tag} {cloze_options(task, example)[example.label]}"
        for example in examples
    ]
    parts.append(f"{render_input(task, cloze_spec, item)}\n{spec.answer_tag}".rstrip())
    return "\n\n".join(parts)


def _field(line: str) -> str:
    match = _OPTION_LINE.match(line)
    return match["field"] if match else ""


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
