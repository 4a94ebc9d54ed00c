"""The build's report card as Markdown (the content comes from `seaforge.build.report.sections`)."""

from __future__ import annotations

import re

from seaforge.build.report import Code, Image, KeyValues, Para, Table, percent_change, sections, title, write_report

__all__ = ["percent_change", "render_markdown", "render_sections", "write_report"]

# Characters that Markdown would read as markup or raw HTML; "_" only where it could start emphasis.
_SPECIAL = re.compile(r"[\\`*|<\[\]]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|^[>#]")


def escape(value: str) -> str:
    """Backslash-escape markup so that text from the build (e.g. generations) shows as written."""
    return _SPECIAL.sub(lambda match: "\\" + match.group(0), value)  # a leading > or # would quote or head


def _cell(value: str) -> str:
    return "<br>".join(escape(line) for line in value.splitlines()) or " "


def _table(block: Table) -> list[str]:
    aligns = ["---" if column < block.left else "---:" for column in range(len(block.headers))]
    lines = ["| " + " | ".join(_cell(header) for header in block.headers) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in block.rows]
    return lines


def _code(block: Code) -> list[str]:
    # A fence longer than any backtick run inside, so recipe text cannot close it early.
    longest = max((len(run) for run in re.findall(r"`+", block.text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + block.lang, block.text, fence]


def _block(block, charts: dict[str, str]) -> list[str]:
    if isinstance(block, Para):
        return [" ".join(escape(line) for line in block.text.splitlines())]
    if isinstance(block, KeyValues):
        return [f"- **{escape(key)}**: {escape(value)}" for key, value in block.items]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Code):
        return _code(block)
    if isinstance(block, Image):
        return [f"![{escape(block.caption)}]({charts[block.chart]})"]
    raise TypeError(f"unknown report block {block!r}")


def render_markdown(build: dict, charts: dict[str, str]) -> str:
    """The report card; `charts` maps chart name -> relative PNG path (e.g. "report/loss.png")."""
    lines = [f"# {escape(title(build))}"]
    for section in sections(build, set(charts)):
        lines += ["", f"## {escape(section.title)}"]
        for block in section.blocks:
            lines += ["", *_block(block, charts)]
    return "\n".join(lines) + "\n"


def render_sections(build: dict, titles: tuple[str, ...], level: int = 2) -> str:
    """The named sections of the report card as Markdown, without charts (for the model card)."""
    lines: list[str] = []
    for section in sections(build):
        if section.title in titles:
            lines += ["", f"{'#' * level} {escape(section.title)}"]
            for block in section.blocks:
                if not isinstance(block, Image):
                    lines += ["", *_block(block, {})]
    return "\n".join(lines).strip() + "\n"
