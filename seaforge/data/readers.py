"""Readers for every input a recipe can name: JSONL(.gz), Parquet, text folders, WET, WARC, HF datasets.

datatrove's readers do the sharding across tasks; ours add what real dumps need: a bad record
(broken JSON, invalid UTF-8, no text field, empty or oversized text) is counted by reason and
logged with its file and line, and the run goes on.
"""

from __future__ import annotations

import gzip
import lzma
import zlib

from datatrove.pipeline.readers import (
    HuggingFaceDatasetReader,
    JsonlReader,
    ParquetReader,
    WarcReader,
)
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.utils.logging import logger

from seaforge.io import iter_jsonl

MAX_DOC_CHARS = 1_000_000  # ~1-4 MB of UTF-8: longer "documents" are dumps, logs or base64 blobs
# Files a reader picks from its folder when the input gives no glob (None: every file).
DEFAULT_GLOBS = {"parquet": "**/*.parquet", "text": "**/*.txt", "wet": "**/*.warc.wet*"}


def input_glob(kind: str, glob: str | None) -> str | None:
    """The glob pattern the reader of an input of type ``kind`` lists its folder with."""
    return glob or DEFAULT_GLOBS.get(kind)


class _SafeDocs:
    """Mixin: validate each record's text, count and log skips with their source position."""

    max_doc_chars: int = MAX_DOC_CHARS
    relative_file_path: bool = False  # record file_path relative to the input folder (make_reader sets it)

    def _skip_record(self, reason: str, where: str) -> None:
        self.stat_update(f"skipped_{reason}")
        logger.warning(f"skipping record at {where}: {reason.replace('_', ' ')}")

    def get_document_from_dict(self, data: dict, source_file: str, id_in_file):
        where = f"{source_file}:{id_in_file + 1 if isinstance(id_in_file, int) else id_in_file}"
        text = data.get(self.text_key)
        if not isinstance(text, str):
            self._skip_record("missing_text", where)
            return None
        if not text.strip():
            self._skip_record("empty_text", where)
            return None
        if len(text) > self.max_doc_chars:
            self._skip_record("too_large", where)
            return None
        document = super().get_document_from_dict(data, source_file, id_in_file)
        if document is not None and self.relative_file_path:
            # datatrove records the absolute path, which differs between machines and checkouts
            # and so made the same recipe's output differ; relative to the input it does not.
            document.metadata.setdefault("file_path", source_file)
        return document


def _broken_stream_errors() -> tuple[type[BaseException], ...]:
    """What a decompressor raises on a cut or corrupt file (not I/O errors: those stop the run)."""
    errors: list[type[BaseException]] = [EOFError, gzip.BadGzipFile, zlib.error, lzma.LZMAError]
    try:
        import zstandard

        errors.append(zstandard.ZstdError)
    except ImportError:
        pass
    return tuple(errors)


BROKEN_STREAM = _broken_stream_errors()
BAD_FILE_LABEL = "bad_file:"  # + "<reason>:<file>"; summary.py lists these as files, not languages


def broken_file_reason(err: BaseException) -> str:
    """``truncated_file`` (the stream ends early: a cut download or copy) or ``corrupt_file``."""
    return "truncated_file" if isinstance(err, EOFError) else "corrupt_file"


class SafeJsonlReader(_SafeDocs, JsonlReader):
    """JSONL/JSONL.gz/.zst reader that survives malformed lines (reads bytes, decodes per line),
    and truncated or corrupt compressed files (keeps the records before the damage, counts the
    file as ``skipped_truncated_file``/``skipped_corrupt_file``, and goes on with the next)."""

    name = "🐿 Jsonl (safe)"

    def read_file(self, filepath: str):
        lineno = 0
        try:
            with self.data_folder.open(filepath, "rb", compression=self.compression) as fh:
                for line in iter_jsonl(fh, name=filepath):
                    lineno = line.lineno
                    if line.error is not None:
                        self._skip_record(line.kind, f"{filepath}:{line.lineno}")
                        continue
                    with self.track_time():
                        document = self.get_document_from_dict(line.record, filepath, line.lineno - 1)
                    if document:
                        yield document
        except BROKEN_STREAM as err:
            reason = broken_file_reason(err)
            self.stat_update(f"skipped_{reason}")
            self.stat_update(f"{BAD_FILE_LABEL}{reason}:{filepath}")  # summary.json names the file
            logger.warning(
                f"skipping the rest of {filepath}: {reason.replace('_', ' ')} ({type(err).__name__}: {err}); "
                f"kept what was read before it ({lineno} lines)"
            )


class SafeParquetReader(_SafeDocs, ParquetReader):
    name = "📒 Parquet (safe)"


class SafeWarcReader(_SafeDocs, WarcReader):
    """WARC HTML responses (datatrove's reader; needs faust-cchardet, python-magic, and an extractor)."""

    name = "🕷 Warc (safe)"


