"""Labelled guard data: our JSONL records and SEA-SafeguardBench-style records, read with errors that
name the file, line and field; a batch reader counts and skips bad lines instead of stopping."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from seaforge.guard.policy import GuardError, categories

# SEA-SafeguardBench and similar sets label with words, not booleans.
UNSAFE_LABELS = {"unsafe", "harmful", "yes", "1", "true", "sensitive"}
SAFE_LABELS = {"safe", "harmless", "benign", "no", "0", "false"}


@dataclass(frozen=True)
class Record:
    text: str
    unsafe: bool
    response: str | None = None
    lang: str = "und"
    categories: tuple[str, ...] = ()
    mix: str | None = None

    @property
    def target(self) -> str:
        """What the label is about: the response when there is one, else the prompt."""
        return self.response if self.response else self.text


@dataclass
class ReadReport:
    records: list[Record] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file:line: why", one per skipped line


def _label(value, where: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in UNSAFE_LABELS:
        return True
    if word in SAFE_LABELS:
        return False
    raise GuardError(f"{where}: label {value!r} is neither safe nor unsafe")


def parse_record(raw: dict, where: str) -> Record:
    """One record from our format ({text, response, lang, unsafe, categories, mix}) or a
    SEA-SafeguardBench-style one ({prompt, response, prompt_label, response_label, language})."""
    if not isinstance(raw, dict):
        raise GuardError(f"{where}: a record must be a JSON object")
    text = raw.get("text", raw.get("prompt"))
    if not isinstance(text, str) or not text.strip():
        raise GuardError(f"{where}: field 'text' (or 'prompt') must be a non-empty string")
    response = raw.get("response")
    if response is not None and not isinstance(response, str):
        raise GuardError(f"{where}: field 'response' must be a string or null")
    response = response or None
    if "unsafe" in raw:
        unsafe = _label(raw["unsafe"], f"{where}: field 'unsafe'")
    elif response is not None and raw.get("response_label") is not None:
        unsafe = _label(raw["response_label"], f"{where}: field 'response_label'")
    elif raw.get("prompt_label", raw.get("label")) is not None:
        unsafe = _label(raw.get("prompt_label", raw.get("label")), f"{where}: field 'prompt_label'")
    else:
        raise GuardError(f"{where}: no label: give 'unsafe', 'prompt_label' or 'response_label'")
    cats = raw.get("categories") or []
    if isinstance(cats, str):
        cats = [cats]
    known = set(categories())
    unknown = [c for c in cats if c not in known]
    if unknown:
        raise GuardError(f"{where}: field 'categories': unknown category {unknown[0]!r}")
    lang = str(raw.get("lang") or raw.get("language") or "und")
    return Record(text, unsafe, response, lang, tuple(cats), raw.get("mix"))


def read_records(paths: list[Path] | Path, strict: bool = False) -> ReadReport:
    """Every record of the JSONL files; bad lines are skipped and counted (strict: the first one raises).
    Lines that are objects with only a `_comment` are notes, not records."""
    report = ReadReport()
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        path = Path(path)
        if not path.is_file():
            raise GuardError(f"{path}: no such file")
        for number, line in enumerate(path.read_bytes().split(b"\n"), 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                try:
                    raw = json.loads(line.decode("utf-8"))
                except UnicodeDecodeError as err:
                    raise GuardError(f"{where}: not valid UTF-8 (byte {line[err.start]:#x} at {err.start})") from None
                except json.JSONDecodeError as err:
                    raise GuardError(f"{where}: not valid JSON ({err.msg})") from None
                if isinstance(raw, dict) and set(raw) == {"_comment"}:
                    continue
                report.records.append(parse_record(raw, where))
            except GuardError as err:
                if strict:
                    raise
                report.skipped.append(str(err))
    return report
