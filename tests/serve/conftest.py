"""A real, throwaway PostgreSQL server for the store tests, and a fresh store URL per test on each backend."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PG_MISSING = "PostgreSQL server binaries not found (apt-get install postgresql)"


def postgres_bin_dir() -> Path | None:
    """The folder holding initdb and postgres: next to pg_ctl on PATH, else Debian's newest versioned one."""
    candidates = []
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).resolve().parent)
    versioned = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(p) for p in versioned), key=lambda p: int(p.parent.name), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """``postgresql://postgres@127.0.0.1:PORT/seaforge`` on a server started for this test session."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        if os.environ.get("SEAFORGE_REQUIRE_SYSTEM") == "1":
            pytest.fail(PG_MISSING + " and SEAFORGE_REQUIRE_SYSTEM=1")
        pytest.skip(PG_MISSING)
    import psycopg

    # PostgreSQL refuses to run as root: as root, hand the folder to the postgres user and run as it.
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="seaforge-pg-"))
    if user:
        shutil.chown(root, user)
    data, log = root / "data", root / "server.log"
    initdb = [bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-N"]
    done = subprocess.run(initdb, user=user, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{done.stdout}{done.stderr}")
    port = free_port()
    # fsync off: a throwaway server need not survive a power cut, and tests run faster without it.
    server = [bin_dir / "postgres", "-D", data, "-k", root, "-p", str(port), "-c", "listen_addresses=127.0.0.1"]
    server += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen(server, user=user, stdout=log_fh, stderr=subprocess.STDOUT)
    admin = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=2) as conn:
                    conn.execute("CREATE DATABASE seaforge")
                break
            except psycopg.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"PostgreSQL did not start:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.1)
        yield f"postgresql://postgres@127.0.0.1:{port}/seaforge"
    finally:
        proc.send_signal(signal.SIGINT)  # "fast" shutdown: disconnects clients instead of waiting for them
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A URL for a fresh, empty store: a new SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    import psycopg

    server = urlsplit(request.getfixturevalue("postgres_url"))
    name = f"store_{uuid.uuid4().hex[:12]}"
    admin = {"host": server.hostname, "port": server.port, "user": server.username, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://{server.netloc}/{name}"


# tests/support holds the live-server helper; pytest's importlib mode adds no folder to sys.path.
_SUPPORT = str(Path(__file__).resolve().parents[1] / "support")
if _SUPPORT not in sys.path:
    sys.path.insert(0, _SUPPORT)
