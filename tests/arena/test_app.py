"""The arena over HTTP on a live server with scripted models: accounts, battles, votes, privacy, bad input."""

import json

import pytest
from arena_helpers import ANSWERS, PASSWORD, Arena, alert_of, csrf_of, make_store
from live_serve import LiveServer, ScriptedEngine

from seaforge.arena.app import create_app
from seaforge.arena.auth import token_hash


def _battle(client, lang="th", **form) -> str:
    response = client.new_battle(lang, **form)
    assert response.status_code == 303, alert_of(response.text)
    return response.headers["location"]


def _stream(client, battle: str) -> list[dict]:
    response = client.get(f"{battle}/stream")
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def test_invitation_creates_an_account_once_and_stores_only_hashes(arena):
    token = arena.store.create_invitation(["th", "my"])
    visitor = arena.client()
    page = visitor.get(f"/join?token={token}")
    assert page.status_code == 200 and 'value="th" checked' in page.text and 'value="km"' not in page.text
    form = {"token": token, "name": "somchai", "password": PASSWORD, "langs": ["th", "km"], "csrf": csrf_of(page.text)}
    refused = visitor.post("/join", data=form)  # an invitation for Thai and Burmese does not let one judge Khmer
    assert refused.status_code == 400 and "Not a language you can pick here: km" in alert_of(refused.text)
    form["langs"] = ["my"]
    joined = visitor.post("/join", data=form)
    assert joined.status_code == 303 and joined.headers["location"] == "/battle"
    cookie = joined.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "somchai" in visitor.get("/battle").text
    # a token works once
    again = arena.client().get(f"/join?token={token}")
    assert again.status_code == 400 and "unknown, used or expired" in alert_of(again.text)
    # the database holds the token's hash and a salted scrypt hash, never the secrets themselves
    with arena.store._engine.connect() as conn:
        dump = "\n".join(
            str(row)
            for table in ("arena_invitations", "arena_annotators", "arena_sessions")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert token not in dump and token_hash(token) in dump
    assert PASSWORD not in dump and "scrypt$16384$8$1$" in dump
    assert visitor.cookies["arena_session"] not in dump
    [me] = [a for a in arena.store.annotators() if a.name == "somchai"]
    assert (me.langs, me.granted) == (("my",), ("th", "my"))
    # later they may add Thai, which they were invited for, but not Khmer
    assert visitor.post("/account", data={"langs": ["my", "th"], "csrf": visitor.csrf()}).status_code == 303
    assert visitor.post("/account", data={"langs": ["km"], "csrf": visitor.csrf()}).status_code == 400
    assert [a.langs for a in arena.store.annotators() if a.name == "somchai"] == [("my", "th")]


def test_wrong_password_and_csrf_less_posts_are_refused(arena):
    arena.store.create_annotator("dewi", PASSWORD, ["id"])
    client = arena.client()
    wrong = client.login("dewi", "not the password")
    assert wrong.status_code == 400 and alert_of(wrong.text) == "Wrong name or password."
    # a login form posted from elsewhere has no matching CSRF cookie
    forged = arena.client().post("/login", data={"name": "dewi", "password": PASSWORD, "csrf": "guess"})
    assert forged.status_code == 403 and "CSRF" in alert_of(forged.text)
    assert client.login("dewi").status_code == 303
    for token in ("", "guess", client.csrf()[:-1]):
        refused = client.post("/battle", data={"lang": "id", "source": "bank", "csrf": token})
        assert refused.status_code == 403 and "CSRF" in alert_of(refused.text)
    assert client.post("/battle", data={"lang": "id", "source": "bank", "csrf": client.csrf()}).status_code == 303
    # logging out needs the token too, and ends the session on the server, not only in this browser
    token = client.cookies["arena_session"]
    assert client.post("/logout", data={"csrf": "guess"}).status_code == 403
    assert client.post("/logout", data={"csrf": client.csrf()}).headers["location"] == "/login"
    assert arena.store.session(token) is None


def test_pages_need_a_login_and_admin_pages_an_admin(arena):
    anonymous = arena.client()
    for path in ("/battle", "/votes", "/leaderboard", "/admin"):
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    annotator = arena.annotator("lin")
    assert annotator.get("/admin").status_code == 403
    assert annotator.get("/admin/export/dpo.jsonl").status_code == 403
    refused = annotator.post("/admin/invite", data={"langs": ["th"], "csrf": annotator.csrf()})
    assert refused.status_code == 403


def test_a_battle_streams_both_answers_hides_the_models_until_the_vote_then_reveals_them(arena):
    client = arena.annotator("malee")
    battle = _battle(client, "th")
    page = client.get(battle).text
    stored = arena.store.battle(battle.rsplit("/", 1)[1])
    assert stored.prompt_id.startswith("th-") and stored.prompt in page and 'lang="th" id="text-a"' in page
    assert "alpha" not in page and "beta" not in page
    events = _stream(client, battle)
    assert events[-1] == {"done": True}
    texts = {side: "".join(e["text"] for e in events if e.get("side") == side) for side in "ab"}
    assert sorted(texts.values()) == sorted("".join(p) for p in ANSWERS.values())
    # after generation the answers come from the database: a reload streams the same texts, still anonymous
    assert _stream(client, battle) == [
        {"side": "a", "text": texts["a"]},
        {"side": "b", "text": texts["b"]},
        {"done": True},
    ]
    reloaded = client.get(battle).text
    assert texts["a"] in reloaded and "alpha" not in reloaded and "beta" not in reloaded
    assert client.get(f"{battle}/reveal").headers["location"] == battle  # no reveal before the vote

    voted = client.vote(battle, "a", tags=["unnatural", "impolite_register"], correction="คำตอบที่ดีกว่า")
    assert voted.status_code == 303 and voted.headers["location"] == f"{battle}/reveal"
    reveal = client.get(f"{battle}/reveal").text
    assert f'id="model-a">{stored.model_a}<' in reveal and f'id="model-b">{stored.model_b}<' in reveal
    assert {stored.model_a, stored.model_b} == set(ANSWERS)
    assert "Impolite register" in reveal and "คำตอบที่ดีกว่า" in reveal
    [vote] = arena.store.all_votes()
    assert (vote.winner, vote.tags, vote.correction, vote.answer_a) == (
        "a",
        ("impolite_register", "unnatural"),
        "คำตอบที่ดีกว่า",
        texts["a"],
    )
    # the battle page now leads to the reveal, and a second vote changes nothing
    assert client.get(battle).headers["location"] == f"{battle}/reveal"
    assert client.vote(battle, "b").headers["location"] == f"{battle}/reveal"
    assert [v.winner for v in arena.store.all_votes()] == ["a"]


def test_bad_form_input_gives_a_message_not_a_500(arena):
    client = arena.annotator("nguyen", langs=("vi",))
    cases = [
        ({"lang": "th"}, "Pick one of the languages you judge"),
        ({"lang": "vi", "source": "typed", "prompt": "   "}, "Type a prompt"),
        ({"lang": "vi", "source": "typed", "prompt": "x" * 4001}, "at most 4000 characters"),
    ]
    for form, expected in cases:
        response = client.post("/battle", data={"source": "bank", "csrf": client.csrf(), **form})
        assert response.status_code == 400 and expected in alert_of(response.text), form
    battle = _battle(client, "vi", source="typed", prompt="Xin chào, bạn khỏe không?")
    _stream(client, battle)
    for form, expected in [
        ({"winner": "maybe"}, "Pick A, B, tie or both bad"),
        ({"winner": "a", "tags": ["rude"]}, "unknown reason(s): rude"),
        ({"winner": ""}, "Pick A, B, tie or both bad"),
    ]:
        response = client.post(f"{battle}/vote", data={"csrf": client.csrf(), **form})
        assert response.status_code == 400 and expected in alert_of(response.text), form
    assert arena.store.all_votes() == []
    # a malformed request body, an unknown battle, a missing page: messages with their status
    raw = client.post("/battle", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"})
    assert raw.status_code in (400, 403) and alert_of(raw.text)
    assert client.get("/battle/bt_nope").status_code == 404
    assert client.post("/account", data={"csrf": client.csrf()}).status_code == 400
    assert client.post("/account", data={"langs": ["xx"], "csrf": client.csrf()}).status_code == 400


def test_no_vote_before_both_answers_are_finished(arena):
    client = arena.annotator("kanya")
    battle = _battle(client, "th")  # not streamed yet: nothing generated
    response = client.vote(battle, "a")
    assert response.status_code == 400 and "wait until both answers" in alert_of(response.text)


def test_annotators_see_only_their_own_battles_and_votes(arena):
    first, second = arena.annotator("aye"), arena.annotator("bo")
    battle = _battle(first, "my")
    _stream(first, battle)
    first.vote(battle, "b", correction="ပိုကောင်းတဲ့ အဖြေ")
    for path in (battle, f"{battle}/stream", f"{battle}/reveal"):
        assert second.get(path).status_code == 404
    assert second.vote(battle, "a").status_code == 404
    assert "ပိုကောင်းတဲ့" in first.get("/votes").text
    theirs = second.get("/votes").text
    assert "ပိုကောင်းတဲ့" not in theirs and battle.rsplit("/", 1)[1] not in theirs


def test_overlap_serves_a_voted_battle_to_a_second_annotator_for_agreement(arena):
    admin = arena.annotator("admin", admin=True)
    bad = admin.post("/admin/settings", data={"overlap": "150%", "csrf": admin.csrf()})
    assert bad.status_code == 400 and "Overlap must be a share" in alert_of(bad.text)
    assert admin.post("/admin/settings", data={"overlap": "1", "csrf": admin.csrf()}).status_code == 303
    first, second = arena.annotator("som"), arena.annotator("chai")
    battle = _battle(first, "th")
    _stream(first, battle)
    first.vote(battle, "a")
    assert _battle(second, "th") == battle  # re-served, answers already there
    assert second.vote(battle, "a").status_code == 303
    assert _battle(arena.annotator("third"), "my") != battle  # other languages are not affected
    admin_page = admin.get("/admin?lang=th").text
    assert "1 battle judged by several annotators (2 in all)" in admin_page
    assert '<td>som</td><td>th, my</td><td>annotator</td><td class="num">1</td>' in admin_page


def test_leaderboard_and_admin_exports_follow_the_votes(arena):
    admin = arena.annotator("admin", admin=True)
    for i in range(3):
        battle = _battle(admin, "th")
        events = _stream(admin, battle)
        side_of_alpha = "a" if arena.store.battle(battle.rsplit("/", 1)[1]).model_a == "alpha" else "b"
        assert events[-1] == {"done": True}
        admin.vote(battle, side_of_alpha, correction="แก้แล้ว" if i == 0 else "")
    board = admin.get("/leaderboard?lang=th").text
    assert board.index('data-model="alpha"') < board.index('data-model="beta"')
    assert "3 votes in" in board
    dpo = [json.loads(line) for line in admin.get("/admin/export/dpo.jsonl?lang=th").text.splitlines()]
    assert len([r for r in dpo if r["kind"] == "vote"]) == 3
    assert all(r["chosen"][0]["content"] == "".join(ANSWERS["alpha"]) for r in dpo if r["kind"] == "vote")
    sft = [json.loads(line) for line in admin.get("/admin/export/sft.jsonl").text.splitlines()]
    assert [r["messages"][-1]["content"] for r in sft] == ["แก้แล้ว"]
    invited = admin.post("/admin/invite", data={"langs": ["km", "lo"], "csrf": admin.csrf()}).text
    token = invited.split("/join?token=", 1)[1].split('"', 1)[0]
    assert arena.store.invitation(token) == {"langs": ["km", "lo"], "is_admin": False}


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_the_same_flow_on_postgresql(store_url):
    store = make_store(store_url)
    engines = {name: ScriptedEngine(pieces) for name, pieces in ANSWERS.items()}
    with LiveServer(create_app(engines, store)) as server:
        live = Arena(store, server.url)
        client = live.annotator("pg-user", admin=True)
        battle = _battle(client, "my")
        assert _stream(client, battle)[-1] == {"done": True}
        assert client.vote(battle, "tie").status_code == 303
        assert client.vote(battle, "a").headers["location"] == f"{battle}/reveal"
        assert "1 vote in" in client.get("/leaderboard?lang=my").text
        for opened in live.clients:
            opened.close()
    assert [(v.lang, v.winner, v.annotator) for v in store.all_votes()] == [("my", "tie", "pg-user")]
    store.close()
