"""One YAML loader and one ``--set FIELD=VALUE`` override syntax for every recipe and config.

Data recipes, train configs and merge configs all read through here, so a bad file fails the
same way everywhere: one message that names the file (and line or field), nothing changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from seaforge.errors import UserError


class ConfigError(UserError):
    """A config or recipe that cannot be used; the message names the file and field."""


def read_yaml(path: str | os.PathLike, error: type[UserError] = ConfigError) -> dict:
    """A YAML file whose top level is a mapping; every way it can be wrong names the file."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{path}: is a folder, expected a YAML file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as err:
        raise error(f"{path}: cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise error(f"{path}:{line}: not valid UTF-8 (byte {raw[err.start]:#04x} at offset {err.start})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise error(f"{where}: invalid YAML: {problem}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise error(f"{path}: top level must be a mapping of fields, got {type(doc).__name__}")
    return doc


def apply_overrides(doc: dict, overrides: list[str] | tuple[str, ...], error: type[UserError] = ConfigError) -> dict:
    """Set dotted keys (``train.lr=1e-4``) in a nested dict, in place; values are parsed as YAML."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise error(f"--set {item!r}: expected FIELD=VALUE, e.g. train.lr=1e-4")
        node = doc
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise error(f"--set {item!r}: field {part!r} is not a section")
            node = child
        try:
            node[parts[-1]] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            node[parts[-1]] = raw  # a value YAML cannot parse is meant as a plain string
    return doc


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line per problem, each naming the source and the dotted field."""
    lines = []
    for problem in err.errors():
        field = ".".join(str(p) for p in problem["loc"]) or "(top level)"
        msg = "unknown field" if problem["type"] == "extra_forbidden" else problem["msg"]
        lines.append(f"{source}: field '{field}': {msg}")
    return "\n".join(lines)


def load_config(
    kind: type[BaseModel], path: str | os.PathLike | None, overrides=(), error: type[UserError] = ConfigError
):
    """Read a YAML file (or nothing), apply ``--set`` overrides and validate it into ``kind``."""
    doc = read_yaml(path, error) if path is not None else {}
    apply_overrides(doc, list(overrides), error)
    source = str(path) if path is not None else "command line"
    try:
        return kind.model_validate(doc)
    except ValidationError as err:
        raise error(format_validation_error(err, source)) from None
