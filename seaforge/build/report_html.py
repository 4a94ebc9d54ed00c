"""The build's report card as one self-contained HTML page: inline CSS, charts as data URIs."""

from __future__ import annotations

import base64
from html import escape

from seaforge.build.report import Code, Image, KeyValues, Para, Table, sections, title

_CSS = (
    "body{font-family:system-ui,'Noto Sans','Noto Sans Thai','Noto Sans Myanmar','Noto Sans Khmer',"
    "'Noto Sans Lao','Noto Sans Tamil',sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}"
    "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "pre{background:#f6f6f6;padding:.8em;overflow-x:auto}img{max-width:100%}h2{border-bottom:1px solid #ddd}"
)


def _cell(value: str, tag: str, numeric: bool) -> str:
    css = " class='n'" if numeric else ""
    return f"<{tag}{css}>" + "<br>".join(escape(line) for line in value.splitlines()) + f"</{tag}>"


def _table(block: Table) -> str:
    head = "".join(_cell(header, "th", False) for header in block.headers)
    body = "".join(
        "<tr>" + "".join(_cell(cell, "td", column >= block.left) for column, cell in enumerate(row)) + "</tr>"
        for row in block.rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _block(block, pngs: dict[str, bytes]) -> str:
    if isinstance(block, Para):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, KeyValues):
        return "<ul>" + "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Code):
        return f"<pre><code>{escape(block.text)}</code></pre>"
    if isinstance(block, Image):
        data = base64.b64encode(pngs[block.chart]).decode("ascii")
        return f"<figure><img alt='{escape(block.caption)}' src='data:image/png;base64,{data}'></figure>"
    raise TypeError(f"unknown report block {block!r}")


def render_html(build: dict, pngs: dict[str, bytes]) -> str:
    """The report card as HTML; `pngs` maps chart name -> PNG bytes (embedded, nothing is linked)."""
    name = escape(title(build))
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{name}</title>",
        f"<style>{_CSS}</style></head><body><h1>{name}</h1>",
    ]
    for section in sections(build, set(pngs)):
        parts.append(f"<section><h2>{escape(section.title)}</h2>")
        parts += [_block(block, pngs) for block in section.blocks]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
