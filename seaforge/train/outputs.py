"""Checks on an output folder before any work: writable, and not one of the command's inputs.

``merge`` and ``merge-lora`` replace their output folder whole, so an output that is an input, lies
inside one, or contains one would destroy that input: refuse before a tensor is read.
"""

from __future__ import annotations

from pathlib import Path

from seaforge.errors import UserError
from seaforge.io import check_writable


class OutputOverlapError(UserError):
    """The output folder would replace (part of) an input."""


def check_output(out: str | Path, inputs: dict[str, str | Path]) -> Path:
    """Fail unless ``out`` can be written and is apart from every local input (``{what: path}``;
    hub ids, which are not local paths, are skipped). Paths are compared after resolving links."""
    out_path = Path(out).resolve()
    for what, ref in inputs.items():
        source = Path(ref).expanduser()
        if not source.exists():
            continue
        source = source.resolve()
        if out_path == source:
            relation = "the same path as"
        elif source in out_path.parents:
            relation = "inside"
        elif out_path in source.parents:
            relation = "a folder that holds"
        else:
            continue
        raise OutputOverlapError(
            f"{out}: the output is {relation} the input {what} ({ref}); "
            "writing it would destroy that input, choose another output path"
        )
    check_writable(out)
    return Path(out)
