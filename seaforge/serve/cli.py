"""``seaforge serve``: an OpenAI-compatible server, its API keys and its usage report.

`seaforge serve MODEL...` runs the server (the `run` command is implied); `keys` and `usage` manage
the database it shares with other gateways.
"""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

from seaforge.errors import UserError

app = typer.Typer(no_args_is_help=True, help="OpenAI-compatible server with guardrails, keys, limits and metering.")
keys_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")
app.add_typer(keys_app, name="keys")

SUBCOMMANDS = ("run", "keys", "usage")
DB_HELP = "Keys and usage database: a SQLite path or postgresql://... (default: $SEAFORGE_DB or ~/.cache/seaforge)."
MODEL_HELP = (
    "Models to serve: a registered name (gemma3-270m), a build's OUT/model, a .gguf file, a hub id or tiny:<arch>; "
    "NAME=MODEL serves it as NAME; with --backend upstream, an OpenAI-compatible base URL (URL or NAME=URL#model)."
)


def _store(db: str | None):
    from seaforge.serve.server import default_db
    from seaforge.serve.store import Store

    return Store(db or default_db())


@app.command("run")
def run(
    models: list[str] = typer.Argument(None, help=MODEL_HELP),
    backend: str = typer.Option("auto", "--backend", help="auto, transformers, llamacpp, vllm or upstream."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; without API keys only loopback."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    guard: str = typer.Option("both", "--guard", help="Moderate the input, the output, both, or off."),
    policy: str = typer.Option("default", "--policy", help="Country policy (sg, my, id, th, ph, vn) or a YAML file."),
    guard_action: str = typer.Option("refuse", "--guard-action", help="refuse (in the user's language) or error."),
    guard_classifier: str = typer.Option(
        "default",
        "--guard-classifier",
        help="The guard's trained classifier: default, a `seaforge guard train` file, or none.",
    ),
    max_batch: int = typer.Option(16, "--max-batch", min=1, help="Requests decoded together (transformers)."),
    max_queue: int = typer.Option(64, "--max-queue", min=1, help="Requests waiting per model before 503."),
    max_tokens: int = typer.Option(512, "--max-tokens", min=1, help="Default max_tokens when a request sets none."),
    max_prompt_tokens: int = typer.Option(None, "--max-prompt-tokens", min=1, help="Refuse longer prompts (400)."),
    max_body_mb: float = typer.Option(4.0, "--max-body-mb", min=0.001, help="Refuse bigger request bodies (413)."),
    timeout: float = typer.Option(600.0, "--timeout", min=0.1, help="Seconds a request may take (504 after)."),
    context: int = typer.Option(4096, "--context", min=128, help="Context size for llama.cpp models."),
    upstream_key: str = typer.Option(None, "--upstream-key", envvar="SEAFORGE_UPSTREAM_KEY", help="Upstream key."),
    speech_model: str = typer.Option(
        None, "--speech-model", help="Speech model for /v1/audio/* and audio in chat (whisper-base); default off."
    ),
    speech_workers: int = typer.Option(1, "--speech-workers", min=1, help="Transcriptions run at once."),
    speech_languages: str = typer.Option(
        None, "--speech-languages", help="Languages detection chooses among, e.g. id,ms,th,vi,en (default: any)."
    ),
) -> None:
    """Serve models over the OpenAI API, with a playground at http://HOST:PORT/."""
    from seaforge.serve.app import ServerSettings, create_app
    from seaforge.serve.guardrails import Guardrails
    from seaforge.serve.server import EngineOptions, is_loopback, load_engines, run_server

    console = Console(stderr=True)
    if not models and not speech_model:
        raise UserError("name a model to serve (seaforge serve gemma3-270m), or a --speech-model")
    if guard not in ("both", "input", "output", "off"):
        raise UserError(f"--guard {guard!r}: choose both, input, output or off")
    if guard_action not in ("refuse", "error"):
        raise UserError(f"--guard-action {guard_action!r}: choose refuse or error")
    store = _store(db)
    if not store.has_keys() and not is_loopback(host):
        console.print(
            f"[yellow]no API keys in {store.url_for_humans}: binding to 127.0.0.1 instead of {host} "
            "(create one with `seaforge serve keys create NAME`)[/]"
        )
        host = "127.0.0.1"
    guardrails = None
    if guard != "off":
        chosen = None if guard_classifier == "none" else guard_classifier
        guardrails = Guardrails(guard in ("both", "input"), guard in ("both", "output"), policy, guard_action, chosen)
    settings = ServerSettings(
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        max_prompt_tokens=max_prompt_tokens,
        default_max_tokens=max_tokens,
        request_timeout=timeout,
        guard=guardrails,
    )
    options = EngineOptions(backend, max_batch, max_queue, context, upstream_key)
    if speech_model:  # loaded first: it is the quicker one to fail (not pulled, not a speech model)
        from seaforge.serve.audio import SpeechService

        expected = tuple(code.strip() for code in (speech_languages or "").split(",") if code.strip()) or None
        settings.speech = SpeechService(speech_model, workers=speech_workers, max_queue=max_queue, languages=expected)
        with console.status(f"loading {speech_model} ..."):
            settings.speech.start()
        console.print(f"speech: [bold]{speech_model}[/] (/v1/audio/transcriptions, audio messages in chat)")
    engines = {}
    if models:
        with console.status(f"loading {', '.join(models)} ..."):
            engines = load_engines(models, options)
    for name, engine in engines.items():
        console.print(f"serving [bold]{name}[/] ({engine.backend}, context {getattr(engine, 'context', None) or '?'})")
    guard_line = f"guard {guard} ({policy})" if guardrails else "guard off"
    auth_line = "API keys required" if store.has_keys() else "no API keys: loopback only"
    console.print(f"{guard_line}; {auth_line}; usage in {store.url_for_humans}")
    console.print(f"playground: http://{host}:{port}/   API: http://{host}:{port}/v1")
    run_server(create_app(engines, store, settings), host, port)


@keys_app.command("create")
def keys_create(
    name: str = typer.Argument(..., help="A name for the key (who or what uses it)."),
    rpm: int = typer.Option(None, "--rpm", min=1, help="Requests per minute (default: unlimited)."),
    tpm: int = typer.Option(None, "--tpm", min=1, help="Tokens per minute, prompt + completion."),
    models: str = typer.Option(None, "--models", help="Comma-separated models this key may use (default: all)."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create a key; its secret is printed once and only its hash is stored."""
    allowed = [m.strip() for m in models.split(",") if m.strip()] if models else None
    key, secret = _store(db).create_key(name, rpm=rpm, tpm=tpm, models=allowed)
    typer.echo(secret)
    Console(stderr=True).print(f"created {key.id} ({key.name}); the secret above is shown only once")


@keys_app.command("list")
def keys_list(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List keys (never their secrets)."""
    table = Table("id", "name", "prefix", "created", "rpm", "tpm", "models", "state")
    for key in _store(db).list_keys():
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(key.created))
        models = ",".join(key.models) if key.models else "all"
        table.add_row(
            key.id,
            key.name,
            key.prefix + "...",
            created,
            str(key.rpm or "-"),
            str(key.tpm or "-"),
            models,
            "revoked" if key.revoked else "active",
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: str = typer.Argument(..., help="Key id or name."), db: str = typer.Option(None, "--db", help=DB_HELP)
) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    revoked = _store(db).revoke_key(key)
    typer.echo(f"revoked {revoked.id} ({revoked.name})")


def _since(value: str | None) -> float | None:
    if not value:
        return None
    units = {"m": 60, "h": 3600, "d": 86400}
    number, unit = value[:-1], value[-1:]
    if unit not in units or not number.replace(".", "", 1).isdigit():
        raise UserError(f"--since {value!r}: use a number and m, h or d (30m, 24h, 7d)")
    return time.time() - float(number) * units[unit]


@app.command("usage")
def usage(
    db: str = typer.Option(None, "--db", help=DB_HELP),
    since: str = typer.Option(None, "--since", help="Only the last 30m, 24h, 7d ..."),
    key: str = typer.Option(None, "--key", help="Only this key (id or name)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON rows instead of a table."),
) -> None:
    """Requests and tokens per key and model."""
    rows = _store(db).usage(since=_since(since), key=key)
    if json_out:
        import json

        typer.echo(json.dumps(rows, indent=2))
        return
    columns = ["key", "model", "requests", "prompt_tokens", "completion_tokens", "total_tokens", "blocked", "errors"]
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console().print(table)


def implied_run(argv: list[str]) -> list[str]:
    """`seaforge serve MODEL...` means `seaforge serve run MODEL...`."""
    if len(argv) >= 2 and argv[0] == "serve" and argv[1] not in SUBCOMMANDS and argv[1] not in ("--help", "-h"):
        return ["serve", "run", *argv[1:]]
    return argv
