"""Guard taxonomy and per-country policies: which categories a deployment enforces, and how sure
the classifier must be (score >= threshold) before a category counts as flagged.

A policy YAML file is::

    name: my-shop            # optional; defaults to the file name
    extends: sg              # optional: a bundled name or a path relative to this file
    categories:
      gambling: {enabled: false}
      drugs: {threshold: 0.9}

A category the file names is on unless it says ``enabled: false``; its threshold defaults to the
extended profile's (else 0.5). Categories it does not name keep the rule of the profile it
extends; a profile that extends nothing starts from every category off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from seaforge.errors import UserError

_HERE = Path(__file__).resolve().parent
_POLICY_DIR = _HERE / "policies"
POLICY_NAMES = ("default", "sg", "my", "id", "th", "ph", "vn")
_TOP_KEYS = {"name", "description", "extends", "categories"}
_RULE_KEYS = {"enabled", "threshold"}


class GuardError(UserError):
    """A bad guard policy or taxonomy: the message names the file and the field."""


@dataclass(frozen=True)
class Category:
    name: str
    definition: str
    default_severity: int  # 1 sensitive, 2 harmful, 3 severe


@dataclass(frozen=True)
class CategoryRule:
    enabled: bool = True
    threshold: float = 0.5


@dataclass
class Policy:
    name: str
    categories: dict[str, CategoryRule]
    source: Path | None = None
    description: str = ""
    chain: tuple[str, ...] = field(default=())  # the profiles it extends, nearest first

    def enabled(self) -> list[str]:
        return [name for name, rule in self.categories.items() if rule.enabled]


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, Category]:
    """The categories of taxonomy.yaml, in file order."""
    path = _HERE / "taxonomy.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Category] = {}
    for name, entry in raw.items():
        severity = entry.get("default_severity") if isinstance(entry, dict) else None
        if not isinstance(severity, int) or not 1 <= severity <= 3 or not entry.get("definition"):
            raise GuardError(f"{path}: {name}: needs a definition and default_severity 1..3")
        out[name] = Category(name, str(entry["definition"]).strip(), severity)
    return out


def categories() -> tuple[str, ...]:
    return tuple(taxonomy())


def load_policy(name_or_path: str | Path = "default") -> Policy:
    """A bundled profile by name (``default``, ``sg``, ``my``, ``id``, ``th``, ``ph``, ``vn``) or a user
    YAML file by path; raises GuardError naming the file and field for anything invalid."""
    return _load(_locate(str(name_or_path), None), ())


def _locate(ref: str, base: Path | None) -> Path:
    if ref.lower() in POLICY_NAMES:
        return _POLICY_DIR / f"{ref.lower()}.yaml"
    path = Path(ref).expanduser()
    if base is not None and not path.is_absolute():
        path = base.parent / path
    if not path.is_file():
        where = f" (extends in {base})" if base else ""
        raise GuardError(f"unknown policy {ref!r}{where}: not one of {', '.join(POLICY_NAMES)} and no such file")
    return path


def _load(path: Path, seen: tuple[Path, ...]) -> Policy:
    path = path.resolve()
    if path in seen:
        raise GuardError(f"{path}: extends: cycle through {' -> '.join(str(p) for p in (*seen, path))}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GuardError(f"{path}: not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GuardError(f"{path}: top level must be a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise GuardError(f"{path}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(_TOP_KEYS))}")

    rules = dict.fromkeys(categories(), CategoryRule(enabled=False))
    chain: tuple[str, ...] = ()
    if raw.get("extends") is not None:
        if not isinstance(raw["extends"], str):
            raise GuardError(f"{path}: extends: must be a policy name or path, got {raw['extends']!r}")
        parent = _load(_locate(raw["extends"], path), (*seen, path))
        rules, chain = dict(parent.categories), (parent.name, *parent.chain)

    section = raw.get("categories") or {}
    if not isinstance(section, dict):
        raise GuardError(f"{path}: categories: must be a mapping of category -> {{enabled, threshold}}")
    for cat, spec in section.items():
        rules[cat] = _rule(path, cat, spec, rules.get(cat))
    name = raw.get("name") or path.stem
    return Policy(str(name), rules, path, str(raw.get("description") or "").strip(), chain)


def _rule(path: Path, cat: str, spec: object, base: CategoryRule | None) -> CategoryRule:
    field_ = f"categories.{cat}"
    if cat not in taxonomy():
        raise GuardError(f"{path}: {field_}: unknown category; known: {', '.join(categories())}")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise GuardError(f"{path}: {field_}: must be a mapping like {{enabled: true, threshold: 0.5}}")
    unknown = sorted(set(spec) - _RULE_KEYS)
    if unknown:
        raise GuardError(f"{path}: {field_}.{unknown[0]}: unknown field; allowed: enabled, threshold")
    base = base or CategoryRule()
    enabled = spec.get("enabled", True)  # naming a category turns it on unless it says otherwise
    if not isinstance(enabled, bool):
        raise GuardError(f"{path}: {field_}.enabled: must be true or false, got {enabled!r}")
    threshold = spec.get("threshold", base.threshold)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
        raise GuardError(f"{path}: {field_}.threshold: must be a number in 0..1, got {threshold!r}")
    return CategoryRule(enabled, float(threshold))
