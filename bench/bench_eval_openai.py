"""`openai` backend requests/s at concurrency 16 vs 1, against a local server that batches.

    .venv/bin/python bench/bench_eval_openai.py [--requests 64] [--engine continuous|static]

Engines: `continuous` (default) batches like vLLM/SGLang: up to 16 requests share each decode
step of --step-ms, a request joins at the next step and finishes after --steps steps (20 x 10 ms:
a short answer from a mid-size model on a GPU); `static` gathers requests for 10 ms and answers
the batch with a real tiny transformers model (one torch thread). Target (issue 6): >= 8x the
requests/s of concurrency 1 when the server can batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from seaforge.eval.backend_hf import HFBackend
from seaforge.eval.backend_openai import OpenAIBackend
from seaforge.eval.cache import make_gen

# The loopback server is a test helper outside the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
from loopback_server import LoopbackServer  # noqa: E402


def tiny_engine(max_tokens: int):
    torch.set_num_threads(1)
    model = HFBackend.load("tiny:llama", batch_size=16)

    def respond(batch):
        reqs = [make_gen(messages=b["messages"], max_tokens=max_tokens) for _, b in batch]
        return model.generate(reqs)

    return respond


def echo(batch):
    return [f"ok {b['messages'][-1]['content']}" for _, b in batch]


def _rate(url: str, concurrency: int, n: int) -> float:
    client = OpenAIBackend("bench", url, concurrency=concurrency)
    reqs = [make_gen(messages=[{"role": "user", "content": f"Soalan nombor {i}"}], max_tokens=16) for i in range(n)]
    t0 = time.perf_counter()
    client.generate(reqs)
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=64)
    ap.add_argument("--engine", choices=["continuous", "static"], default="continuous")
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--step-ms", type=float, default=10.0)
    args = ap.parse_args()
    if args.engine == "static":
        server = LoopbackServer(tiny_engine(args.max_tokens), max_batch=16, batch_wait_s=0.01)
    else:
        server = LoopbackServer(echo, max_batch=16, decode_steps=args.steps, step_s=args.step_ms / 1000)
    with server as srv:
        _rate(srv.base_url, 4, 8)  # warm-up
        one = _rate(srv.base_url, 1, args.requests // 4)
        many = _rate(srv.base_url, 16, args.requests)
        sizes = srv.stats.batches[-max(1, args.requests // 16) :]
    cost = "tiny model" if args.engine == "static" else f"{args.steps} steps x {args.step_ms:g} ms per request"
    print(f"engine={args.engine} ({cost}), {args.requests} chat requests, server batches up to 16")
    print(f"concurrency 1 : {one:8.2f} requests/s (baseline)")
    print(
        f"concurrency 16: {many:8.2f} requests/s = {many / one:.1f}x baseline (target >= 8x); last batch sizes {sizes}"
    )


if __name__ == "__main__":
    main()
