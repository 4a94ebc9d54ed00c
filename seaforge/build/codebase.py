"""Size of the code base per area: Python files and non-blank lines."""

from __future__ import annotations

from pathlib import Path

AREAS = ("text", "data", "tokenizer", "models", "train", "eval", "build")


def _count(files: list[Path]) -> dict[str, int]:
    lines = 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines += sum(1 for line in fh if line.strip())
    return {"files": len(files), "lines": lines}


def _py_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def codebase_size(root: Path | None = None) -> dict[str, dict]:
    """{area: {files, lines}} for each subpackage of the package at `root` (default: seaforge itself).

    Top-level modules count as "core". "tests" is added when a tests/ folder sits beside the package
    in a source checkout (a pyproject.toml there), so an installed copy never counts a stray folder.
    """
    if root is None:
        import seaforge

        root = Path(seaforge.__file__).parent
    root = Path(root)
    packages = {path.parent.name for path in root.glob("*/__init__.py")}
    order = [area for area in AREAS if area in packages] + sorted(packages - set(AREAS))
    sizes = {area: _count(_py_files(root / area)) for area in order}
    sizes["core"] = _count(sorted(root.glob("*.py")))
    tests = root.parent / "tests"
    if tests.is_dir() and (root.parent / "pyproject.toml").exists():
        sizes["tests"] = _count(_py_files(tests))
    return sizes
