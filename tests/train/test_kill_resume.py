"""A real kill: SIGKILL a `seaforge train cpt` process mid-run, resume it, compare the loss curve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from seaforge.config import load_config
from seaforge.train.config import CPTConfig
from seaforge.train.cpt import run_cpt

STEPS = 300


@pytest.mark.slow
def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path, llama_dir, packed_dir):
    doc = {
        "model": {"path": str(llama_dir)},
        "data": {"path": str(packed_dir), "heldout_sequences": 2},
        "output_dir": str(tmp_path / "killed"),
        "train": {"steps": STEPS, "micro_batch_size": 2, "lr": 3e-3, "log_every": 1, "save_every": 10},
    }
    cfg_path = tmp_path / "cpt.yaml"
    cfg_path.write_text(yaml.safe_dump(doc))
    cmd = [sys.executable, "-m", "seaforge", "train", "cpt", str(cfg_path)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpts = tmp_path / "killed" / "checkpoints"
    deadline = time.time() + 300
    while time.time() < deadline and not any(p.name == "step-0000020" for p in ckpts.glob("step-*")):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "killed" / "final").exists(), "the run finished before it could be killed"
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    reference = run_cpt(load_config(CPTConfig, cfg_path, [f"output_dir={tmp_path / 'ref'}"]))
    rows = [json.loads(x) for x in (tmp_path / "killed" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, STEPS + 1))
    assert [r["loss"] for r in rows] == pytest.approx([r["loss"] for r in reference], rel=1e-5, abs=1e-6)
