"""The arena web app: log in, battle, vote, see the reveal, the leaderboard and (admins) the team.

Server-rendered pages (Jinja2) with a little script that streams the two answers. Page handlers are plain
functions, so FastAPI runs their database calls in its thread pool and the event loop stays free for the
streams. Every POST carries a CSRF token: the session's own, or for the login and join forms (no session
yet) a double-submit cookie.
"""

from __future__ import annotations

import json
import logging
import random
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from seaforge.arena import views
from seaforge.arena.auth import new_token, same
from seaforge.arena.battle import Answers, GenSettings, pick_pair
from seaforge.arena.prompts import MAX_PROMPT_CHARS
from seaforge.arena.records import OUTCOMES, TAGS
from seaforge.arena.store import AlreadyVoted, Annotator, ArenaError, ArenaStore

log = logging.getLogger("seaforge.arena")

SESSION_COOKIE = "arena_session"
PRE_COOKIE = "arena_pre"  # CSRF double-submit cookie for forms shown before login
OVERLAP_KEY = "overlap"  # share of battles re-served to a second annotator
# Pages load nothing from elsewhere; the small inline script and style are the only exceptions to 'self'.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class NeedLogin(Exception):
    pass


class Forbidden(Exception):
    pass


class BadForm(Exception):
    """Bad input on a form: the page is shown again with this message (400), never a 500."""


@dataclass
class User:
    annotator: Annotator
    csrf: str
    token: str


