"""Stage caching: a stage's key is a hash of its config, the key of the stage before it and the
fingerprints of the files it reads from outside the build, so a rerun skips finished stages and a
changed config reruns that stage and every later one.

Each stage folder holds ``started.json`` (the key it was started with) and, once it finishes,
``stage.json``. A folder started with the current key is resumed (training restarts from its last
checkpoint); one started with another key is cleared first.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from seaforge.io import atomic_write_json

FORMAT = 1  # bump when a stage's outputs change meaning, so old caches are not reused
STARTED, FINISHED = "started.json", "stage.json"

# Fields that change how a stage reports or checkpoints, never what it produces.
NOT_HASHED = {"log_every", "save_every", "save_every_minutes", "keep_checkpoints", "workers"}


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in sorted(value.items()) if k not in NOT_HASHED}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def fingerprint(path: str | Path) -> str:
    """Hash of a file's or folder's contents (names and bytes), for inputs from outside the build."""
    path = Path(path)
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path) if file != path else file.name).encode())
        with open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def stage_key(name: str, config: dict | None, previous: str | None, inputs: dict[str, str]) -> str:
    """The key of stage ``name``: its config (less NOT_HASHED fields), the previous stage's key and
    the fingerprints of its outside inputs."""
    payload = {"format": FORMAT, "stage": name, "config": _strip(config), "previous": previous, "inputs": inputs}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def finished(folder: Path, key: str) -> dict | None:
    """The stage record when ``folder`` finished with ``key``, else None."""
    record = _read(folder / FINISHED)
    return record if record and record.get("key") == key else None


def read_started(folder: Path) -> dict | None:
    return _read(folder / STARTED)


def start(folder: Path, key: str) -> bool:
    """Prepare ``folder`` for a run with ``key``; True when it resumes a run with the same key."""
    started = _read(folder / STARTED)
    if started and started.get("key") == key and not (folder / FINISHED).exists():
        return True
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    atomic_write_json(folder / STARTED, {"key": key, "started": time.time()})
    return False


def finish(folder: Path, key: str, seconds: float, status: str) -> dict:
    """Mark ``folder`` finished with ``key`` (written last, so a kill before it means "not done")."""
    record = {"key": key, "seconds": round(seconds, 2), "status": status, "finished": time.time()}
    atomic_write_json(folder / FINISHED, record)
    return record
