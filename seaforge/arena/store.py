"""The arena's database: annotators, invitations, sessions, the prompt bank, battles and votes.

SQLite (a file) is the embedded default and PostgreSQL works the same; URLs and engines are made the way
``seaforge serve``'s store makes them. The database itself holds the rules that must not race: one vote per
(battle, annotator), an invitation used once, unique annotator names.
"""

from __future__ import annotations

import functools
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from seaforge.arena.auth import MIN_PASSWORD, check_password, hash_password, new_token, token_hash
from seaforge.arena.records import OUTCOMES, TAGS, Vote
from seaforge.arena.schema import (
    annotators,
    assignments,
    battles,
    invitations,
    metadata,
    prompts,
    sessions,
    settings,
    votes,
)
from seaforge.errors import UserError
from seaforge.serve.store import StoreError, _database_url, _mask_password, _reason, open_engines

SESSION_DAYS = 14
INVITE_DAYS = 14
_SCHEMA_LOCK = 0x5EAF0A7E  # PostgreSQL advisory lock: arena servers starting together create tables once


class ArenaError(UserError):
    """An arena operation that cannot be done; the message says why (shown to the user, never a 500)."""


class AlreadyVoted(ArenaError):
    pass


@dataclass(frozen=True)
class Annotator:
    id: str
    name: str
    langs: tuple[str, ...]
    is_admin: bool
    granted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Battle:
    id: str
    lang: str
    prompt_id: str | None
    prompt: str
    model_a: str
    model_b: str
    answer_a: str | None
    answer_b: str | None
    error: str | None
    created: float

    @property
    def ready(self) -> bool:
        return self.answer_a is not None and self.answer_b is not None


@dataclass(frozen=True)
class MyVote:
    battle_id: str
    lang: str
    prompt: str
    winner: str
    tags: tuple[str, ...]
    correction: str | None
    model_a: str
    model_b: str
    created: float


