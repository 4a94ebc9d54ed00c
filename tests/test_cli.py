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
    assert "No such command" in capsys.readouterr().err
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
