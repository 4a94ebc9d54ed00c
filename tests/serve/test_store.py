"""The serve store on SQLite and on a real PostgreSQL: keys, secrets, limits, metering, and limits across gateways."""

import glob
import hashlib
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from seaforge.serve.store import NO_KEY, Admission, Store, StoreError

T0 = 1_700_000_000.0  # a fixed clock: admit/finish take `now`, so windows are exact
CHAT = "/v1/chat/completions"


@pytest.fixture
def open_store(store_url):
    """Opens stores on the test's database (as many gateways would) and closes them after the test."""
    stores = []

    def open_one() -> Store:
        stores.append(Store(store_url))
        return stores[-1]

    yield open_one
    for store in stores:
        store.close()


@pytest.fixture
def store(open_store) -> Store:
    return open_store()


def table_dump(store_url: str) -> str:
    """Every row of every table in the store's database, as text."""
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return repr([conn.execute(sa.select(table)).all() for table in meta.sorted_tables])
    finally:
        engine.dispose()


def test_keys_create_list_revoke(store):
    assert not store.has_keys()
    a, secret = store.create_key("app-a", rpm=10, tpm=1000, models=["m1", "m2"])
    assert a.id.startswith("key_") and a.name == "app-a" and not a.revoked
    assert secret.startswith("sf-") and len(secret) > 40 and a.prefix == secret[:8]
    assert (a.rpm, a.tpm, a.models) == (10, 1000, ("m1", "m2"))
    b, _ = store.create_key("app-b", models=[])  # no --model given: all models
    assert (b.rpm, b.tpm, b.models) == (None, None, None)
    assert store.list_keys() == [a, b]
    assert store.has_keys()

    revoked = store.revoke_key("app-a")  # by name
    assert revoked.id == a.id and revoked.revoked
    assert store.revoke_key(b.id).revoked  # by id
    assert store.revoke_key(b.id).revoked  # twice: no change, no error
    assert store.list_keys(include_revoked=False) == []
    assert [key.revoked for key in store.list_keys()] == [True, True]
    assert not store.has_keys()


def test_duplicate_names_and_unknown_keys(store):
    first, _ = store.create_key("app")
    with pytest.raises(StoreError, match="'app' already exists"):
        store.create_key("app")
    store.revoke_key("app")
    second, _ = store.create_key("app")  # the name is free again once its key is revoked
    assert store.revoke_key("app").id == second.id  # the name means the live key
    assert [key.id for key in store.list_keys()] == [first.id, second.id]
    with pytest.raises(StoreError, match="no key with id or name 'nope'"):
        store.revoke_key("nope")
    with pytest.raises(StoreError, match="needs a name"):
        store.create_key("  ")
    with pytest.raises(StoreError, match="rpm must be a positive"):
        store.create_key("zero", rpm=0)


def test_secret_is_never_stored(store_url, store):
    key, secret = store.create_key("app")
    assert store.authenticate(secret) == key
    dump = table_dump(store_url)
    assert hashlib.sha256(secret.encode()).hexdigest() in dump  # the dump does hold the key's row
    assert secret not in dump and secret[8:] not in dump
    if store_url.startswith("sqlite:///"):  # the raw file and its write-ahead log too
        for path in glob.glob(store_url.removeprefix("sqlite:///") + "*"):
            assert secret[8:].encode() not in Path(path).read_bytes(), path


def test_authenticate(store):
    key, secret = store.create_key("app")
    other, other_secret = store.create_key("other")
    assert store.authenticate(secret) == key
    assert store.authenticate(other_secret) == other
    assert store.authenticate(secret + "x") is None
    assert store.authenticate("sf-wrong") is None
    assert store.authenticate("") is None
    store.revoke_key("app")
    assert store.authenticate(secret).revoked
    assert store.authenticate(other_secret) == other


def test_requests_per_minute(store):
    key, _ = store.create_key("my-app", rpm=3)
    for i in range(3):
        assert store.admit(f"r{i}", key, "m", CHAT, 10, now=T0 + i).ok
    refused = store.admit("r3", key, "m", CHAT, 10, now=T0 + 3)
    assert (refused.ok, refused.status) == (False, 429)
    assert refused.reason == "requests per minute limit (3) reached for key my-app"
    assert 0 < refused.retry_after <= 60 and refused.retry_after == pytest.approx(57)  # when r0 leaves
    assert store.admit("r4", key, "m", CHAT, 10, now=T0 + 60.5).ok  # r0 has left the window
    again = store.admit("r5", key, "m", CHAT, 10, now=T0 + 60.5)
    assert again.status == 429 and again.retry_after == 1.0  # r1 leaves in 0.5 s: never less than 1
    assert store.admit("r6", key, "m", CHAT, 10, now=T0 + 62.5).ok  # r1 and r2 have left
    assert store.usage()[0]["requests"] == 5  # refused requests are not recorded


def test_tokens_per_minute_count_completions(store):
    key, _ = store.create_key("my-app", tpm=100)
    assert store.admit("r1", key, "m", CHAT, 30, now=T0).ok
    store.finish("r1", 30, 50, "ok", now=T0 + 1)  # 80 tokens used in the window
    refused = store.admit("r2", key, "m", CHAT, 30, now=T0 + 1)
    assert refused.status == 429 and "tokens per minute limit (100) reached for key my-app" in refused.reason
    assert refused.retry_after == pytest.approx(59)
    assert store.admit("r3", key, "m", CHAT, 20, now=T0 + 2).ok  # exactly 100
    assert store.admit("r4", key, "m", CHAT, 1, now=T0 + 2).status == 429  # r3 still running counts its prompt
    assert store.admit("r5", key, "m", CHAT, 80, now=T0 + 61).ok  # r1 left; r3's 20 + 80


