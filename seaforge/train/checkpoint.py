"""Checkpoints a killed run can resume from exactly: weights, optimizer, scheduler, RNG, data position.

accelerate's ``save_state`` stores model, optimizer, scheduler and every RNG (and shards them under
FSDP/DeepSpeed); we add ``trainer_state.json`` with the step and the sampler counters. A checkpoint
is written to ``step-NNNNNNN.tmp`` and renamed when complete, so a kill mid-write leaves the
previous checkpoint as the latest.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

STATE_FILE = "trainer_state.json"


def checkpoint_dir(output_dir: str | Path) -> Path:
    """Where a run's checkpoints live."""
    return Path(output_dir) / "checkpoints"


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The newest complete checkpoint under ``output_dir``, or None."""
    root = checkpoint_dir(output_dir)
    if not root.is_dir():
        return None
    done = [
        folder
        for folder in root.glob("step-*")
        if folder.is_dir() and folder.name[5:].isdigit() and (folder / STATE_FILE).is_file()
    ]
    return max(done, key=lambda folder: int(folder.name.split("-")[1]), default=None)


def save_checkpoint(accelerator, output_dir: str | Path, step: int, state: dict, keep: int) -> Path:
    """Write a checkpoint for ``step`` atomically and prune all but the newest ``keep``."""
    root = checkpoint_dir(output_dir)
    final = root / f"step-{step:07d}"
    tmp = root / f"step-{step:07d}.tmp"
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp), safe_serialization=True)
    if accelerator.is_main_process:
        (tmp / STATE_FILE).write_text(json.dumps({"step": step, **state}, indent=1))
        if final.exists():  # move the old one aside first: a kill between the renames loses nothing
            aside = root / f"step-{step:07d}.old"
            shutil.rmtree(aside, ignore_errors=True)
            os.replace(final, aside)
            os.replace(tmp, final)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(tmp, final)
        old = sorted(
            (folder for folder in root.glob("step-*") if folder.name[5:].isdigit()),
            key=lambda folder: int(folder.name.split("-")[1]),
        )
        for folder in old[:-keep]:
            shutil.rmtree(folder, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(accelerator, path: Path) -> dict:
    """Restore model/optimizer/scheduler/RNG from ``path``; returns the trainer state."""
    accelerator.load_state(str(path))
    return json.loads((path / STATE_FILE).read_text())