class WetReader(_SafeDocs, BaseDiskReader):
    """Common Crawl WET files: the plain-text "conversion" records, read with warcio.

    Our own reader because datatrove's WarcReader needs libmagic and cchardet just to accept
    text that is already extracted and UTF-8.
    """

    name = "🕸 WET"
    _requires_dependencies = ["warcio"]

    def read_file(self, filepath: str):
        from warcio.archiveiterator import ArchiveIterator

        with self.data_folder.open(filepath, "rb") as fh:
            for i, record in enumerate(ArchiveIterator(fh)):
                if record.rec_type != "conversion":
                    continue
                where = f"{filepath} record {i}"
                try:
                    text = record.content_stream().read().decode("utf-8")
                except UnicodeDecodeError:
                    self._skip_record("invalid_utf8", where)
                    continue
                headers = record.rec_headers
                data = {
                    "text": text,
                    "id": headers.get_header("WARC-Record-ID") or where,
                    "url": headers.get_header("WARC-Target-URI"),
                    "date": headers.get_header("WARC-Date"),
                }
                document = self.get_document_from_dict(data, filepath, i)
                if document:
                    yield document


class SafeHFReader(_SafeDocs, HuggingFaceDatasetReader):
    name = "🤗 HF dataset (safe)"


class TextFolderReader(_SafeDocs, BaseDiskReader):
    """Each ``.txt`` file is one document; its id is the relative path."""

    name = "📄 Text folder"

    def read_file(self, filepath: str):
        with self.data_folder.open(filepath, "rb") as fh:
            raw = fh.read()
        try:
            text = raw.decode("utf-8-sig")  # drops a byte order mark (Windows editors write one)
        except UnicodeDecodeError as err:
            self._skip_record("invalid_utf8", f"{filepath} (byte {err.start})")
            return
        document = self.get_document_from_dict({"text": text, "id": filepath}, filepath, 0)
        if document:
            yield document


def _listed(path: str, glob: str | None, max_files: int) -> list[tuple[str, str]]:
    """(name for messages, full path) of the first files the reader of ``path`` would read."""
    from pathlib import Path

    from datatrove.io import DataFolder

    if Path(path).is_file():
        return [(Path(path).name, path)]
    folder = DataFolder(path)
    return [
        (rel, folder.resolve_paths(rel)) for rel in folder.list_files(glob_pattern=glob, recursive=True)[:max_files]
    ]


def first_records(path: str, glob: str | None = None, limit: int = 100, max_files: int = 3) -> tuple[list, int]:
    """Up to ``limit`` lines from the first files of a JSONL input, for checks before a run:
    ([(file, record), ...] for the lines that parse, the number of lines that do not). Unreadable
    files are passed over (the run counts them)."""
    from fsspec import open as fs_open

    records: list[tuple[str, dict]] = []
    bad = 0
    for name, full in _listed(path, glob, max_files):
        try:
            with fs_open(full, "rb", compression="infer") as fh:
                for line in iter_jsonl(fh, name=name):
                    if line.record is not None:
                        records.append((name, line.record))
                    else:
                        bad += 1
                    if len(records) + bad >= limit:
                        return records, bad
        except (*BROKEN_STREAM, OSError, ValueError, ImportError):
            continue  # a truncated, corrupt or unsupported file: reported when it is read
    return records, bad


def first_parquet_columns(path: str, glob: str | None) -> tuple[str, list[str]] | None:
    """(file, column names) of the first Parquet file of an input, from its footer only."""
    import pyarrow.parquet as pq

    for name, full in _listed(path, input_glob("parquet", glob), 1):
        try:
            return name, list(pq.read_schema(full).names)
        except (OSError, ValueError):
            return None  # not a Parquet file after all: the reader reports it
    return None


def make_reader(
    kind: str,
    path: str,
    text_key: str = "text",
    id_key: str = "id",
    glob: str | None = None,
    metadata: dict | None = None,
    max_doc_chars: int = MAX_DOC_CHARS,
    **options,
):
    """The reader for one recipe input. ``kind``: jsonl, parquet, text, wet, warc, hf."""
    common = dict(text_key=text_key, id_key=id_key, default_metadata=metadata or {})
    pattern = input_glob(kind, glob)
    if kind == "jsonl":
        reader = SafeJsonlReader(path, glob_pattern=pattern, **common)
    elif kind == "parquet":
        reader = SafeParquetReader(path, glob_pattern=pattern, **common)
    elif kind == "text":
        reader = TextFolderReader(path, glob_pattern=pattern, **common)
    elif kind == "wet":
        reader = WetReader(path, glob_pattern=pattern, **common)
    elif kind == "warc":
        reader = SafeWarcReader(path, glob_pattern=pattern, **common)
    elif kind == "hf":
        # `path` is a dataset name on the Hub (or a local dataset dir with options.load_from_disk).
        reader = SafeHFReader(
            path,
            dataset_options=options.pop("dataset_options", {"split": "train"}),
            streaming=options.pop("streaming", True),
            **options,
            **common,
        )
    else:
        raise ValueError(f"unknown input type {kind!r}; known: jsonl, parquet, text, wet, warc, hf")
    reader.max_doc_chars = max_doc_chars
    if kind != "hf":
        reader.add_file_path, reader.relative_file_path = False, True
    return reader
