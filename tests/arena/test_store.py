"""The arena database on SQLite and on a real PostgreSQL server: rules the database itself enforces."""

import threading

import pytest
import sqlalchemy as sa
from arena_helpers import PASSWORD, make_store

from seaforge.arena.schema import votes
from seaforge.arena.store import AlreadyVoted, ArenaError, ArenaStore


@pytest.fixture
def store(store_url):
    with make_store(store_url) as opened:
        yield opened


def _ready_battle(store, annotator, lang="th", prompt_id="th-001"):
    battle = store.create_battle(lang, "สวัสดี", prompt_id, "alpha", "beta", annotator.id)
    store.save_answers(battle, "คำตอบ ก", "คำตอบ ข")
    return battle


def test_one_vote_per_battle_and_annotator_even_when_two_requests_race(store):
    me = store.create_annotator("malee", PASSWORD, ["th"])
    battle = _ready_battle(store, me)
    results = []

    def cast(winner):
        try:
            store.cast_vote(battle, me.id, winner, [], None)
            results.append("ok")
        except AlreadyVoted:
            results.append("again")

    threads = [threading.Thread(target=cast, args=(w,)) for w in ("a", "b", "tie", "both_bad")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["again", "again", "again", "ok"]
    assert len(store.all_votes()) == 1
    # the unique constraint itself, not only the store's code, refuses a second row
    with pytest.raises(sa.exc.IntegrityError), store._engine.begin() as conn:
        conn.execute(votes.insert().values(battle_id=battle, annotator_id=me.id, winner="a", tags=[], created=0.0))


def test_an_invitation_makes_exactly_one_account_when_redeemed_twice_at_once(store):
    token = store.create_invitation(["my"], is_admin=True)
    made, refused = [], []

    def redeem(name):
        try:
            made.append(store.redeem_invitation(token, name, PASSWORD, []))
        except ArenaError as err:
            refused.append(str(err))

    threads = [threading.Thread(target=redeem, args=(f"user{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and made[0].langs == ("my",) and made[0].is_admin
    assert len(refused) == 2 and all("unknown, used or expired" in r for r in refused)
    assert store.invitation(token) is None
    assert [a.name for a in store.annotators()] == [made[0].name]


def test_names_are_unique_and_passwords_checked(store):
    store.create_annotator("aye", PASSWORD, ["my"])
    with pytest.raises(ArenaError, match="the name 'aye' is taken"):
        store.create_annotator("aye", PASSWORD, ["th"])
    with pytest.raises(ArenaError, match="at least 8 characters"):
        store.create_annotator("bo", "short", ["my"])
    assert store.login("aye", PASSWORD).name == "aye"
    assert store.login("aye", PASSWORD + "x") is None and store.login("nobody", PASSWORD) is None


def test_sessions_resolve_to_their_annotator_until_ended(store):
    me = store.create_annotator("dewi", PASSWORD, ["id"])
    token = store.create_session(me.id)
    annotator, csrf = store.session(token)
    assert annotator.name == "dewi" and len(csrf) > 30
    assert store.session(token + "x") is None and store.session("") is None
    store.end_session(token)
    assert store.session(token) is None


def test_votes_convert_to_the_shared_record_with_answers_and_names(store):
    me = store.create_annotator("som", PASSWORD, ["th"])
    battle = _ready_battle(store, me)
    store.cast_vote(battle, me.id, "b", ["unnatural", "wrong_facts"], "  ดีกว่า  ")
    [vote] = store.all_votes("th")
    assert (vote.battle_id, vote.lang, vote.prompt, vote.prompt_id) == (battle, "th", "สวัสดี", "th-001")
    assert (vote.model_a, vote.model_b, vote.answer_a, vote.answer_b) == ("alpha", "beta", "คำตอบ ก", "คำตอบ ข")
    assert (vote.winner, vote.tags, vote.correction, vote.annotator) == (
        "b",
        ("unnatural", "wrong_facts"),
        "ดีกว่า",
        "som",
    )
    assert vote.created_at > 0 and store.all_votes("my") == []
    assert [v.winner for v in store.my_votes(me.id)] == ["b"]


def test_bank_prompts_are_not_served_twice_to_one_annotator(store):
    me = store.create_annotator("lin", PASSWORD, ["lo"])
    served = set()
    while (item := store.next_prompt("lo", me.id)) is not None:
        assert item["id"] not in served
        served.add(item["id"])
        store.create_battle("lo", item["text"], item["id"], "alpha", "beta", me.id)
    assert len(served) == store.prompt_counts()["lo"]
    # another annotator starts with the prompts that had the fewest battles: all have one, so any
    other = store.create_annotator("kham", PASSWORD, ["lo"])
    assert store.next_prompt("lo", other.id)["id"] in served


def test_overlap_reserves_a_battle_someone_else_voted_on_at_most_once_per_annotator(store):
    first = store.create_annotator("first", PASSWORD, ["th"])
    second = store.create_annotator("second", PASSWORD, ["th"])
    third = store.create_annotator("third", PASSWORD, ["th"])
    battle = _ready_battle(store, first)
    assert store.reserve_overlap("th", second.id) is None  # nobody voted yet
    store.cast_vote(battle, first.id, "a", [], None)
    assert store.reserve_overlap("th", first.id) is None  # not your own again
    assert store.reserve_overlap("th", second.id) == battle and store.assigned(battle, second.id)
    assert store.reserve_overlap("th", second.id) is None  # already yours
    store.cast_vote(battle, second.id, "a", [], None)
    assert store.reserve_overlap("th", third.id) is None  # two voters is enough (max_voters=2)
    assert store.reserve_overlap("th", third.id, max_voters=3) == battle


def test_bad_database_urls_are_user_errors():
    with pytest.raises(ArenaError, match="in-memory SQLite"):
        ArenaStore("sqlite://")
    with pytest.raises(ArenaError, match="unsupported arena database URL mysql"):
        ArenaStore("mysql://x@y/z")
