"""``seaforge data report``: a run's summary as rich tables and an HTML page with charts."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seaforge.errors import UserError
from seaforge.io import atomic_write_bytes


def load_summary(out_dir: str | Path) -> dict:
    """The run's ``summary.json`` (re-merged from the task stats if the run was interrupted)."""
    root = Path(out_dir)
    path = root / "summary.json"
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise UserError(
                f"{path}: not a readable summary ({err}); rerun `seaforge data run` to rewrite it"
            ) from None
    if not (root / "logs").is_dir():
        raise UserError(f"{root}: no summary.json and no logs/ (is it a `seaforge data run` output?)")
    from seaforge.data.summary import summarize

    return summarize(root, sorted(p.name for p in (root / "logs").iterdir() if p.is_dir()))


def language_rows(summary: dict) -> list[dict]:
    """One row per language with documents, tokens, drops, dedup rates and mixture shares."""
    mixture = summary.get("mixture") or {}
    rows = []
    for lang, data in sorted(summary["languages"].items()):
        counts = data.get("counts", {})
        mix = mixture.get(lang, {})
        curated = counts.get("curated_docs", 0)
        dropped = sum(data.get("dropped", {}).values())
        if not curated and not dropped:
            continue
        rows.append(
            {
                "lang": lang,
                "dropped": int(dropped),
                "curated": int(curated),
                "final": int(counts.get("final_docs", 0)),
                "exact_rate": data.get("dedup", {}).get("exact_rate", 0.0),
                "near_rate": data.get("dedup", {}).get("near_rate", 0.0),
                "tokens": int(mix.get("tokens_available", 0)),
                "tokens_out": int(mix.get("tokens_out", 0)),
                "target": mix.get("target_share"),
                "achieved": mix.get("achieved_share"),
            }
        )
    return rows


# Drops that say where a document came from or what it repeats, not how good it is: not part
# of a keep rate (they are in the drop-reason table).
NOT_QUALITY = frozenset({"lang_not_target", "exact_duplicate", "near_duplicate", "contaminated"})


