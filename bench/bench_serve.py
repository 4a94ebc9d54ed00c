"""`seaforge serve` under load: batching throughput, the upstream proxy's overhead and the guard's cost, in one run.

    .venv/bin/python bench/bench_serve.py [--quick] [--no-gemma] [--json out.json]

Every server is a real `seaforge serve` app (create_app + load_engines) on loopback, run by
tests/support/live_serve.py in a child process of its own, so the clients here (the official
`openai` AsyncOpenAI client) do not share a GIL with the server; the child reports the engine's
`batch_sizes`. Three parts:

1. Throughput: closed-loop clients at concurrency 1, 8 and 32, each sending its next streamed
   request (temperature 0, a fixed max_tokens, prompts in nine Southeast Asian languages and
   Singlish) as soon as the last one ends, for a fixed number of requests per level: chat on
   `tiny:llama`, text completions on the real `gemma3-270m` base model, guard off so the engine
   is measured. Per level: requests/s, completion tokens/s, p50/p95 latency and time to first
   token, mean batch size, and the CPU the server process and the clients used (percent of one
   core; the machine's load too).
   Target: tokens/s at concurrency 8 >= 3x concurrency 1, per model.
2. Upstream overhead: sequential non-streaming requests to a tiny:llama server and to a second
   server with `--backend upstream` in front of it (both guard off), alternated. Target: median
   latency proxied <= 1.10x direct.
3. Guard cost: Guardrails.check (input) timed directly on the same prompts, and the median
   end-to-end latency of the same requests with guard both vs off (two apps on one engine).
   Target: the guard adds <= 5 ms per request (the median of the per-prompt differences; the
   difference of the two medians is printed too).

Exits 1 when a target is missed (after printing everything). `--quick` (~1 minute) sends fewer
requests and skips gemma at concurrency 32.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The live-server helper is a test helper outside the installed package.
SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"
sys.path.insert(0, str(SUPPORT))

TINY, GEMMA = "tiny:llama", "gemma3-270m"

# Benign openings in nine Southeast Asian languages and Singlish: a base model continues them, a
# chat model answers them. None may trip the guard, or guard-on requests would be refused early.
PROMPTS = [
    ("id", "Resep nasi goreng sederhana untuk makan malam keluarga: pertama, panaskan minyak di wajan, lalu"),
    ("ms", "Kuala Lumpur ialah ibu negara Malaysia. Bandar raya ini terkenal dengan menara berkembar dan"),
    ("th", "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย และมีชื่อเสียงด้านอาหารริมทาง เช่น"),
    ("vi", "Hà Nội là thủ đô của Việt Nam. Thành phố này nổi tiếng với phở, hồ Hoàn Kiếm và"),
    ("tl", "Ang Maynila ay ang kabisera ng Pilipinas. Kilala ang lungsod na ito sa makasaysayang Intramuros at"),
    ("my", "ရန်ကုန်မြို့သည် မြန်မာနိုင်ငံ၏ အကြီးဆုံးမြို့ ဖြစ်ပြီး ရွှေတိဂုံဘုရားကြောင့် ကျော်ကြားသည်။"),
    ("km", "ភ្នំពេញ គឺជារាជធានីនៃប្រទេសកម្ពុជា ហើយមានព្រះបរមរាជវាំង និង"),
    ("lo", "ວຽງຈັນ ແມ່ນນະຄອນຫຼວງຂອງປະເທດລາວ ຕັ້ງຢູ່ແຄມແມ່ນ້ຳຂອງ ແລະ"),
    ("jv", "Yogyakarta iku kutha sing misuwur amarga kratonipun, gudeg, lan"),
    ("en-SG", "This weekend we go hawker centre makan chicken rice and teh tarik, then after that"),
    ("id", "Cara menanam padi di sawah dimulai dengan menyiapkan benih yang baik, kemudian"),
    ("vi", "Để học tiếng Anh hiệu quả mỗi ngày, bạn nên bắt đầu bằng việc"),
    ("th", "วิธีทำต้มยำกุ้งให้อร่อย เริ่มจากต้มน้ำให้เดือด แล้วใส่ตะไคร้"),
    ("ms", "Cuaca di Pulau Pinang hari ini cerah, jadi kami bercadang untuk"),
]
TEXTS = [text for _, text in PROMPTS]


@dataclass
class Plan:
    tiny_tokens: int
    gemma_tokens: int
    tiny_requests: dict[int, int]
    gemma_requests: dict[int, int]
    upstream_pairs: int
    upstream_tokens: int
    guard_pairs: int
    guard_tokens: int
    guard_repeats: int


FULL = Plan(64, 32, {1: 32, 8: 128, 32: 256}, {1: 4, 8: 24, 32: 48}, 40, 64, 60, 16, 50)
QUICK = Plan(32, 16, {1: 8, 8: 32, 32: 64}, {1: 2, 8: 8}, 20, 16, 30, 16, 10)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the server side: one child process per engine --------------------------------------------


def _serve(conn, specs: list[str], backend: str, apps: list[str], policy: str) -> None:
    """Child process: load the engines, run one LiveServer per app ("off": no guard, "guard": input
    and output moderation; every app shares the same engines), then answer the parent's commands."""
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))  # the apps' SQLite stores
    try:
        import torch
        from live_serve import LiveServer

        from seaforge.serve.app import ServerSettings, create_app
        from seaforge.serve.guardrails import Guardrails
        from seaforge.serve.server import EngineOptions, load_engines
        from seaforge.serve.store import Store

        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        engines = load_engines(specs, EngineOptions(backend=backend))
        servers = {}
        for kind in apps:
            guard = Guardrails(True, True, policy) if kind == "guard" else None
            app = create_app(engines, Store(str(folder / f"{kind}.db")), ServerSettings(guard=guard))
            servers[kind] = LiveServer(app).__enter__()
        conn.send({"urls": {k: s.base_url for k, s in servers.items()}, "models": list(engines),
                   "torch_threads": torch.get_num_threads()})  # fmt: skip
    except BaseException:  # noqa: BLE001 - the parent prints it
        conn.send({"error": traceback.format_exc()})
        shutil.rmtree(folder, ignore_errors=True)
        return
    while True:
        command = conn.recv()
        if command == "batches":
            sizes = {name: list(getattr(e, "batch_sizes", [])) for name, e in engines.items()}
            for engine in engines.values():
                if hasattr(engine, "batch_sizes"):
                    engine.batch_sizes.clear()
            conn.send({"sizes": sizes, "cpu": cpu_seconds()})
        elif command == "stop":
            break
    for server in servers.values():
        server.__exit__(None, None, None)  # the app's lifespan stops the engines
    for engine in engines.values():
        engine.stop()
    shutil.rmtree(folder, ignore_errors=True)
    conn.send("stopped")


