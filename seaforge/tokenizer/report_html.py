"""The tokenizer report as one self-contained HTML page: a chart and the tables."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from seaforge.io import atomic_write_text


def _chart_png(report: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = "parity" if report["parallel"] else "fertility"
    langs, results = report["languages"], report["tokenizers"]
    width = 0.8 / max(len(results), 1)
    fig, ax = plt.subplots(figsize=(max(6, len(langs) * 0.7), 3.6), dpi=110)
    for i, result in enumerate(results):
        values = [s[key] or 0.0 for s in result["languages"]]
        ax.bar([x + i * width for x in range(len(langs))], values, width, label=result["name"])
    ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(langs))], langs)
    ax.set_ylabel(f"tokens vs {report['pivot']}" if key == "parity" else "tokens per word")
    if key == "parity":
        ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _table(result: dict, pivot: str) -> str:
    cols = [
        ("lang", "lang", None),
        ("tokens", "tokens", 0),
        ("tok/word", "fertility", 2),
        ("tok/char", "tokens_per_char", 2),
        ("tok/byte", "tokens_per_byte", 3),
        (f"parity vs {pivot}", "parity", 2),
        ("bytes %", "byte_share", 1),
        ("unk %", "unk_share", 1),
        ("≥3 pieces %", "split3_share", 1),
    ]
    head = "".join(f"<th>{html.escape(c[0])}</th>" for c in cols)
    rows = []
    for s in result["languages"]:
        cells = []
        for _, key, digits in cols:
            v = s[key]
            if key.endswith("_share"):
                v = 100 * v
            cells.append(html.escape(str(v)) if digits is None or v is None else f"{v:,.{digits}f}")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    title = html.escape(f"{result['name']} ({result['vocab_size']:,} tokens)")
    return f"<h2>{title}</h2><table><tr>{head}</tr>{''.join(rows)}</table>"


def write_html(report: dict, path: str | Path) -> None:
    """Write the report page atomically (temp file + rename)."""
    png = base64.b64encode(_chart_png(report)).decode()
    tables = "".join(_table(r, report["pivot"]) for r in report["tokenizers"])
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>seaforge tokenizer report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>"
        f"<h1>Tokenizer report</h1><p>Pivot language: {html.escape(report['pivot'])}; "
        f"parallel corpus: {report['parallel']}.</p>"
        f"<img alt='chart' src='data:image/png;base64,{png}'>{tables}</body></html>"
    )
    atomic_write_text(path, page)
