"""The arena in a real browser: Debian's Chromium driven by Playwright against `seaforge arena serve` on two
tiny:llama models. An invited annotator joins, judges a Thai battle and a Burmese one by keyboard only, sees
the reveal and the leaderboard, and the export holds what they judged. Screenshots go to tests/arena/artifacts/.
"""

import json
import re
import sys
from pathlib import Path

import pytest
from live_process import chromium, running  # tests/support, on sys.path via conftest
from live_serve import free_port

from seaforge.arena.store import ArenaStore
from seaforge.cli import run
from seaforge.train.dpo import load_pairs

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MODELS = ("tiny:llama", "tiny2")
PASSWORD = "correct horse 7"
BURMESE = "မြန်မာ ထမင်းဟင်း ချက်နည်း ပြောပြပါ"
BURMESE_FIX = "ဆန်ကို ဦးစွာ ဆေးပါ"
ANSWER_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """(base URL, invitation link, database URL) of `seaforge arena serve` started for this module."""
    folder = tmp_path_factory.mktemp("arena")
    db = f"sqlite:///{folder / 'arena.db'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with ArenaStore(db) as store:  # the bank is loaded by the server itself
        link = f"{url}/join?token={store.create_invitation(['th', 'my'])}"
    command = [sys.executable, "-m", "seaforge", "arena", "serve", "--models", "tiny:llama,tiny2=tiny:llama"]
    command += ["--db", db, "--port", str(port), "--max-tokens", "12"]
    with running(command, url, folder / "server.log", what="the arena"):
        yield url, link, db


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


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
