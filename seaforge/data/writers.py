"""Gzip files with the same bytes on every run.

A gzip header holds the time it was written (and the file name), so two runs of one recipe gave
different ``.jsonl.gz`` bytes for the same documents: checksums, ``rsync -c`` and "did anything
change?" diffs all saw a change. Every ``.gz`` the engine writes goes through ``open_gzip``:
mtime 0 and no file name in the header.
"""

from __future__ import annotations

import gzip
import os

from datatrove.io import OutputFileManager
from datatrove.pipeline.writers import JsonlWriter as _DatatroveJsonlWriter


class _OwningGzipFile(gzip.GzipFile):
    """A GzipFile over an open file object that closes that file too (GzipFile leaves it open)."""

    def close(self):
        raw = self.fileobj
        try:
            super().close()
        finally:
            if raw is not None:
                raw.close()


def open_gzip(raw, compresslevel: int = 9) -> gzip.GzipFile:
    """Wrap ``raw`` (a binary file open for writing; closed with the result) in a gzip stream
    whose header is the same on every run."""
    return _OwningGzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel)


def write_gzip(path: str | os.PathLike) -> gzip.GzipFile:
    """``gzip.open(path, "wb")`` with a reproducible header."""
    return open_gzip(open(path, "wb"))


class _ReproducibleFiles(OutputFileManager):
    """datatrove's output file manager, opening ``.gz`` files through ``open_gzip``."""

    def get_file(self, filename):
        if filename not in self._output_files and filename.endswith(".gz"):
            self._output_files[filename] = open_gzip(self.fs.open(filename, mode="wb"))
        return super().get_file(filename)


class JsonlWriter(_DatatroveJsonlWriter):
    """datatrove's JsonlWriter, with gzip output that is byte-identical across runs."""

    def __init__(self, output_folder, output_filename: str | None = None, **kwargs):
        super().__init__(output_folder, output_filename=output_filename, **kwargs)
        if self.compression in ("gzip", "infer"):
            # "infer" with a .gz name and "gzip" both mean gzip; anything else keeps datatrove's way
            self.output_mg = _ReproducibleFiles(self.output_folder, mode="wb", compression=self.compression)