class Server:
    """A child process serving `specs`; `urls[kind]` is the base URL of each app."""

    def __init__(self, specs: list[str], backend: str = "auto", apps: tuple[str, ...] = ("off",),
                 policy: str = "default"):  # fmt: skip
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, specs, backend, list(apps), policy), daemon=True)
        self.process.start()
        hello = self.conn.recv()
        if "error" in hello:
            self.process.join(timeout=10)
            raise RuntimeError(f"the server for {specs} did not start:\n{hello['error']}")
        self.urls, self.models, self.torch_threads = hello["urls"], hello["models"], hello["torch_threads"]

    def batches(self, model: str) -> tuple[list[int], float]:
        """The model's batch sizes since the last call (the record is then cleared), and the CPU
        seconds the server process has used so far (all its threads)."""
        self.conn.send("batches")
        answer = self.conn.recv()
        return answer["sizes"].get(model, []), answer["cpu"]

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send("stop")
                if self.conn.poll(60):
                    self.conn.recv()
            except (BrokenPipeError, EOFError):
                pass
            self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=10)


# --- the client side ---------------------------------------------------------------------------


def client_for(base_url: str):
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0, timeout=900)


@dataclass
class Result:
    latency: float
    ttft: float | None
    tokens: int
    text: str = ""


async def streamed(client, model: str, chat: bool, prompt: str, max_tokens: int) -> Result:
    """One streamed request: time to the first text and to the end, and the usage's completion tokens."""
    start = time.perf_counter()
    common = dict(model=model, max_tokens=max_tokens, temperature=0, stream=True,
                  stream_options={"include_usage": True})  # fmt: skip
    if chat:
        stream = await client.chat.completions.create(messages=[{"role": "user", "content": prompt}], **common)
    else:
        stream = await client.completions.create(prompt=prompt, **common)
    first, tokens, text = None, 0, []
    async for chunk in stream:
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
        for choice in chunk.choices:
            piece = choice.delta.content if chat else choice.text
            if piece:
                first = first or time.perf_counter()
                text.append(piece)
    end = time.perf_counter()
    return Result(end - start, None if first is None else first - start, tokens, "".join(text))


