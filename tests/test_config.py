import pytest
from pydantic import BaseModel, ConfigDict

from seaforge.config import ConfigError, apply_overrides, load_config, read_yaml


class Train(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lr: float = 1e-4
    steps: int = 10


class Run(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "run"
    train: Train = Train()


def test_every_way_a_yaml_file_is_wrong_names_the_file_and_line(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        read_yaml(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="is a folder"):
        read_yaml(tmp_path)
    bad_bytes = tmp_path / "bytes.yaml"
    bad_bytes.write_bytes(b"name: ok\ntrain:\n  lr: \xff\n")
    with pytest.raises(ConfigError, match=r"bytes.yaml:3: not valid UTF-8"):
        read_yaml(bad_bytes)
    bad_yaml = tmp_path / "syntax.yaml"
    bad_yaml.write_text("name: ok\ntrain: [1, 2\nsteps: 3\n")
    with pytest.raises(ConfigError, match=r"syntax.yaml:\d+: invalid YAML"):
        read_yaml(bad_yaml)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        read_yaml(scalar)
    (tmp_path / "empty.yaml").write_text("")
    assert read_yaml(tmp_path / "empty.yaml") == {}


def test_overrides_set_nested_fields_as_yaml_values():
    doc = {"train": {"lr": 1.0}}
    apply_overrides(doc, ["train.lr=0.0003", "train.steps=20", "name=ไทย", "extra.flag=true"])
    assert doc == {"train": {"lr": 0.0003, "steps": 20}, "name": "ไทย", "extra": {"flag": True}}
    with pytest.raises(ConfigError, match="expected FIELD=VALUE"):
        apply_overrides({}, ["train.lr"])
    with pytest.raises(ConfigError, match="'name' is not a section"):
        apply_overrides({"name": "x"}, ["name.inner=1"])


def test_load_config_validates_and_names_the_field(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("train:\n  lr: 0.1\n  stpes: 3\n")
    with pytest.raises(ConfigError, match=r"run.yaml: field 'train.stpes': unknown field"):
        load_config(Run, path)
    path.write_text("train:\n  lr: 0.1\n")
    run = load_config(Run, path, ["train.steps=5"])
    assert run.train.lr == 0.1 and run.train.steps == 5
    with pytest.raises(ConfigError, match="field 'train.steps'"):
        load_config(Run, None, ["train.steps=many"])
