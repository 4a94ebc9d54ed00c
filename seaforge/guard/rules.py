"""Hard-block rules: regular expressions that mark a text unsafe before any model is asked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from seaforge.guard.policy import GuardError, categories


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    patterns: tuple[re.Pattern, ...]


def _parse(text: str, source: str) -> list[Rule]:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise GuardError(f"{source}: not valid YAML: {err}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("rules", []), list):
        raise GuardError(f"{source}: expected `rules:` with a list of {{name, category, patterns}}")
    rules = []
    for i, spec in enumerate(raw.get("rules") or []):
        where = f"{source}: rules[{i}]"
        if not isinstance(spec, dict) or not {"name", "category", "patterns"} <= set(spec):
            raise GuardError(f"{where}: needs name, category and patterns")
        if spec["category"] not in categories():
            raise GuardError(f"{where}.category: unknown category {spec['category']!r}")
        patterns = spec["patterns"] if isinstance(spec["patterns"], list) else [spec["patterns"]]
        compiled = []
        for j, pattern in enumerate(patterns):
            try:
                compiled.append(re.compile(str(pattern), re.IGNORECASE))
            except re.error as err:
                raise GuardError(f"{where}.patterns[{j}]: not a valid regular expression: {err}") from None
        rules.append(Rule(str(spec["name"]), spec["category"], tuple(compiled)))
    return rules


def load_rules(extra: list[Path] | None = None, defaults: bool = True) -> list[Rule]:
    rules = []
    if defaults:
        text = resources.files("seaforge.guard").joinpath("rules.yaml").read_text(encoding="utf-8")
        rules += _parse(text, "seaforge/guard/rules.yaml")
    for path in extra or []:
        path = Path(path)
        if not path.is_file():
            raise GuardError(f"{path}: no such rules file")
        rules += _parse(path.read_text(encoding="utf-8"), str(path))
    return rules


def match_rules(text: str, rules: list[Rule]) -> list[Rule]:
    return [rule for rule in rules if any(p.search(text) for p in rule.patterns)]