class ArenaStore:
    """All arena state in one SQL database (a SQLite path, ``sqlite:///path`` or ``postgresql://...``)."""

    def __init__(self, url: str):
        self.url_for_humans = _mask_password(url)
        self._engine: sa.Engine | None = None
        try:
            sa_url = _database_url(url)
        except StoreError as err:
            raise ArenaError(str(err).replace("store", "arena database", 1)) from None
        try:
            self._engine, self._write_engine = open_engines(sa_url, metadata, _SCHEMA_LOCK)
        except (sa.exc.SQLAlchemyError, ImportError, OSError) as err:
            raise ArenaError(f"cannot open arena database {self.url_for_humans}: {_reason(err)}") from None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def __enter__(self) -> ArenaStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- accounts -----------------------------------------------------------------------------------------

    def create_annotator(self, name: str, password: str, langs: list[str], is_admin: bool = False) -> Annotator:
        name = _check_name(name)
        row = {
            "id": "ann_" + secrets.token_hex(6),
            "name": name,
            "password": hash_password(_check_password(password)),
            "langs": list(langs),
            "granted": list(langs),
            "is_admin": is_admin,
            "created": time.time(),
        }
        try:
            with self._tx(write=True) as conn:
                conn.execute(annotators.insert().values(**row))
        except sa.exc.IntegrityError:
            raise ArenaError(f"the name {name!r} is taken; pick another") from None
        return Annotator(row["id"], name, tuple(langs), is_admin, tuple(langs))

    def create_invitation(self, langs: list[str], is_admin: bool = False, days: float = INVITE_DAYS) -> str:
        """A one-use invitation token (returned once; only its hash is stored)."""
        token, now = new_token(), time.time()
        row = {"token_sha256": token_hash(token), "langs": list(langs), "is_admin": is_admin}
        with self._tx(write=True) as conn:
            conn.execute(invitations.insert().values(**row, created=now, expires=now + days * 86400))
        return token

    def invitation(self, token: str) -> dict | None:
        """The open invitation for this token ({"langs", "is_admin"}), or None (unknown, used or expired)."""
        query = sa.select(invitations).where(invitations.c.token_sha256 == token_hash(token or ""))
        with self._tx() as conn:
            row = conn.execute(query).first()
        if row is None or row.used_by is not None or row.expires < time.time():
            return None
        return {"langs": list(row.langs), "is_admin": bool(row.is_admin)}

    def redeem_invitation(self, token: str, name: str, password: str, langs: list[str]) -> Annotator:
        """Create the account and use up the invitation in one transaction (a token works once)."""
        name, now = _check_name(name), time.time()
        hashed = hash_password(_check_password(password))  # slow: outside the write lock
        annotator_id = "ann_" + secrets.token_hex(6)
        inv = invitations.c
        try:
            with self._tx(write=True) as conn:
                found = conn.execute(
                    sa.select(invitations).where(inv.token_sha256 == token_hash(token or "")).with_for_update()
                ).first()
                if found is None or found.used_by is not None or found.expires < now:
                    raise ArenaError("this invitation is unknown, used or expired; ask your admin for a new one")
                granted = list(found.langs)
                chosen = [lang for lang in langs if lang] or granted
                outside = [lang for lang in chosen if lang not in granted and not found.is_admin]
                if outside:
                    raise ArenaError(f"this invitation is for {', '.join(granted)}, not {', '.join(outside)}")
                row = {"id": annotator_id, "name": name, "password": hashed, "langs": chosen, "granted": granted}
                conn.execute(annotators.insert().values(**row, is_admin=bool(found.is_admin), created=now))
                conn.execute(
                    invitations.update().where(inv.token_sha256 == found.token_sha256).values(used_by=row["id"])
                )
        except sa.exc.IntegrityError:
            raise ArenaError(f"the name {name!r} is taken; pick another") from None
        return Annotator(annotator_id, name, tuple(chosen), bool(found.is_admin), tuple(granted))

    def login(self, name: str, password: str) -> Annotator | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(annotators).where(annotators.c.name == (name or "").strip())).first()
        if row is None:
            check_password(password or "", _dummy_hash())  # the same cost as a wrong password: no name probing
            return None
        return _annotator(row) if check_password(password or "", row.password) else None

    def create_session(self, annotator_id: str) -> str:
        token = new_token()
        row = {"token_sha256": token_hash(token), "annotator_id": annotator_id, "csrf": new_token()}
        with self._tx(write=True) as conn:
            conn.execute(sessions.insert().values(**row, expires=time.time() + SESSION_DAYS * 86400))
        return token

    def session(self, token: str | None) -> tuple[Annotator, str] | None:
        """(annotator, CSRF token) of a live session, or None."""
        if not token:
            return None
        s = sessions.c
        query = (
            sa.select(annotators, s.csrf, s.expires)
            .join(sessions, s.annotator_id == annotators.c.id)
            .where(s.token_sha256 == token_hash(token))
        )
        with self._tx() as conn:
            row = conn.execute(query).first()
        if row is None or row.expires < time.time():
            return None
        return _annotator(row), row.csrf

    def end_session(self, token: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute(sessions.delete().where(sessions.c.token_sha256 == token_hash(token or "")))

    def set_langs(self, annotator_id: str, langs: list[str]) -> None:
        """Change the languages an annotator judges, within those granted to them (admins: any)."""
        if not langs:
            raise ArenaError("declare at least one language you judge")
        with self._tx(write=True) as conn:
            row = conn.execute(sa.select(annotators).where(annotators.c.id == annotator_id)).first()
            outside = [lang for lang in langs if not row.is_admin and lang not in row.granted]
            if outside:
                raise ArenaError(
                    f"you were invited for {', '.join(row.granted)}; ask an admin for {', '.join(outside)}"
                )
            conn.execute(annotators.update().where(annotators.c.id == annotator_id).values(langs=list(langs)))

    def annotators(self) -> list[Annotator]:
        with self._tx() as conn:
            rows = conn.execute(sa.select(annotators).order_by(annotators.c.created)).all()
        return [_annotator(row) for row in rows]

    # --- prompt bank and battles --------------------------------------------------------------------------

    def import_prompts(self, items: list[dict]) -> tuple[int, int]:
        """Add {"id", "lang", "text"} items; returns (added, already there). Ids are the bank's own."""
        added, now = 0, time.time()
        with self._tx(write=True) as conn:
            have = set(conn.execute(sa.select(prompts.c.id)).scalars())
            for item in items:
                if item["id"] in have:
                    continue
                conn.execute(prompts.insert().values(id=item["id"], lang=item["lang"], text=item["text"], created=now))
                have.add(item["id"])
                added += 1
        return added, len(items) - added

    def prompt_counts(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(sa.select(prompts.c.lang, sa.func.count()).group_by(prompts.c.lang)).all()
        return {lang: int(n) for lang, n in rows}

    def next_prompt(self, lang: str, annotator_id: str) -> dict | None:
        """A bank prompt in `lang` this annotator has not been served, fewest battles first, else None."""
        b, a, p = battles.c, assignments.c, prompts.c
        seen = sa.select(b.prompt_id).join(assignments, a.battle_id == b.id).where(a.annotator_id == annotator_id)
        used = sa.select(sa.func.count()).where(b.prompt_id == p.id).scalar_subquery()
        query = (
            sa.select(p.id, p.text, used.label("used"))
            .where(p.lang == lang, p.id.not_in(seen.where(b.prompt_id.is_not(None))))
            .order_by(used, p.id)
            .limit(8)
        )
        with self._tx() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return None
        fewest = [row for row in rows if row.used == rows[0].used]
        row = random.choice(fewest)
        return {"id": row.id, "text": row.text}

    def create_battle(
        self, lang: str, prompt: str, prompt_id: str | None, model_a: str, model_b: str, annotator_id: str
    ) -> str:
        battle_id, now = "bt_" + secrets.token_hex(8), time.time()
        row = {"id": battle_id, "lang": lang, "prompt_id": prompt_id, "prompt": prompt, "model_a": model_a}
        with self._tx(write=True) as conn:
            conn.execute(battles.insert().values(**row, model_b=model_b, created=now))
            conn.execute(assignments.insert().values(battle_id=battle_id, annotator_id=annotator_id, created=now))
        return battle_id

    def reserve_overlap(self, lang: str, annotator_id: str, max_voters: int = 2) -> str | None:
        """Serve a finished battle that someone else voted on to this annotator too (for agreement)."""
        b, a, v = battles.c, assignments.c, votes.c
        mine = sa.select(a.battle_id).where(a.annotator_id == annotator_id)
        voters = sa.select(sa.func.count()).where(v.battle_id == b.id).scalar_subquery()
        query = (
            sa.select(b.id)
            .where(b.lang == lang, b.answer_a.is_not(None), b.answer_b.is_not(None), b.id.not_in(mine))
            .where(voters >= 1, voters < max_voters)
            .order_by(voters, b.created)
            .limit(1)
        )
        with self._tx(write=True) as conn:
            found = conn.execute(query).scalar()
            if found is not None:
                conn.execute(
                    assignments.insert().values(battle_id=found, annotator_id=annotator_id, created=time.time())
                )
        return found

    def battle(self, battle_id: str) -> Battle | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(battles).where(battles.c.id == battle_id)).first()
        return Battle(**row._mapping) if row is not None else None

    def assigned(self, battle_id: str, annotator_id: str) -> bool:
        a = assignments.c
        query = sa.select(a.battle_id).where(a.battle_id == battle_id, a.annotator_id == annotator_id)
        with self._tx() as conn:
            return conn.execute(query).first() is not None

    def save_answers(
        self, battle_id: str, answer_a: str | None, answer_b: str | None, error: str | None = None
    ) -> None:
        values = {"answer_a": answer_a, "answer_b": answer_b, "error": error}
        with self._tx(write=True) as conn:
            conn.execute(battles.update().where(battles.c.id == battle_id).values(**values))

    # --- votes --------------------------------------------------------------------------------------------

    def cast_vote(
        self, battle_id: str, annotator_id: str, winner: str, tags: list[str], correction: str | None
    ) -> None:
        if winner not in OUTCOMES:
            raise ArenaError(f"pick one of A, B, tie or both bad (got {winner!r})")
        unknown = [t for t in tags if t not in TAGS]
        if unknown:
            raise ArenaError(f"unknown reason(s): {', '.join(unknown)}")
        battle = self.battle(battle_id)
        if battle is None or not self.assigned(battle_id, annotator_id):
            raise ArenaError("no such battle for you")
        if not battle.ready:
            raise ArenaError("wait until both answers have finished before voting")
        row = {"battle_id": battle_id, "annotator_id": annotator_id, "winner": winner, "tags": sorted(set(tags))}
        try:
            with self._tx(write=True) as conn:
                conn.execute(
                    votes.insert().values(**row, correction=(correction or "").strip() or None, created=time.time())
                )
        except sa.exc.IntegrityError:
            raise AlreadyVoted("you have already voted on this battle") from None

    def my_votes(self, annotator_id: str, battle_id: str | None = None) -> list[MyVote]:
        """This annotator's own votes, newest first (nobody sees another's)."""
        b, v = battles.c, votes.c
        query = (
            sa.select(v.battle_id, b.lang, b.prompt, v.winner, v.tags, v.correction, b.model_a, b.model_b, v.created)
            .join(battles, b.id == v.battle_id)
            .where(v.annotator_id == annotator_id)
            .order_by(v.created.desc())
        )
        if battle_id is not None:
            query = query.where(v.battle_id == battle_id)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return [MyVote(*row[:4], tuple(row.tags), *row[5:]) for row in rows]

    def all_votes(self, lang: str | None = None) -> list[Vote]:
        """Every vote as the statistics and exports take them (annotators by name)."""
        b, v = battles.c, votes.c
        query = (
            sa.select(battles, v.winner, v.tags, v.correction, v.created.label("voted"), annotators.c.name)
            .select_from(votes.join(battles, b.id == v.battle_id).join(annotators, annotators.c.id == v.annotator_id))
            .order_by(v.id)
        )
        if lang:
            query = query.where(b.lang == lang)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return [
            Vote(
                battle_id=row.id,
                lang=row.lang,
                prompt=row.prompt,
                model_a=row.model_a,
                model_b=row.model_b,
                answer_a=row.answer_a or "",
                answer_b=row.answer_b or "",
                winner=row.winner,
                annotator=row.name,
                prompt_id=row.prompt_id,
                tags=tuple(row.tags),
                correction=row.correction,
                created_at=row.voted,
            )
            for row in rows
        ]

    def vote_count(self) -> int:
        """How many votes exist (a cheap key for caching statistics)."""
        with self._tx() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(votes)).scalar())

    # --- settings -----------------------------------------------------------------------------------------

    def get_setting(self, key: str, default=None):
        with self._tx() as conn:
            value = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()
        return default if value is None else value

    def set_setting(self, key: str, value) -> None:
        with self._tx(write=True) as conn:
            if conn.execute(sa.select(settings.c.key).where(settings.c.key == key)).first() is None:
                conn.execute(settings.insert().values(key=key, value=value))
            else:
                conn.execute(settings.update().where(settings.c.key == key).values(value=value))

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[sa.Connection]:
        try:
            with (self._write_engine if write else self._engine).begin() as conn:
                yield conn
        except sa.exc.OperationalError as err:
            raise ArenaError(f"arena database {self.url_for_humans}: {_reason(err)}") from None


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _annotator(row) -> Annotator:
    return Annotator(row.id, row.name, tuple(row.langs), bool(row.is_admin), tuple(row.granted))


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 2 <= len(name) <= 40 or any(c.isspace() for c in name):
        raise ArenaError("a user name has 2 to 40 characters and no spaces")
    return name


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ArenaError(f"a password has at least {MIN_PASSWORD} characters")
    return password
