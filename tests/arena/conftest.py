"""Arena fixtures: a fresh arena database (SQLite, or PostgreSQL on a real server the session starts), a live
arena on scripted engines, and a logged-in HTTP client per annotator.

The PostgreSQL server and the live-server helpers are the serve tests' own: loaded from tests/serve/conftest.py
and tests/support/, not copied.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "seaforge_serve_conftest", Path(__file__).parents[1] / "serve" / "conftest.py"
)
_serve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_serve)  # also puts tests/support on sys.path

postgres_url = _serve.postgres_url
store_url = _serve.store_url  # a fresh empty database per test, on sqlite and on postgresql

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from arena_helpers import ANSWERS, Arena, make_store  # noqa: E402
from live_serve import LiveServer, ScriptedEngine  # noqa: E402 (tests/support, on sys.path now)

from seaforge.arena.app import create_app  # noqa: E402


@pytest.fixture
def arena(tmp_path):
    """A live arena of two scripted models on a fresh SQLite database, with the starter prompt bank."""
    store = make_store(f"sqlite:///{tmp_path / 'arena.db'}")
    engines = {name: ScriptedEngine(pieces) for name, pieces in ANSWERS.items()}
    with LiveServer(create_app(engines, store)) as server:
        live = Arena(store, server.url)
        yield live
        for client in live.clients:
            client.close()
    store.close()
