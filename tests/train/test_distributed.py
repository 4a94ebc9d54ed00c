"""`seaforge train cpt` under `accelerate launch` with two processes (gloo on CPU).

The same code path as a multi-GPU DDP run: rank-0-only writes, per-rank data, checkpoint and
exact resume across processes. FSDP2 and ZeRO-3 need GPUs and are not exercised here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml


def _launch(cfg, *extra, timeout=300):
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--cpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "seaforge",
        "train",
        "cpt",
        str(cfg),
        *extra,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def _cfg(tmp_path, name, model, data):
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "model": {"path": str(model)},
                "data": {"path": str(data), "heldout_sequences": 2},
                "output_dir": str(tmp_path / name),
                "train": {
                    "steps": 6,
                    "micro_batch_size": 2,
                    "lr": 1e-3,
                    "warmup_steps": 1,
                    "save_every": 3,
                    "eval_every": 3,
                    "log_every": 1,
                },
            }
        )
    )
    return path


def test_two_process_run_resumes_exactly_and_writes_once(tmp_path, llama_dir, packed_dir):
    from safetensors.torch import load_file

    straight = _launch(_cfg(tmp_path, "straight", llama_dir, packed_dir))
    assert straight.returncode == 0, straight.stderr[-3000:]
    cut_cfg = _cfg(tmp_path, "cut", llama_dir, packed_dir)
    first = _launch(cut_cfg, "--stop-after", "3")
    assert first.returncode == 0, first.stderr[-3000:]
    second = _launch(cut_cfg)
    assert second.returncode == 0, second.stderr[-3000:]

    def rows(name):
        return [json.loads(x) for x in (tmp_path / name / "metrics.jsonl").read_text().splitlines()]

    # One row per step: rank 1 never writes, and the resumed run does not repeat steps.
    assert [r["step"] for r in rows("straight")] == [1, 2, 3, 4, 5, 6]
    assert [r["step"] for r in rows("cut")] == [1, 2, 3, 4, 5, 6]
    for a, b in zip(rows("straight"), rows("cut")):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5, abs=1e-6)
    wa = load_file(tmp_path / "straight" / "final" / "model.safetensors")
    wb = load_file(tmp_path / "cut" / "final" / "model.safetensors")
    for key in wa:
        assert (wa[key] - wb[key]).abs().max().item() < 1e-5, key
