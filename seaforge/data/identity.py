"""What a run's output depends on besides the recipe: the task count and the input files.

``claim_output`` records these in ``OUTPUT/recipe.json`` and refuses to resume an output when
they changed: datatrove skips the tasks it finished, so a file added to an input folder (or a
file rewritten) would silently be left out, or half read, and the output would no longer be a
function of its input. Listing is stat-only (size and mtime, never a hash), so it costs the
same as the reader's own listing, even for terabytes of input.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from seaforge.data.readers import input_glob

MAX_NAMED = 3  # file names shown per kind of change; the rest are counted


def _list_files(path: Path, glob: str | None) -> dict[str, list]:
    """``{path relative to the input: [size, mtime]}`` for the files its reader would read."""
    if path.is_file():
        st = path.stat()
        return {path.name: [st.st_size, st.st_mtime]}
    if not path.is_dir():
        return {}  # check_recipe reports a missing input; nothing to record here
    from datatrove.io import DataFolder

    folder = DataFolder(str(path))
    files = {}
    # The reader's own listing (same glob, recursive, sorted), so the record covers the same files.
    for rel in folder.list_files(glob_pattern=glob, recursive=True):
        st = os.stat(path / rel)
        files[rel] = [st.st_size, st.st_mtime]
    return files


def input_files(recipe) -> list[dict]:
    """One entry per recipe input, in order: its name and what its files look like now.

    ``synthetic`` inputs are generated into the output deterministically, and Hub or remote
    (``://``) inputs cannot be listed cheaply: their name and options (in the recipe) are the record.
    """
    entries = []
    for spec in recipe.inputs:
        entry: dict = {"name": spec.name}
        if spec.type == "synthetic":
            entry["synthetic"] = True
        elif "://" in spec.path or (spec.type == "hf" and not spec.options.get("load_from_disk")):
            entry["remote"] = spec.path
        else:
            entry["files"] = _list_files(Path(spec.path), input_glob(spec.type, spec.glob))
        entries.append(entry)
    return entries


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f", and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _changed(name: str, old: list, new: list) -> str:
    if old[0] != new[0]:
        return f"{name}: size {old[0]} -> {new[0]}"
    return f"{name}: modified, same size"


def describe_file_changes(name: str, old: dict[str, list], new: dict[str, list]) -> str | None:
    """``input 'web': 1 new file (c.jsonl.gz), 1 changed (a.jsonl.gz: size 1200 -> 1350)``, or None."""
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    changed = [_changed(f, old[f], new[f]) for f in sorted(old.keys() & new.keys()) if list(old[f]) != list(new[f])]
    parts = []
    if added:
        parts.append(f"{_plural(len(added), 'new file')} ({_names(added)})")
    if changed:
        parts.append(f"{len(changed)} changed ({_names(changed)})")
    if removed:
        parts.append(f"{len(removed)} removed ({_names(removed)})")
    return f"input {name!r}: {', '.join(parts)}" if parts else None


def input_changes(saved: list, current: list[dict]) -> list[str]:
    """What differs between the recorded input files and the current ones (same recipe inputs)."""
    problems = []
    for old, new in zip(saved, current):
        if "files" not in new:
            continue  # synthetic or remote: the recipe comparison covers them
        if not isinstance(old, dict) or not isinstance(old.get("files"), dict):
            problems.append(f"input {new['name']!r}: its files were not recorded (the recipe changed?)")
            continue
        change = describe_file_changes(new["name"], old["files"], new["files"])
        if change:
            problems.append(change)
    return problems


def files_newer_than(current: list[dict], when: float) -> list[str]:
    """For a run recorded before the file list was: inputs with files modified after ``when``."""
    problems = []
    for entry in current:
        newer = sorted(rel for rel, (_size, mtime) in entry.get("files", {}).items() if mtime > when)
        if newer:
            problems.append(
                f"input {entry['name']!r}: {_plural(len(newer), 'file')} added or changed since the run "
                f"started ({_names(newer)})"
            )
    return problems


def recorded_tasks(root: Path) -> int | None:
    """The task count datatrove recorded for the curate stage (``logs/curate/executor.json``):
    for a run whose manifest predates ``executor_tasks``."""
    try:
        recorded = json.loads((root / "logs" / "curate" / "executor.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tasks = recorded.get("world_size", recorded.get("tasks")) if isinstance(recorded, dict) else None
    return tasks if isinstance(tasks, int) else None


def field_changes(old, new, prefix: str = "") -> list[str]:
    """Dotted names of the recipe fields that differ (``quality.default.min_words``)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(old.keys() | new.keys(), key=str):
            out += field_changes(old.get(key), new.get(key), f"{prefix}{key}.")
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [change for i, (a, b) in enumerate(zip(old, new)) for change in field_changes(a, b, f"{prefix}{i}.")]
    return [prefix.rstrip(".") or "(whole recipe)"] if old != new else []