def test_request_bigger_than_tpm_is_413(store):
    key, _ = store.create_key("my-app", tpm=100)
    refused = store.admit("r1", key, "m", CHAT, 101, now=T0)
    assert (refused.ok, refused.status, refused.retry_after) == (False, 413, 0.0)
    assert "101 prompt tokens exceed the tokens per minute limit (100) of key my-app" in refused.reason
    assert store.usage() == []


def test_anonymous_requests_are_recorded_never_limited(store):
    store.create_key("limited", rpm=1, tpm=1)
    for i in range(20):
        assert store.admit(f"r{i}", None, "m", CHAT, 10**6, now=T0) == Admission(ok=True)
    [row] = store.usage()
    assert (row["key"], row["requests"], row["prompt_tokens"]) == (NO_KEY, 20, 20 * 10**6)


def test_model_allowlist_and_revoked_key(store):
    key, _ = store.create_key("app", models=["m1"])
    refused = store.admit("r1", key, "m2", CHAT, 1, now=T0)
    assert refused.status == 403 and "may not use model m2" in refused.reason
    assert store.admit("r2", key, "m1", CHAT, 1, now=T0).ok
    store.revoke_key("app")  # revoked by another process after the request authenticated
    assert store.admit("r3", key, "m1", CHAT, 1, now=T0).status == 401


def test_usage_totals(store):
    a, _ = store.create_key("a")
    b, _ = store.create_key("b")
    requests = [  # request id, key, model, prompt, completion, status
        ("1", a, "m1", 10, 5, "ok"),
        ("2", a, "m1", 20, 0, "error"),
        ("3", a, "m2", 7, 3, "blocked"),
        ("4", b, "m1", 1, 1, "ok"),
        ("5", None, "m1", 4, 6, "ok"),
        ("6", a, "m1", 9, None, "running"),  # not finished yet
    ]
    for i, (rid, key, model, prompt, completion, status) in enumerate(requests):
        assert store.admit(rid, key, model, CHAT, prompt, now=T0 + i).ok
        if completion is not None:
            store.finish(rid, prompt, completion, status, guard="pii" if status == "blocked" else None)

    def row(key, model, requests, prompt, completion, blocked=0, errors=0):
        return dict(
            key=key,
            model=model,
            requests=requests,
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=prompt + completion,
            blocked=blocked,
            errors=errors,
        )

    assert store.usage() == [
        row(NO_KEY, "m1", 1, 4, 6),
        row("a", "m1", 3, 39, 5, errors=1),
        row("a", "m2", 1, 7, 3, blocked=1),
        row("b", "m1", 1, 1, 1),
    ]
    assert store.usage(key="b") == store.usage(key=b.id) == [row("b", "m1", 1, 1, 1)]
    assert store.usage(key=NO_KEY) == [row(NO_KEY, "m1", 1, 4, 6)]
    assert store.usage(since=T0 + 3) == [row(NO_KEY, "m1", 1, 4, 6), row("a", "m1", 1, 9, 0), row("b", "m1", 1, 1, 1)]
    with pytest.raises(StoreError, match="no key with id or name 'nope'"):
        store.usage(key="nope")
    with pytest.raises(StoreError, match="no admitted request with id 'never'"):
        store.finish("never", 1, 1, "ok")


def test_two_gateways_enforce_one_limit(open_store):
    """16 threads on two stores (two gateways) admit on one key at the same instant: exactly rpm get through."""
    gateways = [open_store(), open_store()]
    key, _ = gateways[0].create_key("busy", rpm=5)
    start = threading.Barrier(16)
    results: list[Admission] = []

    def client(i: int) -> None:
        start.wait()
        results.append(gateways[i % 2].admit(f"c{i}", key, "m", CHAT, 1, now=T0))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in results) == [200] * 5 + [429] * 11
    assert gateways[1].usage()[0]["requests"] == 5


def test_bad_urls(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    for url, message in [
        ("", "empty"),
        ("mysql://me:hunter2@db/x", "unsupported store URL mysql://me:\\*\\*\\*@db/x"),
        ("sqlite://", "in-memory"),
        (f"sqlite:///{not_a_folder}/x.db", "cannot open store sqlite:///"),
    ]:
        with pytest.raises(StoreError, match=message) as err:
            Store(url)
        assert "hunter2" not in str(err.value)
    plain = Store(str(tmp_path / "new" / "store.db"))  # a plain path: SQLite, folder created
    assert plain.url_for_humans == f"sqlite:///{tmp_path / 'new' / 'store.db'}" and not plain.has_keys()
    plain.close()


def test_bad_postgres_urls(postgres_url):
    server = postgres_url.rsplit("/", 1)[0]
    closed = "postgresql://postgres:hunter2@127.0.0.1:1/seaforge"  # nothing listens on port 1
    with pytest.raises(StoreError, match=r"cannot open store postgresql://postgres:\*\*\*@127.0.0.1") as err:
        Store(closed)
    assert "hunter2" not in str(err.value)
    with pytest.raises(StoreError, match='database "no_such_db" does not exist'):
        Store(server + "/no_such_db")
    with Store(postgres_url.replace("postgres@", "postgres:hunter2@")) as store:  # trust auth ignores it
        assert "hunter2" not in store.url_for_humans and ":***@" in store.url_for_humans
