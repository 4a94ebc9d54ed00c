"""Arena page loads on loopback: 50 concurrent annotators against the same pages for one annotator.

    .venv/bin/python bench/bench_arena_load.py [--annotators 50] [--pages 30] [--think 0.5] [--db URL] [--json out.json]

The server is the real arena app (create_app on a SQLite file, or --db postgresql://...) under uvicorn in a
child process of its own, so the clients (httpx, asyncio) do not share its GIL. The two models are scripted
engines from tests/support: page loads are measured, not generation. Before measuring, every annotator gets
an account, a session, battles and votes: 6 votes each over four models (300 votes with 50 annotators), so
the leaderboard has real statistics to show, and one unvoted battle.

Each annotator loads, in a loop, its new-battle page, its open battle, its votes, the Thai leaderboard and
the all-languages leaderboard, `--pages` loads in all, waiting a random 0 to 2x`--think` seconds between
loads (a person reading); `--think 0` is the worst case, every annotator reloading as fast as it can. The
same loop runs first with one annotator (the baseline) and then with all of them at once; the bench prints
p50/p95/max per run and the ratio of the two, and exits 1 when p95 with all annotators is 100 ms or more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"
sys.path.insert(0, str(SUPPORT))

MODELS = ("alpha", "beta", "gamma", "delta")
STRENGTH = {"alpha": 0.7, "beta": 0.55, "gamma": 0.45, "delta": 0.3}  # chance of winning a decisive vote, roughly
TARGET_P95_MS = 100.0


def _serve(db: str, port: int) -> None:
    """The child: the arena app on 127.0.0.1:port."""
    import uvicorn
    from live_serve import ScriptedEngine

    from seaforge.arena.app import create_app
    from seaforge.arena.store import ArenaStore

    engines = {name: ScriptedEngine([f"answer of {name}"]) for name in MODELS}
    app = create_app(engines, ArenaStore(db), langs=["th", "my"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def seed(db: str, annotators: int, rng: random.Random) -> list[tuple[str, str]]:
    """Accounts, sessions, votes and one open battle per annotator; returns (session token, open battle)."""
    from seaforge.arena.prompts import bundled_bank
    from seaforge.arena.store import ArenaStore

    store = ArenaStore(db)
    store.import_prompts(bundled_bank())
    users = []
    for i in range(annotators):
        me = store.create_annotator(f"annotator{i:02d}", "bench password", ["th", "my"])
        for j in range(6):
            a, b = rng.sample(MODELS, 2)
            battle = store.create_battle("th" if j % 2 else "my", f"prompt {i}-{j}", None, a, b, me.id)
            store.save_answers(battle, f"answer of {a}", f"answer of {b}")
            p_a = STRENGTH[a] / (STRENGTH[a] + STRENGTH[b])
            winner = rng.choices(["a", "b", "tie", "both_bad"], [p_a * 0.8, (1 - p_a) * 0.8, 0.12, 0.08])[0]
            store.cast_vote(battle, me.id, winner, [], None)
        open_battle = store.create_battle("th", f"open prompt {i}", None, "alpha", "beta", me.id)
        store.save_answers(open_battle, "answer of alpha", "answer of beta")
        users.append((store.create_session(me.id), open_battle))
    store.close()
    return users


async def annotator(client, token: str, battle: str, pages: int, think: float, rng: random.Random) -> list[float]:
    cycle = ["/battle", f"/battle/{battle}", "/votes", "/leaderboard?lang=th", "/leaderboard"]
    latencies = []
    for n in range(pages):
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))
        started = time.perf_counter()
        response = await client.get(cycle[n % len(cycle)], cookies={"arena_session": token})
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{cycle[n % len(cycle)]} answered {response.status_code}: {response.text[:300]}")
    return latencies


async def run_level(url: str, users: list, pages: int, think: float, seed_value: int) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=len(users) + 5, max_keepalive_connections=len(users) + 5)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        runs = [
            annotator(client, token, battle, pages, think, random.Random(seed_value + i))
            for i, (token, battle) in enumerate(users)
        ]
        results = await asyncio.gather(*runs)
        wall = time.perf_counter() - started
    latencies = sorted(ms for run in results for ms in run)
    return {
        "annotators": len(users),
        "loads": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[max(0, int(0.95 * len(latencies)) - 1)],
        "max_ms": latencies[-1],
        "loads_per_s": len(latencies) / wall,
    }


def _wait(url: str, proc, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not proc.is_alive():
            raise RuntimeError("the arena server exited")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the arena server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--pages", type=int, default=30, help="page loads per annotator")
    parser.add_argument("--think", type=float, default=0.5, help="mean seconds between an annotator's loads")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="seaforge-bench-arena-")
    db = args.db or f"sqlite:///{folder}/arena.db"
    rng = random.Random(0)
    started = time.perf_counter()
    users = seed(db, args.annotators, rng)
    print(f"seeded {args.annotators} annotators, {6 * args.annotators} votes in {time.perf_counter() - started:.1f} s")

    from live_serve import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = mp.get_context("spawn").Process(target=_serve, args=(db, port), daemon=True)
    proc.start()
    try:
        _wait(url, proc)
        asyncio.run(run_level(url, users[:1], 5, 0.0, 99))  # warm-up: imports, statistics cache
        base = asyncio.run(run_level(url, users[:1], args.pages, args.think, 1))
        full = asyncio.run(run_level(url, users, args.pages, args.think, 1))
    finally:
        proc.terminate()
        proc.join(10)

    print(
        f"{os.cpu_count()} cores; pages: new battle, open battle, my votes, leaderboard th, leaderboard all; "
        f"think time uniform 0-{2 * args.think:g} s"
    )
    for label, level in (("baseline", base), ("loaded", full)):
        print(
            f"  {label}: {level['annotators']:>3} annotators, {level['loads']:>5} loads: p50 {level['p50_ms']:.1f} ms, "
            f"p95 {level['p95_ms']:.1f} ms, max {level['max_ms']:.1f} ms, {level['loads_per_s']:.0f} loads/s"
        )
    ratio = {k: full[k] / base[k] for k in ("p50_ms", "p95_ms")}
    print(f"  ratio loaded/baseline: p50 {ratio['p50_ms']:.2f}x, p95 {ratio['p95_ms']:.2f}x")
    ok = full["p95_ms"] < TARGET_P95_MS
    print(f"target p95 < {TARGET_P95_MS:.0f} ms with {full['annotators']} annotators: {'met' if ok else 'MISSED'}")
    if args.json:
        args.json.write_text(
            json.dumps({"baseline": base, "loaded": full, "ratio": ratio, "think_s": args.think}, indent=2)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
