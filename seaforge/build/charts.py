"""Report card charts as PNG bytes (matplotlib's Agg canvas, no pyplot: no global figure state)."""

from __future__ import annotations

import io

from seaforge.build.report import is_number

DPI = 100


def _figure(width: float, height: float, panels: int = 1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(1, panels, index + 1) for index in range(panels)]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _series(rows, key: str) -> tuple[list, list]:
    points = [
        (row["step"], row[key])
        for row in rows or []
        if isinstance(row, dict) and is_number(row.get("step")) and is_number(row.get(key))
    ]
    return [step for step, _ in points], [value for _, value in points]


def loss_chart(build: dict) -> bytes | None:
    """Loss per step, one panel per training stage that logged any."""
    curves = []
    for stage in ("cpt", "sft", "dpo"):
        entry = build.get(stage)
        steps, losses = _series(entry.get("metrics") if isinstance(entry, dict) else None, "loss")
        if steps:
            curves.append((stage, steps, losses))
    if not curves:
        return None
    from matplotlib.ticker import MaxNLocator

    fig, axes = _figure(3.6 * len(curves) + 0.4, 3.0, len(curves))
    for ax, (stage, steps, losses) in zip(axes, curves, strict=True):
        ax.plot(steps, losses, marker="." if len(steps) < 40 else None)
        ax.set_title(f"{stage} loss")
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    return _png(fig)


def heldout_ppl_chart(build: dict) -> bytes | None:
    """The `ppl/<lang>` curves that continued pre-training logged on its held-out sequences."""
    rows = build.get("cpt", {}).get("metrics") if isinstance(build.get("cpt"), dict) else None
    keys = sorted({key for row in rows or [] if isinstance(row, dict) for key in row if key.startswith("ppl/")})
    curves = [(key[4:], *_series(rows, key)) for key in keys]
    curves = [curve for curve in curves if curve[1]]
    if not curves:
        return None
    fig, (ax,) = _figure(6.0, 3.4)
    for lang, steps, values in curves:
        ax.plot(steps, values, marker=".", label=lang)
    ax.set_title("cpt dev perplexity (last training rows per language, kept out of training)")
    ax.set_xlabel("step")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return _png(fig)


def _grouped_bars(title: str, ylabel: str, groups: list[str], series: dict[str, list], errors=None) -> bytes | None:
    """Bars per group, one colour per series; None values leave a gap."""
    if not groups or not any(is_number(value) for values in series.values() for value in values):
        return None
    # Wide enough for the bars, capped so a page shows the chart without scrolling.
    fig, (ax,) = _figure(min(11.0, max(4.5, 0.3 * len(groups) * max(1, len(series)) + 1.5)), 3.4)
    width = 0.8 / max(1, len(series))
    for position, (name, values) in enumerate(series.items()):
        heights = [value if is_number(value) else 0.0 for value in values]
        errs = (errors or {}).get(name)
        errs = [err if is_number(err) else 0.0 for err in errs] if errs else None
        slots = [slot + (position - (len(series) - 1) / 2) * width for slot in range(len(groups))]
        ax.bar(slots, heights, width, yerr=errs, capsize=2 if errs else 0, label=name)
    ax.set_xticks(range(len(groups)), groups)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    return _png(fig)


def bits_per_byte_chart(build: dict) -> bytes | None:
    heldout = (build.get("eval") or {}).get("heldout") or {}
    per_lang = heldout.get("per_language") or {}
    models = list(heldout.get("models") or []) or sorted({m for entry in per_lang.values() for m in entry})
    langs = list(per_lang)
    series = {m: [((per_lang[lang] or {}).get(m) or {}).get("bits_per_byte") for lang in langs] for m in models}
    return _grouped_bars("Held-out bits per byte (lower is better)", "bits per byte", langs, series)


def tasks_chart(build: dict) -> bytes | None:
    runs = (build.get("eval") or {}).get("tasks") or {}
    per_run = {name: ((run or {}).get("aggregate") or {}).get("languages") or {} for name, run in runs.items()}
    langs = sorted({lang for languages in per_run.values() for lang in languages})
    series = {name: [(languages.get(lang) or {}).get("score") for lang in langs] for name, languages in per_run.items()}
    errors = {
        name: [(languages.get(lang) or {}).get("stderr") for lang in langs] for name, languages in per_run.items()
    }
    return _grouped_bars("Eval tasks: language average", "normalized score", langs, series, errors)


def stages_chart(build: dict) -> bytes | None:
    stages = [s for s in build.get("stages") or [] if isinstance(s, dict) and is_number(s.get("seconds"))]
    if not stages:
        return None
    fig, (ax,) = _figure(6.0, 0.3 * len(stages) + 1.2)
    names = [str(stage.get("name")) for stage in stages]
    ax.barh(range(len(stages)), [stage["seconds"] for stage in stages])
    ax.set_yticks(range(len(stages)), names)
    ax.invert_yaxis()  # first stage on top, as in the table
    ax.set_xlabel("seconds")
    ax.set_title("Time per stage")
    return _png(fig)


CHARTS = {
    "loss": loss_chart,
    "cpt_heldout_ppl": heldout_ppl_chart,
    "bits_per_byte": bits_per_byte_chart,
    "tasks": tasks_chart,
    "stages": stages_chart,
}


def make_charts(build: dict) -> dict[str, bytes]:
    """Chart name -> PNG bytes, leaving out charts whose data the build does not have."""
    pngs = {name: draw(build) for name, draw in CHARTS.items()}
    return {name: png for name, png in pngs.items() if png}
