"""Leaderboard of several runs: a Markdown table and a self-contained HTML page with charts."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path


def fmt(entry: dict | float | None, se: bool = True) -> str:
    """"12.3 ± 1.4" for a {score, stderr} dict, "-" when missing or NaN."""
    if entry is None:
        return "-"
    score = entry["score"] if isinstance(entry, dict) else entry
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "-"
    err = entry.get("stderr") if isinstance(entry, dict) else None
    if se and err is not None and not (isinstance(err, float) and math.isnan(err)):
        return f"{score:.1f} ± {err:.1f}"
    return f"{score:.1f}"


def _name(run: dict) -> str:
    return run.get("label") or run["model"].get("model", "?")


def leaderboard_rows(runs: list[dict]) -> tuple[list[str], list[str], list[dict]]:
    """Languages, competencies and one row per run, best SEA average first."""
    langs = sorted({lang for r in runs for lang in r["aggregate"]["languages"]})
    comps = sorted({c for r in runs for v in r["aggregate"]["languages"].values()
                    for c in v["competencies"]})
    rows = []
    for run in runs:
        agg = run["aggregate"]
        per_comp = {}
        for comp in comps:
            vals = [v["competencies"][comp]["score"] for v in agg["languages"].values()
                    if comp in v["competencies"] and v["competencies"][comp]["score"] is not None]
            per_comp[comp] = sum(vals) / len(vals) if vals else None
        rows.append({"name": _name(run), "sea": agg["sea_average"],
                     "langs": {lg: agg["languages"].get(lg) for lg in langs}, "comps": per_comp,
                     "config": run.get("config", {}), "path": run.get("_path", "")})
    rows.sort(key=lambda r: -(r["sea"]["score"] if r["sea"]["score"] is not None else -1e9))
    return langs, comps, rows


def render_markdown(runs: list[dict]) -> str:
    langs, comps, rows = leaderboard_rows(runs)
    lines = ["# SEA leaderboard", "",
             "Scores are normalised: 0 = random guessing, 100 = perfect; ± is the bootstrap "
             "standard error.", "",
             "| # | model | SEA average | " + " | ".join(langs) + " |",
             "|---|---|---:|" + "---:|" * len(langs)]
    for i, r in enumerate(rows, 1):
        cells = [fmt(r["langs"][lg]) for lg in langs]
        lines.append(f"| {i} | {r['name']} | {fmt(r['sea'])} | " + " | ".join(cells) + " |")
    lines += ["", "## By competency (mean over languages)", "",
              "| model | " + " | ".join(comps) + " |", "|---|" + "---:|" * len(comps)]
    for r in rows:
        lines.append(f"| {r['name']} | " + " | ".join(fmt(r["comps"][c], se=False) for c in comps) + " |")
    lines += ["", "## Runs", "", "| model | mode | seeds | data | results |", "|---|---|---|---|---|"]
    for r in rows:
        c = r["config"]
        lines.append(f"| {r['name']} | {c.get('mode', '?')} | {c.get('seeds', '?')} | "
                     f"{c.get('data', '?')} | {r['path']} |")
    return "\n".join(lines) + "\n"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _bars(title: str, groups: list[str], rows: list[dict], value) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(groups) + 2), 3.6))
    width = 0.8 / max(1, len(rows))
    for k, r in enumerate(rows):
        ys = [value(r, g) for g in groups]
        ax.bar([i + k * width for i in range(len(groups))],
               [y if y is not None else 0 for y in ys], width, label=r["name"])
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(groups))], groups)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title)
    ax.set_ylabel("normalised score")
    ax.legend(fontsize=7)
    data = _png(fig)
    plt.close(fig)
    return data


def _heatmap(langs: list[str], rows: list[dict]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = [[(r["langs"][lg] or {}).get("score") for lg in langs] for r in rows]
    clean = [[v if v is not None and not math.isnan(v) else float("nan") for v in row] for row in grid]
    fig, ax = plt.subplots(figsize=(max(5, 0.8 * len(langs) + 2), 0.5 * len(rows) + 1.5))
    im = ax.imshow(clean, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(langs)), langs)
    ax.set_yticks(range(len(rows)), [r["name"] for r in rows])
    for i, row in enumerate(clean):
        for j, v in enumerate(row):
            if not math.isnan(v):
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", color="white", fontsize=8)
    fig.colorbar(im, ax=ax)
    ax.set_title("Normalised score by language")
    data = _png(fig)
    plt.close(fig)
    return data


def render_html(runs: list[dict]) -> str:
    langs, comps, rows = leaderboard_rows(runs)
    charts = [
        ("Per language", _bars("SEA average by language", langs, rows,
                               lambda r, g: (r["langs"][g] or {}).get("score"))),
        ("Per competency", _bars("Mean over languages by competency", comps, rows,
                                 lambda r, g: r["comps"][g])),
        ("Heat map", _heatmap(langs, rows)),
    ]
    head = "".join(f"<th>{html.escape(x)}</th>" for x in ["#", "model", "SEA average", *langs])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in
                         [str(i), r["name"], fmt(r["sea"]), *[fmt(r["langs"][lg]) for lg in langs]])
        + "</tr>" for i, r in enumerate(rows, 1))
    imgs = "".join(f"<h2>{html.escape(t)}</h2><img alt='{html.escape(t)}' src='data:image/png;base64,{d}'>"
                   for t, d in charts)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>SEA leaderboard</title>"
            "<style>body{font-family:system-ui,'Noto Sans','Noto Sans Thai','Noto Sans Myanmar',"
            "'Noto Sans Khmer','Noto Sans Lao','Noto Sans Tamil',sans-serif;margin:2em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
            "text-align:right}td:nth-child(2){text-align:left}img{max-width:100%}</style></head>"
            f"<body><h1>SEA leaderboard</h1><p>Normalised scores: 0 = random guessing, 100 = "
            f"perfect; ± is the bootstrap standard error.</p><table><tr>{head}</tr>{body}</table>"
            f"{imgs}</body></html>")


def write_report(runs: list[dict], out_dir: str | Path) -> tuple[Path, Path]:
    """Write leaderboard.md and leaderboard.html into `out_dir` (atomically)."""
    from seaforge.io import atomic_write_text

    out = Path(out_dir)
    paths = []
    for name, text in (("leaderboard.md", render_markdown(runs)), ("leaderboard.html", render_html(runs))):
        atomic_write_text(out / name, text)
        paths.append(out / name)
    return paths[0], paths[1]
