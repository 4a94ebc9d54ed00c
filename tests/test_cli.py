"""The one error boundary: user mistakes are one `error:` line on stderr and exit 2."""

import subprocess
import sys

import pytest
import typer

from seaforge import cli
from seaforge.errors import UserError


@pytest.fixture
def failing_command(monkeypatch):
    """Register a throwaway command that raises what the test asks for."""
    probe = typer.Typer()
    raised = {}

    @probe.command("boom")
    def boom() -> None:
        raise raised["error"]

    @probe.command("other")
    def other() -> None:
        pass

    cli.app.add_typer(probe, name="probe")
    yield raised
    cli.app.registered_groups[:] = [g for g in cli.app.registered_groups if g.name != "probe"]


def test_a_user_error_is_one_line_on_stderr_and_exit_2(failing_command, capsys):
    failing_command["error"] = UserError("recipe.yaml: field 'mix.temperature': must be > 0")
    assert cli.run(["probe", "boom"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: recipe.yaml: field 'mix.temperature': must be > 0\n"


def test_file_system_errors_name_the_file(failing_command, capsys, tmp_path):
    failing_command["error"] = FileNotFoundError(2, "No such file or directory", str(tmp_path / "x.jsonl"))
    assert cli.run(["probe", "boom"]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'x.jsonl'}: No such file or directory\n"
    failing_command["error"] = OSError(28, "No space left on device", "/data/shard.bin")
    assert cli.run(["probe", "boom"]) == 2
    assert capsys.readouterr().err == "error: /data/shard.bin: No space left on device\n"


def test_a_full_disk_seen_by_safetensors_is_one_line(failing_command, capsys):
    from safetensors import SafetensorError

    failing_command["error"] = SafetensorError(
        "Error while serializing: IoError(No space left on device (os error 28))"
    )
    assert cli.run(["probe", "boom"]) == 2
    assert capsys.readouterr().err.startswith("error: writing safetensors failed: ")


def test_a_full_disk_seen_by_numpy_is_one_line(failing_command, capsys):
    # what numpy's tofile raised when a GGUF export filled the disk during `make demo`
    failing_command["error"] = OSError("Not enough free space to write 65577160 bytes after offset 2359296")
    assert cli.run(["probe", "boom"]) == 2
    assert capsys.readouterr().err == "error: Not enough free space to write 65577160 bytes after offset 2359296\n"


def test_debug_shows_the_traceback(failing_command, monkeypatch):
    failing_command["error"] = UserError("bad")
    monkeypatch.setenv("SEAFORGE_DEBUG", "1")
    with pytest.raises(UserError):
        cli.run(["probe", "boom"])


def test_interrupt_says_how_to_resume(failing_command, capsys):
    failing_command["error"] = KeyboardInterrupt()
    assert cli.run(["probe", "boom"]) == 130
    assert "interrupted; rerun the same command to resume" in capsys.readouterr().err


def test_a_bug_is_not_disguised_as_a_user_error(failing_command):
    failing_command["error"] = ZeroDivisionError("a bug")
    with pytest.raises(ZeroDivisionError):
        cli.run(["probe", "boom"])


def test_usage_errors_and_success_codes(failing_command, capsys):
    assert cli.run(["probe", "other"]) == 0
    assert cli.run(["probe", "nope"]) == 2
    assert "No such command" in capsys.readouterr().err  # one line, with where to look
    assert cli.run(["--version"]) == 0


def test_the_installed_command_uses_the_boundary():
    proc = subprocess.run(
        [sys.executable, "-m", "seaforge", "text", "normalize", "--lang", "xx", "abc"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --lang: unknown language code 'xx'")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def _command_paths():
    from typer.main import get_command

    def walk(command, path):
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(get_command(cli.app), []))


def test_every_command_prints_its_help(capsys):
    """Help texts go through rich markup: a stray "[/x]" in one crashes `--help`."""
    paths = _command_paths()
    assert len(paths) > 30
    for path in paths:
        assert cli.run([*path, "--help"]) == 0, path
        assert "Usage" in capsys.readouterr().out, path


def test_usage_errors_are_one_line_too(capsys):
    assert cli.run(["eval", "run", "--model", "tiny:llama"]) == 2
    err = capsys.readouterr().err
    assert err == "error: Missing option '--out'. (see `seaforge eval run --help`)\n"


def test_several_problems_are_reported_on_one_line(failing_command, capsys):
    failing_command["error"] = UserError("a.yaml: field 'x': bad\na.yaml: field 'y': worse")
    assert cli.run(["probe", "boom"]) == 2
    assert capsys.readouterr().err == "error: a.yaml: field 'x': bad; a.yaml: field 'y': worse\n"
