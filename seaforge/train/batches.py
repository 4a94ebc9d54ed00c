"""Which rows go into each optimizer step: a language mixture with replay, exact and resumable.

Rows live in pools (one per language for CPT, one for SFT). Each step takes a fixed number of
rows, split between pools by their weights with carried-over credit (so the realised mixture
tracks the config to within one row, with no sampling noise), and each pool is read in a
per-epoch shuffled order. The whole state is a handful of counters, saved with every checkpoint,
so a resumed run sees exactly the rows an uninterrupted run would have seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from seaforge.train.config import ConfigError

IGNORE = -100  # label id that carries no loss (transformers' convention)


@dataclass
class RowPool:
    """Rows ``[start, stop)`` of the concatenation of ``parts`` (each an (n, seq_len) array)."""

    parts: list[np.ndarray]
    labels: list[np.ndarray] | None = None  # None: every token is a target (pretraining)
    start: int = 0
    stop: int | None = None
    _offsets: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self._offsets = np.cumsum([0] + [len(p) for p in self.parts])
        total = int(self._offsets[-1])
        self.stop = total if self.stop is None else min(self.stop, total)

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Tokens (and labels, if any) of row ``i`` of this pool."""
        g = self.start + i
        part = int(np.searchsorted(self._offsets, g, side="right")) - 1
        local = g - int(self._offsets[part])
        labels = None if self.labels is None else self.labels[part][local]
        return self.parts[part][local], labels

    def split_tail(self, n: int) -> tuple[RowPool, RowPool]:
        """(all but the last ``n`` rows, the last ``n`` rows): a held-out split that never moves."""
        n = min(n, len(self))
        cut = self.stop - n
        return (RowPool(self.parts, self.labels, self.start, cut), RowPool(self.parts, self.labels, cut, self.stop))


def resolve_weights(
    available: list[str], mixture: dict[str, float] | None, replay: dict[str, float], default: dict[str, float]
) -> dict[str, float]:
    """Per-pool sampling weights summing to 1: replay shares as given, targets share the rest.

    The shares come from the data engine's planner (``seaforge.data.mixing.target_shares``), so
    a mixture means the same thing when data is packed and when it is trained on.
    """
    from seaforge.data.mixing import target_shares

    for name, weights in (("replay", replay), ("mixture", mixture or {})):
        for lang in weights:
            if lang not in available:
                raise ConfigError(
                    f"field 'data.{name}.{lang}': no data for {lang!r} (the dataset has: {', '.join(available)})"
                )
    target = dict(mixture) if mixture else {k: v for k, v in default.items() if k not in replay}
    if not any(v > 0 and k in available for k, v in target.items()):
        raise ConfigError("field 'data.mixture': no target language with a positive weight")
    positive_replay = {k: v for k, v in replay.items() if v > 0}
    if mixture:
        shares = target_shares(dict.fromkeys(available, 0.0), proportions=mixture, replay=positive_replay)
    else:  # natural shares of the default weights (the index's mixture or its token counts)
        shares = target_shares(
            {k: max(0.0, float(default.get(k, 0.0))) for k in available if k not in replay} | positive_replay,
            replay=positive_replay,
        )
    return {k: v for k, v in shares.items() if v > 0}


class MixtureSampler:
    """Yields the rows of each step; ``state_dict`` / ``load_state_dict`` make it resumable."""

    def __init__(
        self,
        pools: dict[str, RowPool],
        weights: dict[str, float],
        rows_per_step: int,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ):
        empty = [k for k, w in weights.items() if w > 0 and len(pools[k]) == 0]
        if empty:
            raise ConfigError(
                f"field 'data.path': no training rows left for {', '.join(empty)} "
                "(reduce data.heldout_sequences or add data)"
            )
        self.pools, self.names = pools, sorted(k for k, w in weights.items() if w > 0)
        self.probs = np.array([weights[k] for k in self.names], dtype=np.float64)
        self.probs /= self.probs.sum()
        self.rows_per_step, self.seed = rows_per_step, seed
        self.rank, self.world_size = rank, world_size
        self.step = 0
        self.credit = np.zeros(len(self.names))
        self.drawn = {k: 0 for k in self.names}
        self._perm_cache: dict[tuple[str, int], np.ndarray] = {}

    def _allocate(self, n: int) -> np.ndarray:
        """Rows per pool this step: largest remainder over accumulated credit."""
        self.credit += self.probs * n
        counts = np.floor(self.credit).astype(int)
        short = n - counts.sum()
        order = np.argsort(-(self.credit - counts), kind="stable")
        counts[order[:short]] += 1
        self.credit -= counts
        return counts

    def _index(self, name: str, k: int) -> int:
        """The pool row of the ``k``-th draw from ``name``: a fresh shuffle every epoch."""
        n = len(self.pools[name])
        epoch, pos = divmod(k, n)
        key = (name, epoch)
        if key not in self._perm_cache:
            self._perm_cache = {k2: v for k2, v in self._perm_cache.items() if k2[0] != name}
            lang_seed = self.names.index(name)
            self._perm_cache[key] = np.random.default_rng([self.seed, lang_seed, epoch]).permutation(n)
        return int(self._perm_cache[key][pos])

    def next_rows(self) -> list[tuple[str, int]]:
        """(pool, row) pairs of this rank's share of the next step, and advance."""
        total = self.rows_per_step * self.world_size
        picks = []
        for name, count in zip(self.names, self._allocate(total)):
            for _ in range(count):
                picks.append((name, self._index(name, self.drawn[name])))
                self.drawn[name] += 1
        order = np.random.default_rng([self.seed, 1_000_003, self.step]).permutation(len(picks))
        self.step += 1
        return [picks[i] for i in order[self.rank :: self.world_size]]

    def next_step(self, micro_batch_size: int) -> list[dict[str, torch.Tensor]]:
        """The next step as micro-batches of ``input_ids`` and ``labels`` tensors."""
        rows = [self.pools[name].row(i) for name, i in self.next_rows()]
        return [collate(rows[s : s + micro_batch_size]) for s in range(0, len(rows), micro_batch_size)]

    def state_dict(self) -> dict:
        """Counters that fix every later step (JSON-serialisable)."""
        return {"step": self.step, "credit": self.credit.tolist(), "drawn": dict(self.drawn)}

    def load_state_dict(self, state: dict) -> None:
        """Continue exactly where ``state`` was taken."""
        self.step = int(state["step"])
        self.credit = np.array(state["credit"], dtype=np.float64)
        self.drawn = {k: int(state["drawn"][k]) for k in self.names}


def collate(rows: list[tuple[np.ndarray, np.ndarray | None]]) -> dict[str, torch.Tensor]:
    """Stack rows into int64 ``input_ids`` and ``labels`` (tokens themselves when no labels)."""
    ids = torch.from_numpy(np.stack([r[0] for r in rows]).astype(np.int64))
    if rows[0][1] is None:
        return {"input_ids": ids, "labels": ids}
    labels = torch.from_numpy(np.stack([r[1] for r in rows]).astype(np.int64))
    return {"input_ids": ids, "labels": labels}
