"""The leaderboard as a PNG: one row per model, its score and 95% bootstrap interval."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence

from seaforge.arena.stats import ANCHOR, Rating
from seaforge.io import atomic_write_bytes


def leaderboard_png(ratings: Sequence[Rating], path: str | os.PathLike, *, title: str = "Arena leaderboard") -> None:
    """Draw ``ratings`` (best first, as ``leaderboard`` returns them) to ``path`` atomically."""
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global figure state

    rows = list(ratings)[::-1]  # best at the top
    fig = Figure(figsize=(7.0, 1.2 + 0.4 * max(1, len(rows))), dpi=120)
    ax = fig.add_subplot()
    if rows:
        y = list(range(len(rows)))
        spread = [[r.score - r.lo for r in rows], [r.hi - r.score for r in rows]]
        ax.errorbar([r.score for r in rows], y, xerr=spread, fmt="o", color="#1f5f8b", ecolor="#7fa7c4", capsize=3)
        ax.set_yticks(y, [f"{r.model}  ({r.votes} votes)" for r in rows])
        ax.axvline(ANCHOR, color="#bbbbbb", linewidth=0.8, zorder=0)
    else:
        ax.text(0.5, 0.5, "no votes yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlabel("score (mean 1000; 400 points = 10:1 odds), 95% bootstrap interval")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    atomic_write_bytes(path, buffer.getvalue())
