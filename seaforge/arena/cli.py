"""``seaforge arena``: serve the arena, bootstrap admins and invitations, import prompts, read the results."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from seaforge.errors import UserError

app = typer.Typer(no_args_is_help=True, help="Human preference arena for language teams.")
admin_app = typer.Typer(no_args_is_help=True, help="Create admin accounts.")
prompts_app = typer.Typer(no_args_is_help=True, help="The per-language prompt bank.")
app.add_typer(admin_app, name="admin")
app.add_typer(prompts_app, name="prompts")

DB_HELP = (
    "Arena database: a SQLite path, sqlite:///arena.db or postgresql://... (default: $SEAFORGE_ARENA_DB or arena.db)."
)
MODELS_HELP = (
    "Comma-separated models, as `seaforge serve` takes them: registered names, .gguf files, tiny:<arch>, "
    "NAME=MODEL; with --backend upstream, OpenAI-compatible base URLs (NAME=URL#model)."
)


def _db(db: str | None) -> str:
    return db or os.environ.get("SEAFORGE_ARENA_DB", "").strip() or "sqlite:///arena.db"


def _store(db: str | None, existing: bool = False):
    """The arena database; with `existing` (commands that only read it), a SQLite file that is not
    there is an error rather than a new empty database at a mistyped path."""
    from seaforge.arena.store import ArenaError, ArenaStore

    url = _db(db)
    if existing and (url.startswith("sqlite:///") or "://" not in url):
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        if not path.exists():
            raise ArenaError(f"no arena database at {path}: give --db, or start one with `seaforge arena serve`")
    return ArenaStore(url)


def _lang_list(value: str | None) -> list[str]:
    from seaforge.text.languages import resolve

    langs = [resolve(code) for code in (value or "").split(",") if code.strip()]
    if not langs:
        raise UserError("--lang needs at least one language code, e.g. --lang th,my")
    return list(dict.fromkeys(langs))


@app.command("serve")
def serve(
    models: str = typer.Option(..., "--models", help=MODELS_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8100, "--port", min=0, max=65535),
    backend: str = typer.Option("auto", "--backend", help="auto, transformers, llamacpp, vllm or upstream."),
    max_tokens: int = typer.Option(256, "--max-tokens", min=1, help="Longest answer, in tokens."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="Sampling temperature of both models."),
    no_bank: bool = typer.Option(False, "--no-bank", help="Do not load seaforge's starter prompt bank."),
    upstream_key: str = typer.Option(None, "--upstream-key", envvar="SEAFORGE_UPSTREAM_KEY", help="Upstream key."),
) -> None:
    """Run the arena web app on the serving stack (same server, model resolver and backends)."""
    from seaforge.arena.app import create_app
    from seaforge.arena.battle import GenSettings
    from seaforge.arena.prompts import bundled_bank
    from seaforge.serve.server import EngineOptions, load_engines, run_server

    console = Console(stderr=True)
    specs = [spec.strip() for spec in models.split(",") if spec.strip()]
    store = _store(db)
    if not no_bank:
        added, _ = store.import_prompts(bundled_bank())
        if added:
            console.print(f"added {added} prompts of seaforge's starter bank")
    if not any(a.is_admin for a in store.annotators()):
        console.print("[yellow]no admin yet: create one with `seaforge arena admin create NAME`[/]")
    if len(specs) < 2 and backend != "upstream":  # one upstream URL may list several models
        raise UserError(f"--models needs at least two models to compare, got {', '.join(specs) or 'none'}")
    with console.status(f"loading {', '.join(specs)} ..."):
        engines = load_engines(specs, EngineOptions(backend=backend, upstream_key=upstream_key))
    try:
        app = create_app(engines, store, GenSettings(max_tokens, temperature))
    except BaseException:
        for engine in engines.values():
            engine.stop()
        raise
    console.print(f"arena of {', '.join(engines)}; database {store.url_for_humans}")
    console.print(f"open http://{host}:{port}/")
    run_server(app, host, port)


@admin_app.command("create")
def admin_create(
    name: str = typer.Argument(..., help="The admin's user name."),
    lang: str = typer.Option(..., "--lang", help="Comma-separated languages the admin judges, e.g. th,my."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    password_env: str = typer.Option(
        None, "--password-env", help="Read the password from this environment variable instead of asking."
    ),
) -> None:
    """Create an admin account (asks for the password twice, or reads it from --password-env)."""
    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise UserError("the two passwords differ")
    admin = _store(db).create_annotator(name, password, _lang_list(lang), is_admin=True)
    typer.echo(f"created admin {admin.name} ({', '.join(admin.langs)})")


@app.command("invite")
def invite(
    lang: str = typer.Option(..., "--lang", help="Comma-separated languages the annotator judges, e.g. th,my."),
    admin: bool = typer.Option(False, "--admin", help="The invitation creates an admin."),
    url: str = typer.Option("http://127.0.0.1:8100", "--url", help="The arena's address, for the printed link."),
    days: float = typer.Option(14.0, "--days", min=0.01, help="Days until the invitation expires."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Print a one-use invitation link (only a hash of its token is stored)."""
    token = _store(db).create_invitation(_lang_list(lang), is_admin=admin, days=days)
    typer.echo(f"{url.rstrip('/')}/join?token={token}")


