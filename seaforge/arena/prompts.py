"""The per-language prompt bank: YAML or JSONL files, and the small bank seaforge ships."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import yaml

from seaforge.errors import UserError
from seaforge.text.languages import UnknownLanguage, resolve

MAX_PROMPT_CHARS = 4000


class PromptBankError(UserError):
    """A prompt file that cannot be read; the message names the file and the item."""


def bundled_bank() -> list[dict]:
    """The bank shipped with seaforge (a few prompts each in th, my, id, ms, vi, tl, ta, km, lo)."""
    text = resources.files("seaforge.arena").joinpath("data/prompts.yaml").read_text(encoding="utf-8")
    return parse_bank(text, "seaforge/arena/data/prompts.yaml")


def load_bank(path: str | Path) -> list[dict]:
    """Items {"id", "lang", "text"} from a .yaml/.yml or .jsonl file."""
    path = Path(path)
    if not path.is_file():
        raise PromptBankError(f"{path}: no such file")
    return parse_bank(path.read_text(encoding="utf-8"), str(path), jsonl=path.suffix.lower() == ".jsonl")


def parse_bank(text: str, name: str, jsonl: bool = False) -> list[dict]:
    """YAML: a list of {lang, text, id?} or a mapping {lang: [text or {text, id?}, ...]}; JSONL: one item a line."""
    if jsonl:
        items = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((f"{name}:{lineno}", json.loads(line)))
            except json.JSONDecodeError as err:
                raise PromptBankError(f"{name}:{lineno}: not JSON ({err.msg})") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark is not None else name
            raise PromptBankError(f"{where}: not valid YAML ({getattr(err, 'problem', None) or err})") from None
        if isinstance(data, dict):
            items = []
            for lang, entries in data.items():
                if not isinstance(entries, list):
                    raise PromptBankError(f"{name}: {lang}: expected a list of prompts")
                for i, entry in enumerate(entries, 1):
                    entry = {"text": entry} if isinstance(entry, str) else entry
                    items.append((f"{name}: {lang} item {i}", {"lang": lang, **(entry or {})}))
        elif isinstance(data, list):
            items = [(f"{name}: item {i}", entry) for i, entry in enumerate(data, 1)]
        else:
            raise PromptBankError(f"{name}: expected a list of prompts or a mapping of language to prompts")
    return [_item(where, raw) for where, raw in items]


def _item(where: str, raw) -> dict:
    if not isinstance(raw, dict):
        raise PromptBankError(f"{where}: expected an object with lang and text")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PromptBankError(f"{where}: field 'text' is missing or empty")
    if len(text) > MAX_PROMPT_CHARS:
        raise PromptBankError(f"{where}: field 'text' is over {MAX_PROMPT_CHARS} characters")
    try:
        lang = resolve(str(raw.get("lang") or ""))
    except UnknownLanguage as err:
        raise PromptBankError(f"{where}: field 'lang': {err}") from None
    item_id = str(raw.get("id") or f"{lang}-{hashlib.sha1(text.strip().encode()).hexdigest()[:10]}")
    return {"id": item_id, "lang": lang, "text": text.strip()}