async def plain(client, model: str, prompt: str, max_tokens: int) -> Result:
    """One non-streaming chat request."""
    start = time.perf_counter()
    response = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0
    )
    end = time.perf_counter()
    return Result(end - start, None, response.usage.completion_tokens, response.choices[0].message.content or "")


def pct(values: list[float], q: float) -> float:
    """Percentile by linear interpolation between the nearest ranks (q in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Level:
    model: str
    concurrency: int
    requests: int
    wall: float
    results: list[Result]
    batches: list[int] = field(default_factory=list)
    server_cpu: float = 0.0  # CPU seconds the server process used during the level
    client_cpu: float = 0.0  # and this process, the clients
    load: float = 0.0  # the machine's 1-minute load average at the end

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.results)

    @property
    def rps(self) -> float:
        return self.requests / self.wall

    @property
    def tps(self) -> float:
        return self.tokens / self.wall

    def row(self) -> dict:
        lat = [r.latency for r in self.results]
        ttft = [r.ttft for r in self.results if r.ttft is not None]
        return {
            "model": self.model,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "seconds": round(self.wall, 2),
            "requests_per_s": round(self.rps, 3),
            "completion_tokens": self.tokens,
            "tokens_per_s": round(self.tps, 2),
            "latency_p50_s": round(pct(lat, 0.5), 3),
            "latency_p95_s": round(pct(lat, 0.95), 3),
            "ttft_p50_s": round(pct(ttft, 0.5), 3),
            "ttft_p95_s": round(pct(ttft, 0.95), 3),
            "mean_batch": round(statistics.fmean(self.batches), 2) if self.batches else None,
            "batches": len(self.batches),
            "batch_sizes": self.batches,
            "server_cpu_pct": round(100 * self.server_cpu / self.wall),
            "client_cpu_pct": round(100 * self.client_cpu / self.wall),
            "load_1min": round(self.load, 2),
        }


async def closed_loop(server: Server, client, model: str, chat: bool, concurrency: int, n: int,
                      max_tokens: int) -> Level:  # fmt: skip
    """`concurrency` clients, each sending its next request when the last one ends, `n` requests in all.
    Two untimed rounds first: the first requests of a level arrive one by one and split the batch."""
    for _ in range(2):
        await asyncio.gather(
            *(streamed(client, model, chat, TEXTS[i % len(TEXTS)], max_tokens) for i in range(concurrency))
        )
    _, server_cpu = server.batches(model)  # clears the engine's record: this level's batches only
    numbers = iter(range(n))
    results: list[Result] = []

    async def worker() -> None:
        for i in numbers:  # one shared iterator: each request number is taken once
            results.append(await streamed(client, model, chat, TEXTS[i % len(TEXTS)], max_tokens))

    client_cpu = cpu_seconds()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    client_cpu = cpu_seconds() - client_cpu
    batches, server_after = server.batches(model)
    level = Level(model, concurrency, n, wall, results, batches, server_after - server_cpu, client_cpu)
    level.load = os.getloadavg()[0]
    return level


async def throughput(server: Server, model: str, chat: bool, requests: dict[int, int], max_tokens: int,
                     console) -> list[Level]:  # fmt: skip
    client = client_for(server.urls["off"])  # one connection pool, kept alive, as a real client would
    await asyncio.gather(*(streamed(client, model, chat, TEXTS[i], 4) for i in range(2)))  # warm-up
    levels = []
    for concurrency, n in requests.items():
        level = await closed_loop(server, client, model, chat, concurrency, n, max_tokens)
        row = level.row()
        console.print(f"  {model} c={concurrency}: {n} requests in {level.wall:.1f} s, {level.tps:.1f} tokens/s, "
                      f"p50 latency {row['latency_p50_s']:.2f} s, mean batch {row['mean_batch']}, CPU server "
                      f"{row['server_cpu_pct']}% client {row['client_cpu_pct']}%, load {level.load:.2f}")  # fmt: skip
        levels.append(level)
    await client.close()
    return levels


async def alternated(urls: dict[str, str], model: str, pairs: int, max_tokens: int) -> dict[str, list[Result]]:
    """Sequential non-streaming requests, the same prompt to each server in turn, the order swapped
    every pair so that drift in the machine's load hits every server alike."""
    clients = {name: client_for(url) for name, url in urls.items()}
    names = list(clients)
    for name in names:  # warm-up: the first request of a server pays lazy set-up (the guard loads its data)
        for i in range(2):
            await plain(clients[name], model, TEXTS[i], max_tokens)
    out: dict[str, list[Result]] = {name: [] for name in names}
    for i in range(pairs):
        prompt = TEXTS[i % len(TEXTS)]
        for name in names if i % 2 == 0 else reversed(names):
            out[name].append(await plain(clients[name], model, prompt, max_tokens))
    for client in clients.values():
        await client.close()
    return out