@prompts_app.command("import")
def prompts_import(
    path: str = typer.Argument(..., help="A .yaml/.yml or .jsonl prompt file."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Add prompts to the bank; items already there (same id) are left as they are."""
    from seaforge.arena.prompts import load_bank

    items = load_bank(path)
    added, present = _store(db).import_prompts(items)
    typer.echo(f"added {added} prompts, {present} already in the bank")


@app.command("leaderboard")
def leaderboard(
    lang: str = typer.Option(None, "--lang", help="Only this language."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    rounds: int = typer.Option(200, "--rounds", min=10, help="Bootstrap rounds for the intervals."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Bradley-Terry leaderboard with bootstrap intervals, agreement and position bias."""
    from seaforge.arena import stats

    lang = _lang_list(lang)[0] if lang else None
    votes = _store(db, existing=True).all_votes(lang)
    ratings = stats.leaderboard(votes, lang=lang, rounds=rounds)
    agreement, position = stats.agreement(votes, lang=lang), stats.position_bias(votes, lang=lang)
    if json_out:
        from dataclasses import asdict

        out = {
            "lang": lang,
            "votes": len(votes),
            "leaderboard": [asdict(r) for r in ratings],
            "annotators": stats.annotator_counts(votes, lang=lang),
            "agreement": asdict(agreement),
            "position_bias": asdict(position),
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    table = Table(
        "#", "model", "score", "95% CI", "votes", "wins", "losses", "ties", title=f"{lang or 'all'}: {len(votes)} votes"
    )
    for rank, r in enumerate(ratings, 1):
        ci = f"{r.lo:.0f}-{r.hi:.0f}"
        table.add_row(
            str(rank), r.model, f"{r.score:.0f}", ci, str(r.votes), f"{r.wins:g}", f"{r.losses:g}", str(r.ties)
        )
    console = Console()
    console.print(table)
    kappa = (
        f"{agreement.kappa:.2f} ({agreement.method}, {agreement.items} battles)"
        if agreement.kappa is not None
        else "n/a"
    )
    console.print(f"agreement: {kappa}; {agreement.note}")
    console.print(
        f"position: left {position.a_wins} / right {position.b_wins} decisive wins"
        + (f", p={position.p_value:.3f}" if position.p_value is not None else "")
        + (" [red]biased[/]" if position.biased else "")
    )


@app.command("export")
def export(
    dpo: str = typer.Option(None, "--dpo", help="Write preference pairs (for `seaforge train dpo`) here."),
    sft: str = typer.Option(None, "--sft", help="Write corrected answers as SFT conversations here."),
    lang: str = typer.Option(None, "--lang", help="Only this language."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Export the judgements as training data (JSONL)."""
    from seaforge.arena.export import export_dpo, export_sft

    if not dpo and not sft:
        raise UserError("give --dpo FILE, --sft FILE or both")
    lang = _lang_list(lang)[0] if lang else None
    votes = _store(db, existing=True).all_votes(lang)
    for path, write, what in ((dpo, export_dpo, "preference pairs"), (sft, export_sft, "SFT conversations")):
        if path:
            done = write(votes, path, lang=lang)
            skipped = ", ".join(f"{n} {why}" for why, n in sorted(done.skipped.items())) or "none"
            typer.echo(f"wrote {done.written} {what} to {done.path} (skipped: {skipped})")
