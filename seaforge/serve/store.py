"""API keys, rate limits and metering for ``seaforge serve``: one SQL store that every gateway shares.

Limits are enforced in the database, not in a process: several gateways may share one PostgreSQL, so each
admission locks the key's row, counts that key's requests of the last 60 s and records the new one in one
transaction; together the gateways never let more through than the limit. SQLite (one file, WAL mode) is the
embedded default; there ``BEGIN IMMEDIATE`` takes the file's write lock for the same effect.

Secrets are never stored: only their SHA-256, which is all ``authenticate`` needs to find the key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from seaforge.errors import UserError

WINDOW_S = 60.0  # the limits are per rolling minute
NO_KEY = "(no key)"  # how usage() names anonymous requests
_SCHEMA_LOCK = 0x5EAF0C6E  # PostgreSQL advisory lock id: gateways starting together create tables once

metadata = sa.MetaData()

keys_table = sa.Table(
    "sf_keys",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("prefix", sa.String, nullable=False),
    sa.Column("secret_sha256", sa.String, nullable=False, unique=True),
    sa.Column("created", sa.Double, nullable=False),
    sa.Column("revoked_at", sa.Double),  # NULL while the key is live
    sa.Column("rpm", sa.Integer),
    sa.Column("tpm", sa.Integer),
    sa.Column("models", sa.JSON(none_as_null=True)),  # list of model names; NULL = all models
)
# One live key per name, held by the database itself so two CLIs racing cannot both create it.
sa.Index(
    "ix_sf_keys_live_name",
    keys_table.c.name,
    unique=True,
    sqlite_where=keys_table.c.revoked_at.is_(None),
    postgresql_where=keys_table.c.revoked_at.is_(None),
)

usage_table = sa.Table(
    "sf_usage",
    metadata,
    sa.Column("request_id", sa.String, primary_key=True),
    sa.Column("key_id", sa.String, sa.ForeignKey("sf_keys.id")),  # NULL = anonymous
    sa.Column("model", sa.String, nullable=False),
    sa.Column("endpoint", sa.String, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False),
    sa.Column("completion_tokens", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False),  # running, ok, error, blocked, cancelled
    sa.Column("guard", sa.String),
    sa.Column("ts", sa.Double, nullable=False),  # admission time: what the rate window counts
    sa.Column("finished", sa.Double),
    sa.Index("ix_sf_usage_key_ts", "key_id", "ts"),
)


class StoreError(UserError):
    """A store that cannot be opened or used, or a key operation that cannot be done (names the problem)."""


@dataclass(frozen=True)
class ApiKey:
    id: str  # short public id, e.g. "key_3f9a1c2b" (shown in lists and logs)
    name: str
    prefix: str  # first 8 chars of the secret, for humans to recognise it
    created: float  # unix time
    revoked: bool
    rpm: int | None  # requests per minute (None = unlimited)
    tpm: int | None  # tokens per minute, prompt + completion (None = unlimited)
    models: tuple[str, ...] | None  # allowed model names (None = all)


@dataclass(frozen=True)
class Admission:
    ok: bool
    status: int = 200  # 429: over a limit, try later; 413: the request alone exceeds tpm; 401/403: key refused
    reason: str = ""
    retry_after: float = 0.0  # seconds until the oldest counted request leaves the window (>= 1 with 429)


class Store:
    """Keys and usage in SQLite (a file path or ``sqlite:///path``) or PostgreSQL (``postgresql://...``).

    Thread-safe: every call takes a pooled connection for one transaction.
    """

    def __init__(self, url: str):
        self.url_for_humans = _mask_password(url)
        sa_url = _database_url(url)
        if "://" not in url:
            self.url_for_humans = sa_url.render_as_string()
        self._engine: sa.Engine | None = None
        try:
            self._engine, self._write_engine = open_engines(sa_url, metadata, _SCHEMA_LOCK)
        except (sa.exc.SQLAlchemyError, ImportError, OSError) as err:
            raise StoreError(f"cannot open store {self.url_for_humans}: {_reason(err)}") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # --- keys ---------------------------------------------------------------------------------------------

    def create_key(
        self, name: str, rpm: int | None = None, tpm: int | None = None, models: list[str] | None = None
    ) -> tuple[ApiKey, str]:
        """A new live key and its secret; the secret is returned here once and never stored."""
        name = (name or "").strip()
        if not name:
            raise StoreError("a key needs a name")
        for label, limit in (("rpm", rpm), ("tpm", tpm)):
            if limit is not None and (not isinstance(limit, int) or limit < 1):
                raise StoreError(f"{label} must be a positive whole number or unset (unlimited), not {limit!r}")
        # An empty list is what a CLI gives when --model is not passed: treat it as "all models".
        allowed = tuple(m.strip() for m in models if m.strip()) if models else ()
        secret = "sf-" + secrets.token_urlsafe(32)
        key = ApiKey(
            id="key_" + secrets.token_hex(4),
            name=name,
            prefix=secret[:8],
            created=time.time(),
            revoked=False,
            rpm=rpm,
            tpm=tpm,
            models=allowed or None,
        )
        row = {
            "id": key.id,
            "name": key.name,
            "prefix": key.prefix,
            "secret_sha256": _sha256(secret),
            "created": key.created,
            "rpm": rpm,
            "tpm": tpm,
            "models": list(allowed) or None,
        }
        try:
            with self._transaction(write=True) as conn:
                conn.execute(keys_table.insert().values(**row))
        except sa.exc.IntegrityError:
            raise StoreError(f"a live key named {name!r} already exists (revoke it or pick another name)") from None
        return key, secret

    def list_keys(self, include_revoked: bool = True) -> list[ApiKey]:
        query = sa.select(keys_table).order_by(keys_table.c.created, keys_table.c.id)
        if not include_revoked:
            query = query.where(keys_table.c.revoked_at.is_(None))
        with self._transaction() as conn:
            return [_api_key(row) for row in conn.execute(query)]

    def revoke_key(self, id_or_name: str) -> ApiKey:
        """Revoke a key by id, or by name (the live key of that name); revoking twice changes nothing."""
        with self._transaction(write=True) as conn:
            row = _find_key(conn, id_or_name)
            if row is None:
                raise StoreError(f"no key with id or name {id_or_name!r} (see `seaforge serve keys list`)")
            if row.revoked_at is None:
                update = keys_table.update().where(keys_table.c.id == row.id).values(revoked_at=time.time())
                conn.execute(update)
                row = _find_key(conn, row.id)
            return _api_key(row)

    def authenticate(self, secret: str) -> ApiKey | None:
        """The key whose secret this is (check `revoked`: the server tells such a client so), or None."""
        if not secret:
            return None
        query = sa.select(keys_table).where(keys_table.c.secret_sha256 == _sha256(secret))
        with self._transaction() as conn:
            row = conn.execute(query).first()
        return _api_key(row) if row is not None else None

    def has_keys(self) -> bool:
        query = sa.select(keys_table.c.id).where(keys_table.c.revoked_at.is_(None)).limit(1)
        with self._transaction() as conn:
            return conn.execute(query).first() is not None

    # --- admission and metering ---------------------------------------------------------------------------

    def admit(
        self,
        request_id: str,
        key: ApiKey | None,
        model: str,
        endpoint: str,
        prompt_tokens: int,
        now: float | None = None,
    ) -> Admission:
        """Check the key's limits and record the request as running, atomically across all gateways.

        Anonymous requests (``key`` None) are recorded and never limited.
        """
        now = time.time() if now is None else now
        with self._transaction(write=True) as conn:
            if key is not None:
                # Lock the key's row (PostgreSQL; SQLite already holds the write lock) so that the count below
                # and the insert after it are one step for every gateway admitting on this key.
                locked = sa.select(keys_table).where(keys_table.c.id == key.id).with_for_update()
                refused = _refusal(conn, conn.execute(locked).first(), key, model, prompt_tokens, now)
                if refused is not None:
                    return refused
            conn.execute(
                usage_table.insert().values(
                    request_id=request_id,
                    key_id=key.id if key is not None else None,
                    model=model,
                    endpoint=endpoint,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=0,
                    status="running",
                    ts=now,
                )
            )
        return Admission(ok=True)

    def finish(
        self,
        request_id: str,
        prompt_tokens: int,
        completion_tokens: int,
        status: str,
        guard: str | None = None,
        now: float | None = None,
    ) -> None:
        """Record how an admitted request ended; its tokens keep counting against the key for the window."""
        update = (
            usage_table.update()
            .where(usage_table.c.request_id == request_id)
            .values(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                status=status,
                guard=guard,
                finished=time.time() if now is None else now,
            )
        )
        with self._transaction(write=True) as conn:
            if conn.execute(update).rowcount == 0:
                raise StoreError(f"no admitted request with id {request_id!r} to finish")

    def usage(self, since: float | None = None, key: str | None = None) -> list[dict]:
        """Totals per (key name, model) since a unix time; ``key`` (id, name or "(no key)") narrows to one key."""
        k, u = keys_table, usage_table
        query = (
            sa.select(
                k.c.name,
                u.c.model,
                sa.func.count(),
                sa.func.sum(u.c.prompt_tokens),
                sa.func.sum(u.c.completion_tokens),
                sa.func.sum(sa.case((u.c.status == "blocked", 1), else_=0)),
                sa.func.sum(sa.case((u.c.status == "error", 1), else_=0)),
            )
            .select_from(u.outerjoin(k, u.c.key_id == k.c.id))
            .group_by(k.c.name, u.c.model)
        )
        if since is not None:
            query = query.where(u.c.ts >= since)
        with self._transaction() as conn:
            if key == NO_KEY:
                query = query.where(u.c.key_id.is_(None))
            elif key is not None:
                found = _find_key(conn, key)
                if found is None:
                    raise StoreError(f"no key with id or name {key!r} (see `seaforge serve keys list`)")
                query = query.where(k.c.name == found.name)  # usage is grouped by name, revoked keys included
            rows = conn.execute(query).all()
        totals = [
            {
                "key": name if name is not None else NO_KEY,
                "model": model,
                "requests": int(requests),
                "prompt_tokens": int(prompt or 0),
                "completion_tokens": int(completion or 0),
                "total_tokens": int(prompt or 0) + int(completion or 0),
                "blocked": int(blocked or 0),
                "errors": int(errors or 0),
            }
            for name, model, requests, prompt, completion, blocked, errors in rows
        ]
        # Sorted here, not in SQL: SQLite and PostgreSQL collate text differently.
        return sorted(totals, key=lambda row: (row["key"], row["model"]))

    # --- plumbing -----------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sa.Connection]:
        """One transaction on a pooled connection; ``write`` makes SQLite take its write lock at BEGIN."""
        try:
            with (self._write_engine if write else self._engine).begin() as conn:
                yield conn
        except sa.exc.OperationalError as err:  # server gone, file locked too long: say which store
            raise StoreError(f"store {self.url_for_humans}: {_reason(err)}") from None


def _refusal(conn: sa.Connection, row, key: ApiKey, model: str, prompt_tokens: int, now: float) -> Admission | None:
    """Why the key (its locked row) may not make this request now, or None when it may."""
    if row is None or row.revoked_at is not None:
        return Admission(False, 401, f"key {key.name} has been revoked")
    name = row.name
    if row.models is not None and model not in row.models:
        return Admission(False, 403, f"key {name} may not use model {model} (allowed: {', '.join(row.models)})")
    if row.tpm is not None and prompt_tokens > row.tpm:
        # Waiting cannot help: 413, not 429, so clients do not retry it forever.
        reason = (
            f"the request's {prompt_tokens} prompt tokens exceed the tokens per minute limit ({row.tpm}) "
            f"of key {name} by themselves"
        )
        return Admission(False, 413, reason)
    if row.rpm is None and row.tpm is None:
        return None
    u = usage_table
    window = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(u.c.prompt_tokens + u.c.completion_tokens), 0),
        sa.func.min(u.c.ts),
    ).where(u.c.key_id == row.id, u.c.ts > now - WINDOW_S)
    count, tokens, oldest = conn.execute(window).one()
    # Clamped to [1, 60]: a client needs a positive wait, and clocks of different gateways may disagree a little.
    retry_after = min(max(1.0, oldest + WINDOW_S - now), WINDOW_S) if count else 1.0
    if row.rpm is not None and count >= row.rpm:
        return Admission(False, 429, f"requests per minute limit ({row.rpm}) reached for key {name}", retry_after)
    if row.tpm is not None and tokens + prompt_tokens > row.tpm:
        reason = (
            f"tokens per minute limit ({row.tpm}) reached for key {name}: {tokens} tokens in the last 60 s, "
            f"this request needs {prompt_tokens} more"
        )
        return Admission(False, 429, reason, retry_after)
    return None


def _find_key(conn: sa.Connection, id_or_name: str):
    """The key row with this id, else the live key with this name, else the newest revoked one of that name."""
    k = keys_table
    row = conn.execute(sa.select(k).where(k.c.id == id_or_name)).first()
    if row is None:
        live_first = sa.case((k.c.revoked_at.is_(None), 0), else_=1)
        query = sa.select(k).where(k.c.name == id_or_name).order_by(live_first, k.c.created.desc()).limit(1)
        row = conn.execute(query).first()
    return row


def _api_key(row) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created=row.created,
        revoked=row.revoked_at is not None,
        rpm=row.rpm,
        tpm=row.tpm,
        models=tuple(row.models) if row.models is not None else None,
    )


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _database_url(url: str) -> sa.URL:
    """The SQLAlchemy URL for a store URL or a plain file path (SQLite)."""
    if not url or not url.strip():
        raise StoreError("the store URL is empty (give a file path, sqlite:///path.db or postgresql://...)")
    if "://" not in url:
        return sa.URL.create("sqlite", database=str(Path(url).expanduser().resolve()))
    try:
        sa_url = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(f"not a database URL: {_mask_password(url)}") from None
    if sa_url.drivername in ("postgresql", "postgres"):
        return sa_url.set(drivername="postgresql+psycopg")  # psycopg 3, not SQLAlchemy's default psycopg2
    if sa_url.get_backend_name() == "postgresql":
        return sa_url
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database in (None, "", ":memory:"):
            # Each pooled connection would see its own empty database, so threads would not share keys.
            raise StoreError(f"store {_mask_password(url)}: an in-memory SQLite store cannot be shared; give a file")
        return sa_url
    raise StoreError(
        f"unsupported store URL {sa_url.render_as_string(hide_password=True)} "
        "(use a file path, sqlite:///path.db or postgresql://user@host:port/db)"
    )


def open_engines(sa_url: sa.URL, schema: sa.MetaData, lock: int) -> tuple[sa.Engine, sa.Engine]:
    """An engine and its write variant, with ``schema``'s tables created (under a PostgreSQL
    advisory lock ``lock``, so servers starting together create them once). The arena's store uses
    it too."""
    engine = _create_engine(sa_url)
    try:
        # Write transactions: on SQLite, the begin hook reads this option and takes the write lock at BEGIN.
        write = engine.execution_options(seaforge_write=True)
        with write.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock)))
            schema.create_all(conn)
    except BaseException:
        engine.dispose()
        raise
    return engine, write


def _create_engine(sa_url: sa.URL) -> sa.Engine:
    if sa_url.get_backend_name() == "postgresql":
        # pre_ping: a gateway outlives a database restart without serving one error per pooled connection.
        return sa.create_engine(sa_url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    Path(sa_url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # timeout: the busy timeout, how long a writer waits for another's write lock before giving up.
    engine = sa.create_engine(sa_url, connect_args={"check_same_thread": False, "timeout": 30})
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn, _record) -> None:
    # pysqlite's own implicit BEGIN would defer the lock to the first write; we issue BEGIN ourselves.
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer, nor it for them
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a commit no longer waits for fsync
    dbapi_conn.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock now, so a read-count-insert cannot interleave with another writer's.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("seaforge_write") else "BEGIN")


def _mask_password(url: str) -> str:
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def _reason(err: BaseException) -> str:
    """The driver's own words on one line, without SQLAlchemy's statement dump and help link."""
    text = str(err.orig) if isinstance(err, sa.exc.DBAPIError) and err.orig is not None else str(err)
    if isinstance(err, ImportError):
        text += " (PostgreSQL stores need psycopg 3: pip install 'psycopg[binary]')"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())