def time_guard_checks(texts: list[str], direction: str, repeats: int, policy: str) -> list[float]:
    """Milliseconds of each Guardrails.check call, every text `repeats` times, after a warm-up."""
    from seaforge.serve.guardrails import Guardrails

    guard = Guardrails(True, True, policy)
    for text in texts:
        guard.check(text, direction, "bench-warmup")
    times = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            guard.check(text, direction, "bench")
            times.append((time.perf_counter() - start) * 1000)
    return times


def flagged_prompts(policy: str) -> list[str]:
    from seaforge.guard import load_policy, moderate_one

    rules = load_policy(policy)
    return [text for text in TEXTS if moderate_one(text, rules).flagged]


# --- the report ----------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: str
    goal: str
    ok: bool | None  # None: not measured (skipped)


def verdict(ok: bool | None) -> str:
    return "SKIP" if ok is None else ("PASS" if ok else "FAIL")


def level_table(levels: list[Level]):
    from rich.table import Table

    table = Table(title="throughput: closed-loop streamed requests, guard off")
    columns = ("model", "conc.", "requests", "req/s", "tokens/s", "p50 lat s", "p95 lat s", "p50 TTFT s",
               "p95 TTFT s", "mean batch", "CPU srv/cli %", "load")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="left" if col == "model" else "right")
    for level in levels:
        r = level.row()
        table.add_row(r["model"], str(r["concurrency"]), str(r["requests"]), f"{r['requests_per_s']:.2f}",
                      f"{r['tokens_per_s']:.1f}", f"{r['latency_p50_s']:.3f}", f"{r['latency_p95_s']:.3f}",
                      f"{r['ttft_p50_s']:.3f}", f"{r['ttft_p95_s']:.3f}", str(r["mean_batch"]),
                      f"{r['server_cpu_pct']}/{r['client_cpu_pct']}", f"{r['load_1min']:.2f}")  # fmt: skip
    return table


def scaling_target(levels: list[Level], model: str, max_tokens: int) -> Target:
    by = {level.concurrency: level for level in levels if level.model == model}
    name = f"{model}: tokens/s at concurrency 8 vs 1 ({max_tokens} tokens)"
    if 1 not in by or 8 not in by:
        return Target(name, "not measured", ">= 3.00x", None)
    ratio = by[8].tps / by[1].tps
    value = f"{by[8].tps:.1f} / {by[1].tps:.1f} = {ratio:.2f}x"
    return Target(name, value, ">= 3.00x", ratio >= 3.0)


