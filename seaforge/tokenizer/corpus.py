"""Read the text a tokenizer report or extension runs on, grouped by language.

Accepted inputs (mix freely):
- `path/tha.txt`: one text per non-empty line; the language is the file name (any code
  `seaforge.text.languages.resolve` knows: `tha`, `th`, `fil`...). Line numbers are the ids, so
  line-aligned files in several languages (like UDHR) are parallel. A line that is not valid
  UTF-8 is skipped and listed, like a bad JSONL record.
- `th=path/any.txt`: the same with the language given explicitly.
- `path/x.jsonl`: records with `lang` and `text`, and optionally `id` to align translations.
- a folder: every `*.txt` and `*.jsonl` in it.
- `sample`: the small parallel sample bundled with seaforge (our own sentences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from seaforge.errors import UserError
from seaforge.io import iter_jsonl
from seaforge.text.languages import resolve

SAMPLE = "sample"


class CorpusError(UserError, ValueError):
    """A corpus argument that names nothing readable (ValueError kept for older callers)."""


@dataclass
class Corpus:
    """Texts per language, with ids that say which texts are translations of each other."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    ids: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # "file:line: reason" for each bad record

    def add(self, lang: str, text: str, item_id: str) -> None:
        self.texts.setdefault(lang, []).append(text)
        self.ids.setdefault(lang, []).append(item_id)

    @property
    def parallel(self) -> bool:
        """True when every language has the same ids, so token counts compare like for like."""
        id_sets = [sorted(v) for v in self.ids.values()]
        return len(id_sets) > 1 and all(s == id_sets[0] for s in id_sets)

    def chars(self) -> int:
        return sum(len(t) for texts in self.texts.values() for t in texts)


def _lang_of(name: str, where: str) -> str:
    try:
        return resolve(name)
    except KeyError as err:
        raise CorpusError(f"{where}: {err}") from None


def _read_txt(path: Path, lang: str, corpus: Corpus) -> None:
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                corpus.skipped.append(f"{path}:{lineno}: invalid UTF-8 at byte {err.start}")
                continue
            if line.strip():
                corpus.add(lang, line, str(lineno))


def _read_jsonl(path: Path, corpus: Corpus) -> None:
    for line in iter_jsonl(path):
        record, where = line.record, f"{path}:{line.lineno}"
        if line.error:
            corpus.skipped.append(line.error)
            continue
        if not isinstance(record.get("text"), str):
            corpus.skipped.append(f"{where}: field 'text' is missing or not a string")
            continue
        try:
            lang = resolve(str(record.get("lang", "")))
        except KeyError:
            corpus.skipped.append(f"{where}: field 'lang' {record.get('lang')!r} is not a known code")
            continue
        corpus.add(lang, record["text"], str(record.get("id", f"{path.name}:{line.lineno}")))


def sample_path() -> Path:
    """The bundled parallel sample (JSON Lines, our own sentences in 12 languages)."""
    return Path(str(resources.files("seaforge.tokenizer") / "data" / "parallel_sample.jsonl"))


def read_corpus(specs: list[str]) -> Corpus:
    """Read every input in `specs` into one `Corpus`; bad records are skipped and listed."""
    corpus = Corpus()
    for spec in specs:
        lang = None
        if "=" in spec and not Path(spec).exists():
            lang, spec = spec.split("=", 1)
            lang = _lang_of(lang, spec)
        path = sample_path() if spec == SAMPLE else Path(spec).expanduser()
        if not path.exists():
            raise CorpusError(f"{path}: no such file or folder")
        files = sorted(p for p in path.iterdir() if p.suffix in (".txt", ".jsonl")) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".jsonl":
                _read_jsonl(file, corpus)
            else:
                _read_txt(file, lang or _lang_of(file.stem, str(file)), corpus)
    if not corpus.texts:
        raise CorpusError(f"no text found in {', '.join(specs)}")
    return corpus
