"""Leaderboard of several runs: a Markdown table and a self-contained HTML page with charts."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path


def fmt(entry: dict | float | None, se: bool = True) -> str:
    """ "12.3 ± 1.4" for a {score, stderr} dict, "-" when missing or NaN."""
    if entry is None:
        return "-"
    score = entry["score"] if isinstance(entry, dict) else entry
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "-"
    err = entry.get("stderr") if isinstance(entry, dict) else None
    if se and err is not None and not (isinstance(err, float) and math.isnan(err)):
        return f"{score:.1f} ± {err:.1f}"
    return f"{score:.1f} ± n/a" if se and isinstance(entry, dict) and "stderr" in entry else f"{score:.1f}"


def _name(run: dict) -> str:
    return run.get("label") or run["model"].get("model", "?")


def leaderboard_rows(runs: list[dict]) -> tuple[list[str], list[str], list[dict]]:
    """Languages, competencies and one row per run, best SEA average first."""
    langs = sorted({lang for run in runs for lang in run["aggregate"]["languages"]})
    comps = sorted(
        {comp for run in runs for entry in run["aggregate"]["languages"].values() for comp in entry["competencies"]}
    )
    rows = []
    for run in runs:
        averages = run["aggregate"]
        per_comp = {}
        for comp in comps:
            scores = [
                entry["competencies"][comp]["score"]
                for entry in averages["languages"].values()
                if comp in entry["competencies"] and entry["competencies"][comp]["score"] is not None
            ]
            per_comp[comp] = sum(scores) / len(scores) if scores else None
        rows.append(
            {
                "name": _name(run),
                "sea": averages["sea_average"],
                "langs": {lang: averages["languages"].get(lang) for lang in langs},
                "comps": per_comp,
                "config": run.get("config", {}),
                "path": run.get("_path", ""),
            }
        )
    rows.sort(key=lambda row: -(row["sea"]["score"] if row["sea"]["score"] is not None else -1e9))
    return langs, comps, rows


def render_markdown(runs: list[dict]) -> str:
    langs, comps, rows = leaderboard_rows(runs)
    lines = [
        "# SEA leaderboard",
        "",
        "Scores are normalized: 0 = random guessing, 100 = perfect; ± is the bootstrap standard error.",
        "",
        "| # | model | SEA average | " + " | ".join(langs) + " |",
        "|---|---|---:|" + "---:|" * len(langs),
    ]
    for rank, row in enumerate(rows, 1):
        cells = [fmt(row["langs"][lang]) for lang in langs]
        lines.append(f"| {rank} | {row['name']} | {fmt(row['sea'])} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## By competency (mean over languages)",
        "",
        "| model | " + " | ".join(comps) + " |",
        "|---|" + "---:|" * len(comps),
    ]
    for row in rows:
        lines.append(f"| {row['name']} | " + " | ".join(fmt(row["comps"][comp], se=False) for comp in comps) + " |")
    lines += ["", "## Runs", "", "| model | protocol | mode | seeds | data | results |", "|---|---|---|---|---|---|"]
    for row in rows:
        config = row["config"]
        lines.append(
            f"| {row['name']} | {config.get('protocol', 'seaforge')} | {config.get('mode', '?')} | "
            f"{config.get('seeds', '?')} | {config.get('data', '?')} | {row['path']} |"
        )
    notes = metric_notes(runs)
    if notes:  # which metric each task was scored with (chrF++ where SEA-HELM uses MetricX-24)
        lines += ["", "## Metrics", "", "| task | metric |", "|---|---|"]
        lines += [f"| {task} | {note} |" for task, note in sorted(notes.items())]
    return "\n".join(lines) + "\n"


def metric_notes(runs: list[dict]) -> dict[str, str]:
    """Task -> what its score is, from the runs' `metric_notes` (SEA-HELM protocol runs)."""
    notes: dict[str, str] = {}
    for run in runs:
        notes.update(run.get("metric_notes") or {})
    return notes


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
    for position, row in enumerate(rows):
        heights = [value(row, group) for group in groups]
        ax.bar(
            [slot + position * width for slot in range(len(groups))],
            [height if height is not None else 0 for height in heights],
            width,
            label=row["name"],
        )
    ax.set_xticks([slot + 0.4 - width / 2 for slot in range(len(groups))], groups)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title)
    ax.set_ylabel("normalized score")
    ax.legend(fontsize=7)
    data = _png(fig)
    plt.close(fig)
    return data


def _heatmap(langs: list[str], rows: list[dict]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = [[(row["langs"][lang] or {}).get("score") for lang in langs] for row in rows]
    clean = [
        [score if score is not None and not math.isnan(score) else float("nan") for score in line] for line in grid
    ]
    fig, ax = plt.subplots(figsize=(max(5, 0.8 * len(langs) + 2), 0.5 * len(rows) + 1.5))
    im = ax.imshow(clean, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(langs)), langs)
    ax.set_yticks(range(len(rows)), [row["name"] for row in rows])
    for line_index, line in enumerate(clean):
        for column, score in enumerate(line):
            if not math.isnan(score):
                ax.text(column, line_index, f"{score:.0f}", ha="center", va="center", color="white", fontsize=8)
    fig.colorbar(im, ax=ax)
    ax.set_title("Normalized score by language")
    data = _png(fig)
    plt.close(fig)
    return data


def render_html(runs: list[dict]) -> str:
    langs, comps, rows = leaderboard_rows(runs)
    charts = [
        (
            "Per language",
            _bars("SEA average by language", langs, rows, lambda row, lang: (row["langs"][lang] or {}).get("score")),
        ),
        (
            "Per competency",
            _bars("Mean over languages by competency", comps, rows, lambda row, comp: row["comps"][comp]),
        ),
        ("Heat map", _heatmap(langs, rows)),
    ]
    head = "".join(f"<th>{html.escape(title)}</th>" for title in ["#", "model", "SEA average", *langs])
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(cell)}</td>"
            for cell in [str(rank), row["name"], fmt(row["sea"]), *[fmt(row["langs"][lang]) for lang in langs]]
        )
        + "</tr>"
        for rank, row in enumerate(rows, 1)
    )
    notes = "".join(
        f"<li><b>{html.escape(task)}</b>: {html.escape(note)}</li>" for task, note in sorted(metric_notes(runs).items())
    )
    notes = f"<h2>Metrics</h2><ul>{notes}</ul>" if notes else ""
    imgs = "".join(
        f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='data:image/png;base64,{png}'>"
        for title, png in charts
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>SEA leaderboard</title>"
        "<style>body{font-family:system-ui,'Noto Sans','Noto Sans Thai','Noto Sans Myanmar',"
        "'Noto Sans Khmer','Noto Sans Lao','Noto Sans Tamil',sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:right}td:nth-child(2){text-align:left}img{max-width:100%}</style></head>"
        f"<body><h1>SEA leaderboard</h1><p>Normalized scores: 0 = random guessing, 100 = "
        f"perfect; ± is the bootstrap standard error.</p><table><tr>{head}</tr>{body}</table>"
        f"{notes}{imgs}</body></html>"
    )


def write_report(runs: list[dict], out_dir: str | Path) -> tuple[Path, Path]:
    """Write leaderboard.md and leaderboard.html into `out_dir` (atomically)."""
    from seaforge.io import atomic_write_text

    out = Path(out_dir)
    paths = []
    for name, text in (("leaderboard.md", render_markdown(runs)), ("leaderboard.html", render_html(runs))):
        atomic_write_text(out / name, text)
        paths.append(out / name)
    return paths[0], paths[1]
