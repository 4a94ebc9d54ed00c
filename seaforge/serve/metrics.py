"""Prometheus metrics of one server: its own registry, so several apps in one process stay apart."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    tokens: Counter
    latency: Histogram
    first_token: Histogram
    guard_flagged: Counter
    rate_limited: Counter
    queue: Gauge

    def render(self) -> bytes:
        return generate_latest(self.registry)


def create_metrics(queue_depths) -> Metrics:
    """`queue_depths()` returns {model: waiting requests}, read at scrape time."""
    registry = CollectorRegistry()
    queue = Gauge("seaforge_queue_depth", "Requests waiting for a batch slot", ["model"], registry=registry)

    class _QueueCollector:  # read the engines' queues when Prometheus scrapes, not on every request
        def collect(self):
            for model, depth in queue_depths().items():
                queue.labels(model=model).set(depth)
            return []

    registry.register(_QueueCollector())
    return Metrics(
        registry=registry,
        requests=Counter("seaforge_requests", "Requests answered", ["endpoint", "model", "status"], registry=registry),
        tokens=Counter("seaforge_tokens", "Tokens processed", ["model", "kind"], registry=registry),
        latency=Histogram(
            "seaforge_request_seconds", "Request latency", ["endpoint"], buckets=LATENCY_BUCKETS, registry=registry
        ),
        first_token=Histogram(
            "seaforge_first_token_seconds", "Time to first token", ["model"], buckets=LATENCY_BUCKETS, registry=registry
        ),
        guard_flagged=Counter(
            "seaforge_guard_flagged", "Texts the guard flagged", ["direction", "category"], registry=registry
        ),
        rate_limited=Counter("seaforge_rate_limited", "Requests refused by a key's limits", registry=registry),
        queue=queue,
    )