def create_app(engines: dict, store: ArenaStore, gen: GenSettings | None = None, langs: list[str] | None = None):
    """`engines` maps a model name to a started serving engine (seaforge.serve); at least two."""
    if len(engines) < 2:
        raise ArenaError(f"an arena needs at least two models, got {len(engines)}: {', '.join(engines) or 'none'}")
    answers = Answers(engines, store, gen)
    models = sorted(engines)
    fixed_langs = list(langs or [])

    def arena_langs() -> list[str]:
        """The languages this arena runs: those given, else those of the prompt bank (imports show up at once)."""
        return fixed_langs or sorted(store.prompt_counts()) or ["th", "my"]

    templates = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    templates.globals.update(lang_name=views.lang_name, OUTCOMES=OUTCOMES, TAGS=TAGS, TAG_LABELS=views.TAG_LABELS)
    templates.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.gmtime(t))
    stats_cache: dict = {}

    @asynccontextmanager
    async def lifespan(app):
        yield
        await answers.close()
        for engine in engines.values():
            engine.stop()

    app = FastAPI(title="seaforge arena", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.store, app.state.answers = store, answers

    # --- rendering and errors ---------------------------------------------------------------------------

    def page(request: Request, template: str, status: int = 200, user: User | None = None, **context) -> HTMLResponse:
        html = templates.get_template(template).render(request=request, user=user, all_langs=arena_langs(), **context)
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"  # invitation tokens sit in URLs
        return response

    def message(request: Request, text: str, status: int, user: User | None = None) -> HTMLResponse:
        return page(request, "message.html", status, user=user or _user_or_none(request), title="Arena", text=text)

    @app.exception_handler(NeedLogin)
    async def _need_login(request: Request, err):
        return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, err):
        return message(request, str(err) or "Only admins may open this page.", 403)

    @app.exception_handler(ArenaError)
    async def _arena_error(request: Request, err: ArenaError):
        return message(request, str(err), 400)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err):
        return message(request, "The form was not filled in correctly; go back and try again.", 400)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, err: HTTPException):
        texts = {404: "There is no such page.", 405: "That is not allowed here."}
        return message(request, texts.get(err.status_code, str(err.detail)), err.status_code)

    @app.exception_handler(Exception)
    async def _crash(request: Request, err):
        log.exception("internal error on %s", request.url.path)
        return message(request, f"Something went wrong on the server ({type(err).__name__}).", 500)

    # --- who is asking ----------------------------------------------------------------------------------

    def _user_or_none(request: Request) -> User | None:
        token = request.cookies.get(SESSION_COOKIE)
        found = store.session(token)
        return User(found[0], found[1], token) if found else None

    def user_of(request: Request, csrf: str | None = None, admin: bool = False) -> User:
        """The logged-in user; with `csrf` (a POST), the form's token must be the session's."""
        user = _user_or_none(request)
        if user is None:
            raise NeedLogin()
        if csrf is not None and not same(csrf, user.csrf):
            raise Forbidden("The form is stale or was not sent by this site (CSRF check failed); reload and retry.")
        if admin and not user.annotator.is_admin:
            raise Forbidden()
        return user

    def pre_form(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        """A page with a pre-login form: its CSRF token is a cookie the form repeats."""
        token = request.cookies.get(PRE_COOKIE) or new_token()
        response = page(request, template, status, pre_csrf=token, **context)
        _cookie(request, response, PRE_COOKIE, token, max_age=3600)
        return response

    def check_pre(request: Request, csrf: str) -> None:
        if not same(csrf, request.cookies.get(PRE_COOKIE)):
            raise Forbidden("The form is stale or was not sent by this site (CSRF check failed); reload and retry.")

    def logged_in(request: Request, annotator: Annotator, to: str) -> Response:
        response = RedirectResponse(to, status_code=303)
        _cookie(request, response, SESSION_COOKIE, store.create_session(annotator.id), max_age=14 * 86400)
        response.delete_cookie(PRE_COOKIE)
        return response

    # --- accounts -----------------------------------------------------------------------------------------

    @app.get("/health")
    def health():
        return {"status": "ok", "models": models}

    @app.get("/")
    def home(request: Request):
        return RedirectResponse("/battle" if _user_or_none(request) else "/login", status_code=303)

    @app.get("/login")
    def login_page(request: Request, next: str = "/battle"):
        return pre_form(request, "login.html", next=_local(next))

    @app.post("/login")
    def login(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/battle"),
    ):
        check_pre(request, csrf)
        annotator = store.login(name, password)
        if annotator is None:
            return pre_form(request, "login.html", 400, next=_local(next), error="Wrong name or password.", name=name)
        return logged_in(request, annotator, _local(next))

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        user = user_of(request, csrf)
        store.end_session(user.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/join")
    def join_page(request: Request, token: str = ""):
        invitation = store.invitation(token)
        if invitation is None:
            return message(request, "This invitation is unknown, used or expired; ask your admin for a new one.", 400)
        return pre_form(
            request,
            "join.html",
            token=token,
            invitation=invitation,
            chosen=invitation["langs"],
            choices=offered(invitation),
        )

    @app.post("/join")
    def join(
        request: Request,
        token: str = Form(""),
        name: str = Form(""),
        password: str = Form(""),
        langs: list[str] = Form([]),
        csrf: str = Form(""),
    ):
        check_pre(request, csrf)
        invitation = store.invitation(token)
        if invitation is None:
            return message(request, "This invitation is unknown, used or expired; ask your admin for a new one.", 400)
        try:
            annotator = store.redeem_invitation(token, name, password, _langs(langs, offered(invitation)))
        except (ArenaError, BadForm) as err:
            context = {"token": token, "invitation": invitation, "chosen": langs, "name": name}
            context["choices"] = offered(invitation)
            return pre_form(request, "join.html", 400, error=str(err), **context)
        return logged_in(request, annotator, "/battle")

    @app.get("/account")
    def account_page(request: Request):
        user = user_of(request)
        return page(request, "account.html", user=user, choices=offered(user.annotator))

    @app.post("/account")
    def account(request: Request, langs: list[str] = Form([]), csrf: str = Form("")):
        user = user_of(request, csrf)
        try:
            store.set_langs(user.annotator.id, _langs(langs, offered(user.annotator)))
        except (ArenaError, BadForm) as err:
            return page(request, "account.html", 400, user=user, error=str(err), choices=offered(user.annotator))
        return RedirectResponse("/battle", status_code=303)

    # --- battles ------------------------------------------------------------------------------------------

    @app.get("/battle")
    def new_battle_page(request: Request, lang: str = ""):
        user = user_of(request)
        return page(request, "new_battle.html", user=user, lang=_pick_lang(user, lang))

    @app.post("/battle")
    def new_battle(
        request: Request, lang: str = Form(""), prompt: str = Form(""), source: str = Form("bank"), csrf: str = Form("")
    ):
        user = user_of(request, csrf)
        me = user.annotator
        try:
            if lang not in me.langs:
                raise BadForm("Pick one of the languages you judge (change them on your account page).")
            if source == "typed":
                prompt = prompt.strip()
                if not prompt:
                    raise BadForm("Type a prompt, or take the next one from the bank.")
                if len(prompt) > MAX_PROMPT_CHARS:
                    raise BadForm(f"A prompt has at most {MAX_PROMPT_CHARS} characters.")
                prompt_id = None
            else:
                overlap = float(store.get_setting(OVERLAP_KEY, 0.0))
                if overlap > 0 and random.random() < overlap:
                    again = store.reserve_overlap(lang, me.id)
                    if again is not None:
                        return RedirectResponse(f"/battle/{again}", status_code=303)
                item = store.next_prompt(lang, me.id)
                if item is None:
                    raise BadForm(f"No prompts left for you in {views.lang_name(lang)}: type your own.")
                prompt, prompt_id = item["text"], item["id"]
        except BadForm as err:
            context = {"lang": lang if lang in me.langs else _pick_lang(user, ""), "error": str(err), "prompt": prompt}
            return page(request, "new_battle.html", 400, user=user, **context)
        model_a, model_b = pick_pair(models)
        battle_id = store.create_battle(lang, prompt, prompt_id, model_a, model_b, me.id)
        return RedirectResponse(f"/battle/{battle_id}", status_code=303)

    def my_battle(request: Request, battle_id: str, csrf: str | None = None):
        user = user_of(request, csrf)
        battle = store.battle(battle_id)
        if battle is None or not store.assigned(battle_id, user.annotator.id):
            raise HTTPException(404)
        return user, battle

    @app.get("/battle/{battle_id}")
    def battle_page(request: Request, battle_id: str):
        user, battle = my_battle(request, battle_id)
        if store.my_votes(user.annotator.id, battle_id):
            return RedirectResponse(f"/battle/{battle_id}/reveal", status_code=303)
        return page(request, "battle.html", user=user, battle=views.anonymous(battle))

    @app.get("/battle/{battle_id}/stream")
    async def battle_stream(request: Request, battle_id: str):
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(my_battle, request, battle_id)

        async def lines():
            async for event in answers.follow(battle_id):
                yield json.dumps(event, ensure_ascii=False) + "\n"

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(lines(), media_type="application/x-ndjson", headers=headers)

    @app.post("/battle/{battle_id}/vote")
    def vote(
        request: Request,
        battle_id: str,
        winner: str = Form(""),
        tags: list[str] = Form([]),
        correction: str = Form(""),
        csrf: str = Form(""),
    ):
        user, battle = my_battle(request, battle_id, csrf)
        try:
            if winner not in OUTCOMES:
                raise BadForm("Pick A, B, tie or both bad before voting.")
            if len(correction) > 20_000:
                raise BadForm("A corrected answer has at most 20,000 characters.")
            store.cast_vote(battle_id, user.annotator.id, winner, tags, correction)
        except AlreadyVoted:
            return RedirectResponse(f"/battle/{battle_id}/reveal", status_code=303)
        except (ArenaError, BadForm) as err:
            context = {"battle": views.anonymous(battle), "error": str(err), "correction": correction, "tags": tags}
            return page(request, "battle.html", 400, user=user, **context)
        return RedirectResponse(f"/battle/{battle_id}/reveal", status_code=303)

    @app.get("/battle/{battle_id}/reveal")
    def reveal(request: Request, battle_id: str):
        user, battle = my_battle(request, battle_id)
        mine = store.my_votes(user.annotator.id, battle_id)
        if not mine:  # names only after the vote
            return RedirectResponse(f"/battle/{battle_id}", status_code=303)
        return page(request, "reveal.html", user=user, battle=battle, vote=mine[0])

    @app.get("/votes")
    def my_votes(request: Request):
        user = user_of(request)
        return page(request, "votes.html", user=user, votes=store.my_votes(user.annotator.id))

    # --- statistics and admin -----------------------------------------------------------------------------

    def statistics(lang: str | None) -> dict:
        """The stats helper's figures, recomputed only when votes were added."""
        count = store.vote_count()
        cached = stats_cache.get(lang)
        if cached is None or cached[0] != count:
            cached = stats_cache[lang] = (count, views.statistics(store.all_votes(lang), lang))
        return cached[1]

    @app.get("/leaderboard")
    def leaderboard(request: Request, lang: str = ""):
        user = user_of(request)
        lang = lang if lang in arena_langs() else ""
        return page(request, "leaderboard.html", user=user, lang=lang, stats=statistics(lang or None))

    @app.get("/admin")
    def admin(request: Request, lang: str = ""):
        user = user_of(request, admin=True)
        lang = lang if lang in arena_langs() else ""
        context = {
            "annotators": store.annotators(),
            "overlap": float(store.get_setting(OVERLAP_KEY, 0.0)),
            "prompt_counts": store.prompt_counts(),
            "models": models,
            "lang": lang,
            "stats": statistics(lang or None),
        }
        return page(request, "admin.html", user=user, **context)

    @app.post("/admin/invite")
    def admin_invite(request: Request, langs: list[str] = Form([]), is_admin: str = Form(""), csrf: str = Form("")):
        user = user_of(request, csrf, admin=True)
        try:
            chosen = _langs(langs, arena_langs())
        except BadForm as err:
            return message(request, str(err), 400, user)
        token = store.create_invitation(chosen, is_admin=is_admin == "on")
        link = str(request.base_url).rstrip("/") + "/join?token=" + token
        return page(request, "invited.html", user=user, link=link, langs=chosen)

    @app.post("/admin/settings")
    def admin_settings(request: Request, overlap: str = Form(""), csrf: str = Form("")):
        user = user_of(request, csrf, admin=True)
        try:
            share = float(overlap.strip().rstrip("%")) / (100 if overlap.strip().endswith("%") else 1)
        except ValueError:
            share = -1.0
        if not 0.0 <= share <= 1.0:
            return message(request, f"Overlap must be a share from 0 to 1 (or 0% to 100%), not {overlap!r}.", 400, user)
        store.set_setting(OVERLAP_KEY, share)
        return RedirectResponse("/admin", status_code=303)

    @app.get("/admin/export/{kind}.jsonl")
    def admin_export(request: Request, kind: str, lang: str = ""):
        user_of(request, admin=True)
        if kind not in ("dpo", "sft"):
            raise HTTPException(404)
        from seaforge.arena import export

        folder = Path(tempfile.mkdtemp(prefix="seaforge-arena-export-"))
        path = folder / f"arena_{kind}{'_' + lang if lang else ''}.jsonl"
        write = export.export_dpo if kind == "dpo" else export.export_sft
        write(store.all_votes(lang or None), path, lang=lang or None)
        cleanup = BackgroundTask(_remove_folder, folder)
        return FileResponse(path, media_type="application/x-ndjson", filename=path.name, background=cleanup)

    def offered(who) -> list[str]:
        """The languages a join or account form offers: the invitation's, or for admins every arena language."""
        if isinstance(who, dict):
            return arena_langs() if who["is_admin"] else who["langs"]
        return arena_langs() if who.is_admin else list(who.granted)

    def _pick_lang(user: User, wanted: str) -> str:
        langs = user.annotator.langs
        return wanted if wanted in langs else (langs[0] if langs else "")

    return app


def _langs(chosen: list[str], allowed: list[str]) -> list[str]:
    picked = [lang for lang in dict.fromkeys(chosen) if lang]
    unknown = [lang for lang in picked if lang not in allowed]
    if unknown:
        raise BadForm(f"Not a language you can pick here: {', '.join(unknown)} (offered: {', '.join(allowed)}).")
    if not picked:
        raise BadForm("Declare at least one language you judge.")
    return picked


def _local(target: str) -> str:
    """Only redirect within this site (no open redirect through ?next=)."""
    safe = target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target
    return target if safe else "/battle"


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/")


def _remove_folder(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()


def _template_source(name: str) -> str:
    return resources.files("seaforge.arena").joinpath("templates", name).read_text(encoding="utf-8")