def main() -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, no gemma at concurrency 32 (~1 min)")
    parser.add_argument("--no-gemma", action="store_true", help="skip gemma3-270m (tiny:llama only)")
    parser.add_argument("--policy", default="default", help="guard policy for the guard-cost part")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    console = Console(width=140, emoji=False)
    started, load_before = time.perf_counter(), os.getloadavg()
    console.print(f"bench_serve {'--quick ' if args.quick else ''}on {os.cpu_count()} cores; "
                  f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")  # fmt: skip

    flagged = flagged_prompts(args.policy)
    if flagged:
        console.print(f"[yellow]warning: the guard flags {len(flagged)} bench prompt(s): {flagged}[/]")

    levels: list[Level] = []
    targets: list[Target] = []
    report: dict = {"quick": args.quick, "cores": os.cpu_count(), "plan": plan.__dict__, "flagged_prompts": flagged}
    gemma_error = None

    # 1a + 2 + 3: one tiny:llama engine behind a guard-off app and a guard-both app, and a gateway.
    console.print(f"[bold]tiny:llama[/] (chat, {plan.tiny_tokens} tokens)")
    tiny = Server([TINY], apps=("off", "guard"), policy=args.policy)
    gateway = None
    try:
        torch_threads = tiny.torch_threads
        levels += asyncio.run(throughput(tiny, TINY, True, plan.tiny_requests, plan.tiny_tokens, console))

        console.print(f"[bold]upstream overhead[/] ({plan.upstream_pairs} sequential chat requests of "
                      f"{plan.upstream_tokens} tokens to each, alternated)")  # fmt: skip
        gateway = Server([tiny.urls["off"]], backend="upstream")
        proxy = asyncio.run(alternated({"direct": tiny.urls["off"], "proxied": gateway.urls["off"]}, TINY,
                                       plan.upstream_pairs, plan.upstream_tokens))  # fmt: skip
        gateway.stop()
        gateway = None
        direct_ms = statistics.median(r.latency for r in proxy["direct"]) * 1000
        proxied_ms = statistics.median(r.latency for r in proxy["proxied"]) * 1000
        overhead = proxied_ms / direct_ms
        console.print(f"  direct median {direct_ms:.1f} ms, proxied median {proxied_ms:.1f} ms ({overhead:.3f}x, "
                      f"+{proxied_ms - direct_ms:.1f} ms per request)")  # fmt: skip
        targets.append(Target("upstream: median latency proxied / direct",
                              f"{proxied_ms:.1f} / {direct_ms:.1f} ms = {overhead:.3f}x", "<= 1.10x",
                              overhead <= 1.10))  # fmt: skip
        report["upstream"] = {"direct_median_ms": direct_ms, "proxied_median_ms": proxied_ms, "ratio": overhead,
                              "direct_p95_ms": pct([r.latency for r in proxy["direct"]], 0.95) * 1000,
                              "proxied_p95_ms": pct([r.latency for r in proxy["proxied"]], 0.95) * 1000}  # fmt: skip

        console.print(f"[bold]guard cost[/] (policy {args.policy}; {plan.guard_pairs} sequential chat requests of "
                      f"{plan.guard_tokens} tokens, guard both vs off on one engine, alternated)")  # fmt: skip
        e2e = asyncio.run(alternated({"off": tiny.urls["off"], "guard": tiny.urls["guard"]}, TINY,
                                     plan.guard_pairs, plan.guard_tokens))  # fmt: skip
    finally:
        if gateway is not None:
            gateway.stop()
        tiny.stop()
    off_ms = statistics.median(r.latency for r in e2e["off"]) * 1000
    on_ms = statistics.median(r.latency for r in e2e["guard"]) * 1000
    paired = statistics.median((a.latency - b.latency) * 1000 for a, b in zip(e2e["guard"], e2e["off"]))
    same_text = sum(a.text == b.text for a, b in zip(e2e["guard"], e2e["off"]))
    check_in = time_guard_checks(TEXTS, "input", plan.guard_repeats, args.policy)
    outputs = sorted({r.text for r in e2e["off"] if r.text})
    check_out = time_guard_checks(outputs, "output", plan.guard_repeats, args.policy) if outputs else []
    added = on_ms - off_ms
    console.print(f"  Guardrails.check input: median {statistics.median(check_in):.3f} ms, "
                  f"p95 {pct(check_in, 0.95):.3f} ms ({len(check_in)} calls on {len(TEXTS)} prompts)")  # fmt: skip
    if check_out:
        console.print(f"  Guardrails.check output (the {len(outputs)} answers): median "
                      f"{statistics.median(check_out):.3f} ms, p95 {pct(check_out, 0.95):.3f} ms")  # fmt: skip
    console.print(f"  end to end: off median {off_ms:.1f} ms, guard both median {on_ms:.1f} ms: "
                  f"{added:+.2f} ms (median of paired differences {paired:+.2f} ms; "
                  f"{same_text}/{len(e2e['off'])} answers identical)")  # fmt: skip
    targets.append(Target("guard: latency added per request (both vs off), median of paired differences",
                          f"{paired:+.2f} ms (medians {on_ms:.1f} - {off_ms:.1f} = {added:+.2f})", "<= 5 ms",
                          paired <= 5.0))  # fmt: skip
    report["guard"] = {"check_input_median_ms": statistics.median(check_in), "check_input_p95_ms": pct(check_in, 0.95),
                       "check_output_median_ms": statistics.median(check_out) if check_out else None,
                       "check_output_p95_ms": pct(check_out, 0.95) if check_out else None,
                       "off_median_ms": off_ms, "guard_median_ms": on_ms, "added_ms": added,
                       "paired_median_ms": paired, "identical_answers": same_text}  # fmt: skip

    # 1b: the real Gemma 3 270M base model, text completions.
    if args.no_gemma:
        console.print("[yellow]gemma3-270m skipped (--no-gemma)[/]")
    else:
        console.print(f"[bold]gemma3-270m[/] (completions, {plan.gemma_tokens} tokens)")
        try:
            gemma = Server([GEMMA])
        except RuntimeError as err:  # not pulled, or broken: a miss, not a skip
            gemma, gemma_error = None, str(err)
            console.print("[red]gemma3-270m did not load; its levels are not measured[/]")
            console.print(str(err), markup=False, highlight=False)
        if gemma is not None:
            try:
                levels += asyncio.run(throughput(gemma, GEMMA, False, plan.gemma_requests, plan.gemma_tokens,
                                                 console))  # fmt: skip
            finally:
                gemma.stop()

    targets.insert(0, scaling_target(levels, TINY, plan.tiny_tokens))
    targets.insert(1, scaling_target(levels, GEMMA, plan.gemma_tokens))
    if gemma_error is not None:
        targets[1].value, targets[1].ok = "the model did not load", False
    for model in (TINY, GEMMA):
        by = {level.concurrency: level for level in levels if level.model == model}
        if 1 in by and 32 in by:
            console.print(f"{model}: tokens/s at concurrency 32 vs 1: {by[32].tps / by[1].tps:.2f}x (no target)")

    load_after = os.getloadavg()
    machine = (f"{os.cpu_count()} cores, torch threads {torch_threads} (server), load average "
               f"{load_before[0]:.2f} at start, {load_after[0]:.2f} at end; "
               f"{time.perf_counter() - started:.0f} s in all")  # fmt: skip
    console.print(level_table(levels))
    table = Table(title="targets")
    for col in ("target", "measured", "goal", "result"):
        table.add_column(col, justify="left" if col in ("target", "measured") else "right")
    for t in targets:
        table.add_row(t.name, t.value, t.goal, verdict(t.ok))
    console.print(table)
    console.print(f"machine: {machine}")
    if args.json:
        report.update(levels=[level.row() for level in levels], machine=machine,
                      targets=[{**t.__dict__, "result": verdict(t.ok)} for t in targets])  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if any(t.ok is False for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
