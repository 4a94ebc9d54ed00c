"""The text a vocabulary trim keeps tokens for, split into selection and held-out parts.

Input: a JSON Lines file (`text`, optional `lang`, optional `split`: "heldout" lines are only
measured, never selected from), a .txt file (one text per line; a file named
after a language, like `tha.txt`, is in that language), or a folder of both. Records without a
`lang` get one from seaforge's language ID. Without a corpus, the sentences bundled with seaforge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from seaforge.errors import UserError
from seaforge.io import iter_jsonl
from seaforge.text.languages import UnknownLanguage, resolve

# Every 10th text per language is held out: the fallback share is measured on text the trim
# never saw, so it predicts what happens on new text rather than restating the selection.
HOLDOUT_EVERY = 10


@dataclass
class TrimCorpus:
    """Texts per language for token selection and for the held-out fallback measurement."""

    selection: dict[str, list[str]] = field(default_factory=dict)
    held_out: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # "FILE:LINE: reason"
    sources: list[str] = field(default_factory=list)

    def add(self, lang: str, text: str) -> None:
        seen = len(self.selection.get(lang, [])) + len(self.held_out.get(lang, []))
        part = self.held_out if seen % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else self.selection
        part.setdefault(lang, []).append(text)

    def add_held_out(self, lang: str, text: str) -> None:
        """A text its source already marks as held out (`"split": "heldout"`)."""
        self.held_out.setdefault(lang, []).append(text)


def bundled_corpus_files() -> list[Path]:
    """The text shipped in the package (written by the seaforge authors): prose paragraphs in 13
    languages, the sample sentences and the parallel sample."""
    from seaforge.data.bundled import bundled_files

    return [
        *bundled_files("prose"),
        Path(str(resources.files("seaforge.text") / "data" / "samples.jsonl")),
        Path(str(resources.files("seaforge.tokenizer") / "data" / "parallel_sample.jsonl")),
    ]


def _corpus_files(path: Path) -> list[Path]:
    if not path.exists():
        raise UserError(f"--corpus {path}: no such file or folder")
    if path.is_file():
        if path.suffix not in (".jsonl", ".txt"):
            raise UserError(f"--corpus {path}: expected a .jsonl or .txt file or a folder of them")
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".txt"))
    if not files:
        raise UserError(f"--corpus {path}: the folder holds no .jsonl or .txt files")
    return files


def _file_language(path: Path) -> str | None:
    try:
        return resolve(path.stem)
    except UnknownLanguage:
        return None


def _read_lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not valid UTF-8") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def read_trim_corpus(corpus: str | Path | None) -> TrimCorpus:
    """Read texts with their languages; unlabelled texts are labelled by language ID in one batch."""
    from seaforge.text.langid import detect_batch

    files = bundled_corpus_files() if corpus is None else _corpus_files(Path(corpus).expanduser())
    out = TrimCorpus(sources=[str(f) for f in files])
    labelled: list[tuple[str | None, str, bool]] = []  # (lang, text, held out by its source)
    for path in files:
        if path.suffix == ".txt":
            lang = _file_language(path)
            labelled.extend((lang, line, False) for _, line in _read_lines(path))
            continue
        for line in iter_jsonl(path):
            if line.error:
                out.skipped.append(line.error)
                continue
            text = line.record.get("text")
            if not isinstance(text, str) or not text.strip():
                out.skipped.append(f"{path}:{line.lineno}: field 'text' is missing, empty or not a string")
                continue
            lang = line.record.get("lang")
            try:
                held_out = line.record.get("split") == "heldout"
                labelled.append((resolve(str(lang)) if lang else None, text, held_out))
            except UnknownLanguage:
                out.skipped.append(f"{path}:{line.lineno}: field 'lang' {lang!r} is not a known language")
    unlabelled = [text for lang, text, _ in labelled if lang is None]
    detected = iter(d.lang for d in detect_batch(unlabelled)) if unlabelled else iter(())
    for lang, text, held_out in labelled:
        (out.add_held_out if held_out else out.add)(lang or next(detected), text)
    if not out.selection:
        raise UserError(f"--corpus {corpus}: no usable text found" if corpus else "bundled corpus is empty")
    return out
