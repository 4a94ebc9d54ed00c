"""Helpers of the arena tests: a logged-in client per annotator and a live arena (imported as `arena_helpers`;
tests/arena/conftest.py puts this folder on sys.path, as pytest's importlib mode adds none)."""

import re

import httpx

from seaforge.arena.prompts import bundled_bank
from seaforge.arena.store import ArenaStore

PASSWORD = "correct horse 7"
# Two models whose answers differ, so a page can be checked for which one it shows.
ANSWERS = {"alpha": ["สวัสดี", "ครับ ", "ยินดีช่วย"], "beta": ["မင်္ဂလာပါ", " ", "ကူညီပါမယ်"]}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def alert_of(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


class Client(httpx.Client):
    """An annotator's browser without the browser: cookies, and the page's CSRF token for each POST."""

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        token = csrf_of(self.get("/login").text)
        return self.post("/login", data={"name": name, "password": password, "csrf": token})

    def csrf(self) -> str:
        return csrf_of(self.get("/account").text)

    def new_battle(self, lang: str = "th", **form) -> httpx.Response:
        return self.post("/battle", data={"lang": lang, "source": "bank", "csrf": self.csrf(), **form})

    def vote(self, battle: str, winner: str, **form) -> httpx.Response:
        return self.post(f"{battle}/vote", data={"winner": winner, "csrf": self.csrf(), **form})


class Arena:
    def __init__(self, store: ArenaStore, url: str):
        self.store, self.url = store, url
        self.clients: list[Client] = []

    def client(self, name: str | None = None, password: str = PASSWORD) -> Client:
        client = Client(base_url=self.url, timeout=30)
        self.clients.append(client)
        if name is not None:
            response = client.login(name, password)
            assert response.status_code == 303, alert_of(response.text)
        return client

    def annotator(self, name: str, langs=("th", "my"), admin: bool = False) -> Client:
        self.store.create_annotator(name, PASSWORD, list(langs), is_admin=admin)
        return self.client(name)


def make_store(url: str) -> ArenaStore:
    store = ArenaStore(url)
    store.import_prompts(bundled_bank())
    return store
