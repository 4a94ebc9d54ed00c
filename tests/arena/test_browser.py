"""The arena in a real browser: Debian's Chromium driven by Playwright against `seaforge arena serve` on two
tiny:llama models. An invited annotator joins, judges a Thai battle and a Burmese one by keyboard only, sees
the reveal and the leaderboard, and the export holds what they judged. Screenshots go to tests/arena/artifacts/.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from seaforge.arena.store import ArenaStore
from seaforge.cli import run
from seaforge.train.dpo import load_pairs

_spec = importlib.util.spec_from_file_location(
    "seaforge_playground_browser", Path(__file__).parents[1] / "serve" / "test_playground_browser.py"
)
_playground = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_playground)  # the serve tests' Chromium path, launch flags and skip rule

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MODELS = ("tiny:llama", "tiny2")
PASSWORD = "correct horse 7"
BURMESE = "မြန်မာ ထမင်းဟင်း ချက်နည်း ပြောပြပါ"
BURMESE_FIX = "ဆန်ကို ဦးစွာ ဆေးပါ"
ANSWER_TIMEOUT_MS = 90_000


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """(base URL, invitation link, database URL) of `seaforge arena serve` started for this module."""
    folder = tmp_path_factory.mktemp("arena")
    db = f"sqlite:///{folder / 'arena.db'}"
    port = _playground._free_port()
    url = f"http://127.0.0.1:{port}"
    with ArenaStore(db) as store:  # the bank is loaded by the server itself
        link = f"{url}/join?token={store.create_invitation(['th', 'my'])}"
    command = [sys.executable, "-m", "seaforge", "arena", "serve", "--models", "tiny:llama,tiny2=tiny:llama"]
    command += ["--db", db, "--port", str(port), "--max-tokens", "12"]
    log_path = folder / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while not _health(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {proc.returncode}" if proc.poll() is not None else "no /health in 120 s"
                pytest.fail(f"the arena {why}:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield url, link, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    if not Path(_playground.CHROMIUM).exists():
        _playground._missing(f"{_playground.CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _playground._missing("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=_playground.CHROMIUM, args=_playground.CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_for_answers(page, lang: str) -> None:
    from playwright.sync_api import expect

    for side in "ab":
        expect(page.locator(f"#answer-{side}")).to_have_attribute("data-state", "done", timeout=ANSWER_TIMEOUT_MS)
        assert page.locator(f"#text-{side}").get_attribute("lang") == lang
    expect(page.locator("#vote")).to_be_enabled()
    html = page.content()
    assert not any(model in html for model in MODELS), "a model name shows before the vote"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_an_invited_annotator_judges_thai_and_burmese_by_keyboard(arena, browser, tmp_path):
    from playwright.sync_api import expect

    url, link, db = arena
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    fetched, errors = [], []
    page.on("request", lambda request: fetched.append(request.url))
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        # join through the invitation: Thai and Burmese are already ticked
        page.goto(link)
        expect(page.locator("#name")).to_be_focused()
        page.keyboard.type("ploy")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(url + "/battle")

        # Thai: pick it, the bank's next prompt (Tab to the button), vote "A" with the 1 key, Enter
        expect(page.locator("#from-bank")).to_be_focused()
        page.keyboard.press("Shift+Tab")
        expect(page.locator("#lang")).to_be_focused()
        page.select_option("#lang", "th")
        page.keyboard.press("Tab")
        expect(page.locator("#from-bank")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/battle/bt_\w+$"))
        _wait_for_answers(page, "th")
        _shot(page, "arena_battle_th.png")
        page.keyboard.press("1")
        expect(page.locator("#winner-a")).to_be_checked()
        expect(page.locator("#vote")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#your-vote")).to_have_attribute("data-winner", "a")
        revealed = {page.locator("#model-a").inner_text(), page.locator("#model-b").inner_text()}
        assert revealed == set(MODELS)
        _shot(page, "arena_reveal_th.png")

        # Burmese: N for the next battle, pick Burmese, type a prompt, Ctrl+Enter
        page.keyboard.press("n")
        expect(page).to_have_url(url + "/battle?lang=th")
        page.select_option("#lang", "my")
        page.focus("#prompt")
        page.keyboard.type(BURMESE)
        page.keyboard.press("Control+Enter")
        _wait_for_answers(page, "my")
        assert page.locator("#prompt").inner_text() == BURMESE
        # both bad (X), tick "wrong language" with Space, write a correction, Tab to Vote, Enter
        page.keyboard.press("x")
        expect(page.locator("#winner-both_bad")).to_be_checked()
        page.focus("#tag-wrong_language")
        page.keyboard.press("Space")
        page.focus("#correction")
        page.keyboard.type(BURMESE_FIX)
        page.keyboard.press("Tab")
        expect(page.locator("#vote")).to_be_focused()
        _shot(page, "arena_battle_my.png")
        page.keyboard.press("Enter")
        expect(page.locator("#your-vote")).to_have_attribute("data-winner", "both_bad")
        expect(page.locator("#correction")).to_have_text(BURMESE_FIX)
        # the Noto families the page asks for are installed (a local() face, by full name, fails when missing)
        families = ["Noto Sans Thai", "Noto Sans Myanmar", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans Tamil"]
        loaded = page.evaluate(
            """async (families) => Promise.all(families.map((family) =>
                new FontFace("probe " + family, `local("${family} Regular")`).load().then(() => true, () => false)))""",
            families + ["No Such Font"],
        )
        assert loaded == [True] * len(families) + [False], dict(zip(families + ["No Such Font"], loaded))
        css = page.evaluate("getComputedStyle(document.querySelector('#answer-a .text')).fontFamily")
        assert css.startswith('"Noto Sans Myanmar"')
        _shot(page, "arena_reveal_my.png")

        # the leaderboard ranks both models on the Thai vote
        page.goto(url + "/leaderboard?lang=th")
        expect(page.locator("#leaderboard tbody tr")).to_have_count(2)
        assert "1 vote in" in page.locator("main").inner_text()
        _shot(page, "arena_leaderboard.png")
        assert errors == []
        assert all(u.startswith(url + "/") for u in fetched), [u for u in fetched if not u.startswith(url)]
    finally:
        context.close()

    dpo, sft = tmp_path / "pairs.jsonl", tmp_path / "sft.jsonl"
    assert run(["arena", "export", "--dpo", str(dpo), "--sft", str(sft), "--db", db]) == 0
    pairs, skipped = load_pairs(dpo)
    assert skipped == 0 and len(pairs) >= 1  # the Thai vote (the Burmese one adds correction pairs)
    chats = [json.loads(line) for line in sft.read_text(encoding="utf-8").splitlines()]
    assert [c["messages"] for c in chats] == [
        [{"role": "user", "content": BURMESE}, {"role": "assistant", "content": BURMESE_FIX}]
    ]
