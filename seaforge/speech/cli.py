"""`seaforge speech ...`: transcribe recordings from the command line."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from seaforge.errors import UserError

app = typer.Typer(no_args_is_help=True, help="Speech recognition with Whisper, language choice checked by text LID.")
console = Console(emoji=False, highlight=False, soft_wrap=True)
err_console = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)

FORMAT_CHOICES = ("segments", "text", "json", "verbose_json", "srt", "vtt")


def _languages_option(value: str | None) -> list[str] | None:
    """--languages "id,ms,vi" as a checked list of codes, before any audio is read."""
    from seaforge.speech.langpick import resolve_speech_lang

    if not value:
        return None
    codes = [code.strip() for code in value.split(",") if code.strip()]
    try:
        return [resolve_speech_lang(code) for code in codes]
    except UserError as err:
        raise UserError(f"--languages: {err}") from None


def transcript_record(file: str, transcript) -> dict:
    """The JSON line for one file: file, text, lang and segments first, then how the language was chosen."""
    return {
        "file": file,
        "text": transcript.text,
        "lang": transcript.lang,
        "segments": [asdict(s) for s in transcript.segments],
        "lang_prob": transcript.lang_prob,
        "lang_reason": transcript.lang_reason,
        "candidates": transcript.candidates,
        "duration": transcript.duration,
        "task": transcript.task,
    }


def _done_files(out: Path) -> set[str]:
    """Files a killed earlier run already wrote to `out` (a torn last line is ignored and redone)."""
    from seaforge.io import iter_jsonl

    if not out.is_file():
        return set()
    return {line.record["file"] for line in iter_jsonl(out) if line.record and "error" not in line.record}


def _append_line(out: Path, record: dict) -> None:
    """One line, flushed to disk, so a kill loses at most the file being transcribed."""
    with open(out, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _show(file: str, transcript, fmt: str) -> None:
    from seaforge.speech.formats import render

    if fmt == "segments":
        err_console.print(
            f"[bold]{escape(file)}[/]: {transcript.lang} (p {transcript.lang_prob:.2f}, "
            f"{transcript.duration:.1f} s) - {escape(transcript.lang_reason)}"
        )
        for seg in transcript.segments:
            console.print(f"[{seg.start:7.2f} -> {seg.end:7.2f}] {escape(seg.text)}")
        return
    rendered = render(transcript, fmt)
    typer.echo(json.dumps(rendered, ensure_ascii=False) if isinstance(rendered, dict) else rendered)


def _progress(files: list[Path]):
    """The files, with a progress bar on stderr when there are several."""
    if len(files) < 2:
        yield from files
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("transcribing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("files", total=len(files))
        for file in files:
            yield file
            bar.advance(task)


@app.command("transcribe")
def transcribe_cmd(
    files: list[Path] = typer.Argument(..., help="Audio files (wav, flac, mp3, ogg, m4a ... anything ffmpeg reads)."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="Force this language (e.g. id, ms, th)."),
    languages: str | None = typer.Option(
        None, "--languages", help="Only detect among these, comma-separated (e.g. id,ms,en): what you expect."
    ),
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON line per file: file, text, lang, segments, ..."),
    out: Path | None = typer.Option(
        None, "--out", help="Append the JSON lines to this file; a rerun skips files already in it."
    ),
    fmt: str = typer.Option("segments", "--format", help=f"Output without --jsonl: {', '.join(FORMAT_CHOICES)}."),
    model: str = typer.Option("whisper-base", "--model", help="Registered name, CTranslate2 folder or hub id."),
    compute_type: str = typer.Option("int8", "--compute-type", help="int8, int8_float32 or float32."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads (default: all this process may use)."),
    beam_size: int = typer.Option(5, "--beam-size", help="Beam search width."),
    task: str = typer.Option("transcribe", "--task", help="transcribe, or translate (into English)."),
    no_normalize: bool = typer.Option(False, "--no-normalize", help="Keep Whisper's text as it came."),
) -> None:
    """Transcribe FILES: text with segments, timestamps and the language chosen (and why)."""
    from seaforge.speech.langpick import resolve_speech_lang
    from seaforge.speech.transcribe import transcribe

    if fmt not in FORMAT_CHOICES:
        raise UserError(f"--format: unknown format {fmt!r}; choose one of: {', '.join(FORMAT_CHOICES)}")
    forced = resolve_speech_lang(lang) if lang else None
    allowed = _languages_option(languages)
    done = _done_files(out) if out else set()
    todo = [f for f in files if str(f) not in done]
    if done and len(todo) < len(files):
        err_console.print(f"{out}: {len(files) - len(todo)} of {len(files)} files already transcribed; skipping them")
    failed = 0
    for file in _progress(todo):
        try:
            transcript = transcribe(
                file,
                lang=forced,
                languages=allowed,
                task=task,
                beam_size=beam_size,
                compute_type=compute_type,
                threads=threads,
                model=model,
                normalize=not no_normalize,
            )
        except UserError as err:
            from seaforge.speech.audio import AudioError

            if not isinstance(err, AudioError) or len(files) == 1:
                raise  # a wrong option fails every file alike: stop at once
            failed += 1
            err_console.print(f"error: {escape(str(err))}")
            if jsonl:
                typer.echo(json.dumps({"file": str(file), "error": str(err)}, ensure_ascii=False))
            continue
        record = transcript_record(str(file), transcript)
        if out:
            _append_line(out, record)
        if jsonl:
            typer.echo(json.dumps(record, ensure_ascii=False))
        elif not out:
            _show(str(file), transcript, fmt)
    if failed:
        err_console.print(f"{failed} of {len(todo)} files could not be transcribed")
        raise typer.Exit(2)


@app.command("langs")
def langs_cmd() -> None:
    """The registry languages Whisper can transcribe (codes for --lang and --languages)."""
    from seaforge.speech.formats import language_name
    from seaforge.speech.transcribe import SPEECH_LANGS
    from seaforge.text.languages import LANGUAGES

    for code in SPEECH_LANGS:
        console.print(f"{code:4} {LANGUAGES[code].name} (Whisper: {language_name(code)})")
