"""The step sampler: exact mixture shares, held-out rows never trained on, resumable, rank-disjoint."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from seaforge.train.batches import MixtureSampler, RowPool, resolve_weights
from seaforge.train.config import ConfigError


def pools(sizes: dict[str, int]) -> dict[str, RowPool]:
    out, start = {}, 0
    for name, n in sizes.items():
        rows = np.arange(start, start + n, dtype=np.uint32)[:, None].repeat(4, axis=1)
        out[name] = RowPool([rows[: n // 2], rows[n // 2 :]])  # two shards per language
        start += n
    return out


def test_weights_give_replay_its_share_and_split_the_rest_by_mixture():
    w = resolve_weights(["th", "vi", "en"], {"th": 3, "vi": 1}, {"en": 0.2}, {})
    assert w == pytest.approx({"th": 0.6, "vi": 0.2, "en": 0.2})
    w = resolve_weights(["th", "vi", "en"], None, {"en": 0.5}, {"th": 100, "vi": 300, "en": 999})
    assert w == pytest.approx({"th": 0.125, "vi": 0.375, "en": 0.5})


def test_realised_mixture_tracks_weights_within_one_row():
    s = MixtureSampler(pools({"th": 50, "vi": 50, "en": 50}), {"th": 0.5, "vi": 0.3, "en": 0.2}, rows_per_step=7)
    counts = Counter(name for _ in range(40) for name, _ in s.next_rows())
    for name, w in {"th": 0.5, "vi": 0.3, "en": 0.2}.items():
        assert abs(counts[name] - w * 280) <= 1


def test_each_epoch_visits_every_row_once():
    s = MixtureSampler(pools({"th": 12}), {"th": 1.0}, rows_per_step=4)
    seen = [i for _ in range(3) for _, i in s.next_rows()]
    assert sorted(seen) == list(range(12))


def test_heldout_tail_is_never_sampled():
    train, held = pools({"th": 20})["th"].split_tail(5)
    s = MixtureSampler({"th": train}, {"th": 1.0}, rows_per_step=6)
    drawn = {int(train.row(i)[0][0]) for _ in range(20) for _, i in s.next_rows()}
    held_ids = {int(held.row(i)[0][0]) for i in range(len(held))}
    assert held_ids == set(range(15, 20)) and not drawn & held_ids


def test_state_dict_resumes_the_same_sequence():
    a = MixtureSampler(pools({"th": 9, "en": 7}), {"th": 0.7, "en": 0.3}, rows_per_step=5, seed=3)
    for _ in range(4):
        a.next_rows()
    b = MixtureSampler(pools({"th": 9, "en": 7}), {"th": 0.7, "en": 0.3}, rows_per_step=5, seed=3)
    b.load_state_dict(a.state_dict())
    assert [a.next_rows() for _ in range(6)] == [b.next_rows() for _ in range(6)]


def test_ranks_get_disjoint_rows_of_the_same_global_step():
    ranks = [MixtureSampler(pools({"th": 64}), {"th": 1.0}, rows_per_step=4, rank=r, world_size=2) for r in range(2)]
    r0, r1 = ranks[0].next_rows(), ranks[1].next_rows()
    assert len(r0) == len(r1) == 4 and not set(r0) & set(r1)


def test_language_with_no_training_rows_is_an_error():
    train, _ = pools({"th": 3})["th"].split_tail(3)
    with pytest.raises(ConfigError, match="heldout_sequences"):
        MixtureSampler({"th": train}, {"th": 1.0}, rows_per_step=2)
