"""Merging: each method against values worked out by hand on 4-element tensors."""

from __future__ import annotations

import math

import pytest
import torch
import yaml
from safetensors.torch import load_file

from seaforge.testing import tiny_causal_lm
from seaforge.train.config import ConfigError
from seaforge.train.merge import load_merge_config, run_merge

NORM = "model.norm.weight"
POST = "model.layers.0.post_attention_layernorm.weight"
EMBED = "model.embed_tokens.weight"
SMALL = dict(
    hidden_size=4, intermediate_size=8, num_hidden_layers=1, num_attention_heads=1, num_key_value_heads=1, head_dim=4
)
# Base norm weights are all 1; the two fine-tunes move them by these deltas.
D1 = [0.4, -0.2, 0.1, -0.8]
D2 = [0.2, 0.6, -0.3, -0.4]


def save(path, tokenizer, norm=None, post=None, embed_delta=None):
    model = tiny_causal_lm("llama", tokenizer, seed=0, **SMALL)
    sd = model.state_dict()
    with torch.no_grad():
        if norm is not None:
            sd[NORM].copy_(torch.tensor(norm))
        if post is not None:
            sd[POST].copy_(torch.tensor(post))
        if embed_delta is not None:
            sd[EMBED].add_(embed_delta)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory, tokenizer):
    root = tmp_path_factory.mktemp("merge")
    return {
        "base": save(root / "base", tokenizer, norm=[1, 1, 1, 1]),
        "m1": save(root / "m1", tokenizer, norm=[1 + d for d in D1]),
        "m2": save(root / "m2", tokenizer, norm=[1 + d for d in D2]),
        "s0": save(root / "s0", tokenizer, norm=[1, 0, 0, 0], post=[1, 2, 0, 0]),
        "s1": save(root / "s1", tokenizer, norm=[0, 1, 0, 0], post=[2, 4, 0, 0]),
        "noisy": save(
            root / "noisy",
            tokenizer,
            embed_delta=torch.randn(len(tokenizer), 4, generator=torch.Generator().manual_seed(3)),
        ),
    }


def merged(tmp_path, doc) -> dict[str, torch.Tensor]:
    cfg_path = tmp_path / "merge.yaml"
    cfg_path.write_text(yaml.safe_dump({"dtype": "float32", **doc}))
    out = run_merge(load_merge_config(cfg_path), tmp_path / "out")
    assert (out / "config.json").is_file() and (out / "tokenizer_config.json").is_file()
    return load_file(out / "model.safetensors")


def close(t, values):
    return torch.allclose(t, torch.tensor(values, dtype=t.dtype), atol=1e-6)


def test_linear_is_the_weighted_average(tmp_path, models):
    # 0.75 * (1 + D1) + 0.25 * (1 + D2)
    out = merged(
        tmp_path,
        {
            "method": "linear",
            "models": [{"model": models["m1"], "weight": 0.75}, {"model": models["m2"], "weight": 0.25}],
        },
    )
    assert close(out[NORM], [1.35, 1.0, 1.0, 0.3])


def test_task_arithmetic_adds_weighted_deltas_to_the_base(tmp_path, models):
    # 1 + 1.0 * D1 + 0.5 * D2
    out = merged(
        tmp_path,
        {
            "method": "task_arithmetic",
            "base_model": models["base"],
            "models": [{"model": models["m1"], "weight": 1.0}, {"model": models["m2"], "weight": 0.5}],
        },
    )
    assert close(out[NORM], [1.5, 1.1, 0.95, 0.0])


def test_ties_trims_elects_sign_and_averages_agreeing_deltas(tmp_path, models):
    # density 0.5 keeps the 2 largest |delta| of 4: D1 -> [0.4, 0, 0, -0.8], D2 -> [0, 0.6, 0, -0.4].
    # Elected sign of the sums [0.4, 0.6, 0, -1.2]: +, +, (none), -; agreeing deltas are averaged.
    out = merged(
        tmp_path,
        {
            "method": "ties",
            "base_model": models["base"],
            "models": [{"model": models["m1"], "density": 0.5}, {"model": models["m2"], "density": 0.5}],
        },
    )
    assert close(out[NORM], [1.4, 1.6, 1.0, 0.4])


def test_dare_ties_without_dropping_sums_the_sign_agreeing_deltas(tmp_path, models):
    # density 1 drops nothing; signs of D1 + D2 = [0.6, 0.4, -0.2, -1.2] elect +, +, -, -;
    # dare_ties does not normalize: 1 + [0.4 + 0.2, 0.6, -0.3, -0.8 - 0.4].
    out = merged(
        tmp_path,
        {
            "method": "dare_ties",
            "base_model": models["base"],
            "models": [{"model": models["m1"], "density": 1.0}, {"model": models["m2"], "density": 1.0}],
        },
    )
    assert close(out[NORM], [1.6, 1.6, 0.7, -0.2])


def test_dare_drops_about_half_and_rescales_the_rest_by_one_factor(tmp_path, models):
    out = merged(
        tmp_path,
        {
            "method": "dare_ties",
            "base_model": models["base"],
            "seed": 1,
            "models": [{"model": models["noisy"], "density": 0.5}],
        },
    )
    base, noisy = load_file(f"{models['base']}/model.safetensors"), load_file(f"{models['noisy']}/model.safetensors")
    delta, got = noisy[EMBED] - base[EMBED], out[EMBED] - base[EMBED]
    kept = got != 0
    assert 0.4 < kept.float().mean() < 0.6
    ratio = got[kept] / delta[kept]
    assert torch.allclose(ratio, ratio[0].expand_as(ratio), rtol=1e-4)  # one rescale factor
    assert ratio[0] == pytest.approx(float(delta.abs().sum() / delta[kept].abs().sum()), rel=1e-4)  # L1 kept


def test_slerp_interpolates_each_tensor_on_the_sphere(tmp_path, models):
    out = merged(
        tmp_path, {"method": "slerp", "base_model": models["s0"], "t": 0.5, "models": [{"model": models["s1"]}]}
    )
    h = math.sqrt(0.5)  # halfway along the arc between orthogonal unit vectors [1,0,0,0] and [0,1,0,0]
    assert close(out[NORM], [h, h, 0, 0])
    assert close(out[POST], [1.5, 3.0, 0, 0])  # parallel tensors fall back to linear interpolation


def test_bad_merge_configs_name_the_field(tmp_path, models):
    path = tmp_path / "m.yaml"
    cases = [
        ({"method": "ties", "base_model": models["base"], "models": [{"model": models["m1"]}]}, "density"),
        ({"method": "linear", "models": [{"model": models["m1"]}, {"model": "./nope"}]}, "models[1].model"),
        ({"method": "linear", "models": [{"model": models["m1"], "wieght": 1}]}, "models.0.wieght"),
        ({"method": "slerp", "base_model": models["base"], "models": [{"model": models["m1"]}]}, "t"),
    ]
    for doc, field in cases:
        path.write_text(yaml.safe_dump(doc))
        with pytest.raises(ConfigError, match=field.replace("[", r"\[").replace("]", r"\]")):
            load_merge_config(path)