def keep_rates(summary: dict) -> tuple[list[dict], list[str]]:
    """Per language: documents the filters judged, the share kept, the share each reason dropped.

    Side by side, these show whether a filter treats languages alike. A language whose keep
    rate is under half the median gets a ``note`` naming the reason that dropped most of it.
    """
    rows, reasons = [], set()
    for lang, data in sorted(summary["languages"].items()):
        drops = {k: int(v) for k, v in data.get("dropped", {}).items() if k not in NOT_QUALITY and v}
        kept = int(data.get("counts", {}).get("curated_docs", 0))
        judged = kept + sum(drops.values())
        if not judged:
            continue
        reasons.update(drops)
        rows.append({"lang": lang, "judged": judged, "kept": kept, "rate": kept / judged, "drops": drops})
    rates = sorted(r["rate"] for r in rows)
    median = rates[len(rates) // 2] if rates else 0.0
    for r in rows:
        r["note"] = ""
        if len(rows) > 1 and r["rate"] < median / 2 and r["drops"]:
            reason, count = max(r["drops"].items(), key=lambda kv: kv[1])
            r["note"] = (
                f"keeps {_pct(r['rate'])} against a median of {_pct(median)}: "
                f"{reason} dropped {_pct(count / r['judged'])}"
            )
    order = sorted(reasons, key=lambda k: -sum(r["drops"].get(k, 0) for r in rows))
    return rows, order


def _keep_table(summary: dict, max_reasons: int = 6) -> Table:
    rows, reasons = keep_rates(summary)
    shown = reasons[:max_reasons]
    table = Table(title="Keep rate by language (share of the documents the filters judged)")
    for col in ("lang", "judged", "kept", *shown, *(["other"] if len(reasons) > len(shown) else [])):
        # spaced, so a narrow terminal wraps "too few words" instead of cutting it to "too_few…"
        table.add_column(col.replace("_", " "), justify="left" if col == "lang" else "right")
    for r in rows:
        cells = [_pct(r["drops"].get(k, 0) / r["judged"]) if r["drops"].get(k) else "-" for k in shown]
        if len(reasons) > len(shown):
            other = sum(v for k, v in r["drops"].items() if k not in shown)
            cells.append(_pct(other / r["judged"]) if other else "-")
        table.add_row(r["lang"], str(r["judged"]), _pct(r["rate"]), *cells)
    return table


def _human(n: int) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def print_report(summary: dict, console: Console | None = None) -> None:
    """Print the overview, the per-language table and drop reasons."""
    console = console or Console()
    skipped = summary.get("skipped_input", {})
    console.print(
        f"[bold]{summary['output']}[/bold]: {int(summary.get('documents_read', 0))} documents read, "
        f"{int(sum(skipped.values()))} malformed records skipped "
        f"({', '.join(f'{k} {int(v)}' for k, v in skipped.items()) or 'none'})"
    )
    rows = language_rows(summary)
    table = Table(title="Per language")
    for col in ("lang", "filtered", "kept", "exact", "near", "final", "tokens", "packed", "target", "got"):
        table.add_column(col, justify="left" if col == "lang" else "right")
    for r in rows:
        table.add_row(
            r["lang"],
            str(r["dropped"]),
            str(r["curated"]),
            _pct(r["exact_rate"]),
            _pct(r["near_rate"]),
            str(r["final"]),
            _human(r["tokens"]),
            _human(r["tokens_out"]),
            _pct(r["target"]),
            _pct(r["achieved"]),
        )
    console.print(
        "filtered/kept: documents dropped/kept by language ID and filters; exact/near: share "
        "removed as duplicates; tokens: after dedup, weighted by upsampling; packed: in the mixture"
    )
    console.print(table)
    drops = Table(title="Documents dropped, by reason")
    drops.add_column("reason")
    drops.add_column("documents", justify="right")
    drops.add_column("top languages")
    by_reason: dict[str, list[tuple[str, float]]] = {}
    for lang, data in summary["languages"].items():
        for reason, count in data.get("dropped", {}).items():
            by_reason.setdefault(reason, []).append((lang, count))
        counts = data.get("counts", {})
        curated, exact, final = (counts.get(f"{k}_docs", 0) for k in ("curated", "after_exact", "final"))
        by_reason.setdefault("exact_duplicate", []).append((lang, curated - exact))
        by_reason.setdefault("near_duplicate", []).append((lang, exact - final))
    for reason, count in sorted(summary.get("dropped", {}).items(), key=lambda kv: -kv[1]):
        top = sorted(by_reason.get(reason, []), key=lambda kv: -kv[1])[:4]
        drops.add_row(reason, str(int(count)), ", ".join(f"{lang} {int(n)}" for lang, n in top))
    console.print(drops)
    console.print(_keep_table(summary))
    for r in keep_rates(summary)[0]:
        if r["note"]:
            console.print(f"[yellow]{r['lang']}[/yellow]: {r['note']}")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _charts(rows: list[dict], drops: dict, summary: dict) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    langs = [r["lang"] for r in rows]
    charts = []
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(langs, [r["curated"] for r in rows], label="after filters")
    ax.bar(langs, [r["final"] for r in rows], label="after dedup")
    ax.set_ylabel("documents")
    ax.legend()
    charts.append(("Documents per language", _png(fig)))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    x = range(len(langs))
    ax.bar([i - 0.2 for i in x], [100 * r["exact_rate"] for r in rows], width=0.4, label="exact")
    ax.bar([i + 0.2 for i in x], [100 * r["near_rate"] for r in rows], width=0.4, label="near (MinHash)")
    ax.set_xticks(list(x), langs)
    ax.set_ylabel("% removed")
    ax.legend()
    charts.append(("Deduplication rate per language", _png(fig)))
    if any(r["target"] is not None for r in rows):
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.bar([i - 0.2 for i in x], [100 * (r["target"] or 0) for r in rows], width=0.4, label="target")
        ax.bar([i + 0.2 for i in x], [100 * (r["achieved"] or 0) for r in rows], width=0.4, label="achieved")
        ax.set_xticks(list(x), langs)
        ax.set_ylabel("% of tokens")
        ax.legend()
        charts.append(("Training mixture", _png(fig)))
    if drops:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        items = sorted(drops.items(), key=lambda kv: kv[1])
        ax.barh([k for k, _ in items], [v for _, v in items])
        ax.set_xlabel("documents")
        charts.append(("Drop reasons", _png(fig)))
    keep, reasons = keep_rates(summary)
    if keep:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        x = range(len(keep))
        bottom = [100 * r["rate"] for r in keep]
        ax.bar(x, bottom, label="kept", color="#2a9d8f")
        for reason in reasons[:6]:
            share = [100 * r["drops"].get(reason, 0) / r["judged"] for r in keep]
            ax.bar(x, share, bottom=bottom, label=reason)
            bottom = [b + v for b, v in zip(bottom, share)]
        ax.set_xticks(list(x), [r["lang"] for r in keep])
        ax.set_ylabel("% of documents judged")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
        charts.append(("Keep rate and drop reasons by language", _png(fig)))
    plt.close("all")
    return charts


def write_html(summary: dict, path: str | Path) -> Path:
    """A self-contained HTML page (charts embedded as PNG) next to the run."""
    rows = language_rows(summary)
    head = [
        "lang",
        "dropped",
        "curated",
        "exact dup",
        "near dup",
        "final docs",
        "tokens",
        "tokens out",
        "target",
        "achieved",
    ]
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                r["lang"],
                r["dropped"],
                r["curated"],
                _pct(r["exact_rate"]),
                _pct(r["near_rate"]),
                r["final"],
                f"{r['tokens']:,}",
                f"{r['tokens_out']:,}",
                _pct(r["target"]),
                _pct(r["achieved"]),
            )
        )
        + "</tr>"
        for r in rows
    )
    charts = "".join(
        f"<h2>{html.escape(title)}</h2><img src='data:image/png;base64,{data}'>"
        for title, data in _charts(rows, summary.get("dropped", {}), summary)
    )
    keep, reasons = keep_rates(summary)
    keep_head = "".join(f"<th>{html.escape(h)}</th>" for h in ("lang", "judged", "kept", *reasons, "note"))
    keep_body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                r["lang"],
                r["judged"],
                _pct(r["rate"]),
                *(_pct(r["drops"][k] / r["judged"]) if r["drops"].get(k) else "-" for k in reasons),
                r["note"],
            )
        )
        + "</tr>"
        for r in keep
    )
    keep_table = f"<h2>Keep rate by language</h2><table><tr>{keep_head}</tr>{keep_body}</table>" if keep else ""
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>seaforge data report</title>"
        f"<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;text-align:right}}"
        f"table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>"
        f"<h1>Corpus report: {html.escape(summary['output'])}</h1>"
        f"<p>{int(summary.get('documents_read', 0))} documents read; malformed records skipped: "
        f"{html.escape(json.dumps(summary.get('skipped_input', {})))}</p>"
        f"<table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{body}</table>{keep_table}{charts}</body></html>"
    )
    path = Path(path)
    atomic_write_bytes(path, lambda fh: fh.write(page.encode()))
    return path
