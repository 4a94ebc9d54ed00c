"""Bad configs fail before training starts, naming the field; overrides and schedules behave."""

from __future__ import annotations

import pytest
import torch
import yaml

from seaforge.config import apply_overrides, load_config
from seaforge.train.config import ConfigError, CPTConfig, TrainOptions
from seaforge.train.cpt import run_cpt
from seaforge.train.loop import build_scheduler


def base_overrides(model, data, out):
    return [f"model.path={model}", f"data.path={data}", f"output_dir={out}", "train.steps=2"]


def test_yaml_fields_are_overridable_from_the_command_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        yaml.safe_dump(
            {"model": {"path": "m"}, "data": {"path": "d"}, "output_dir": "o", "train": {"steps": 10, "lr": 1e-4}}
        )
    )
    cfg = load_config(CPTConfig, path, ["train.lr=3e-4", "data.replay={en: 0.25}", "model.precision=fp32"])
    assert cfg.train.lr == 3e-4 and cfg.data.replay == {"en": 0.25} and cfg.model.precision == "fp32"
    assert cfg.train.steps == 10


@pytest.mark.parametrize(
    "override,field",
    [
        ("train.lrr=1e-4", "train.lrr"),
        ("data.replay={en: 1.5}", "data"),
        ("train.warmup_steps=5", "train"),
        ("model.precision=fp8", "model.precision"),
    ],
)
def test_invalid_fields_are_named(tmp_path, override, field):
    with pytest.raises(ConfigError, match=f"field '{field}'"):
        load_config(CPTConfig, None, ["model.path=m", "data.path=d", "output_dir=o", "train.steps=2", override])


def test_malformed_override_is_rejected():
    with pytest.raises(ConfigError, match="FIELD=VALUE"):
        apply_overrides({}, ["train.lr"])


def test_missing_dataset_fails_before_training(tmp_path, llama_dir):
    cfg = load_config(CPTConfig, None, base_overrides(llama_dir, tmp_path / "nope", tmp_path / "out"))
    with pytest.raises(ConfigError, match="field 'data.path'"):
        run_cpt(cfg)
    assert not (tmp_path / "out").exists()


def test_sequence_longer_than_the_model_fails_before_training(tmp_path, tokenizer, make_model, packed_dir):
    short = make_model(tmp_path / "short", "llama", tokenizer, max_position_embeddings=16)  # data is packed at 32
    cfg = load_config(CPTConfig, None, base_overrides(short, packed_dir, tmp_path / "out"))
    with pytest.raises(ConfigError, match="field 'data.seq_len'.*maximum of 16"):
        run_cpt(cfg)
    assert not (tmp_path / "out").exists()


def test_replay_language_missing_from_the_data_is_named(tmp_path, llama_dir, packed_dir):
    overrides = base_overrides(llama_dir, packed_dir, tmp_path / "out") + ["data.replay={code: 0.1}"]
    cfg = load_config(CPTConfig, None, overrides)
    with pytest.raises(ConfigError, match="field 'data.replay.code'"):
        run_cpt(cfg)


def test_qlora_without_a_gpu_is_refused_up_front(tmp_path, llama_dir, packed_dir):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    cfg = load_config(CPTConfig, None, base_overrides(llama_dir, packed_dir, tmp_path / "out") + ["lora.qlora=true"])
    with pytest.raises(ConfigError, match="field 'lora.qlora'"):
        run_cpt(cfg)


def _lrs(schedule: str, **kw) -> list[float]:
    opts = TrainOptions(steps=10, lr=1.0, warmup_steps=2, schedule=schedule, min_lr_ratio=0.1, **kw)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = build_scheduler(opt, opts)
    out = []
    for _ in range(10):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return out


def test_wsd_schedule_warms_up_holds_then_decays_to_the_floor():
    lrs = _lrs("wsd", decay_fraction=0.3)
    assert lrs[0] < lrs[1] < lrs[2] == 1.0
    assert lrs[2:7] == [1.0] * 5  # stable phase
    assert lrs[7] > lrs[8] > lrs[9] >= 0.1


def test_cosine_schedule_ends_at_min_lr_ratio():
    lrs = _lrs("cosine")
    assert lrs[2] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[2:], lrs[3:]))
    assert lrs[-1] >= 0.1 and lrs[-1] < 0.2
