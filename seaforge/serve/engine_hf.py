"""The transformers backend: requests that arrive together are decoded together in one batch.

A scheduler thread takes every waiting request (up to `max_batch`), left-pads the prompts and runs
one `generate` call with a KV cache row per sequence. transformers' `generate` takes one sampling
setting for the whole batch, so a logits processor does the sampling itself, row by row (each
request keeps its own temperature, top_p, seed, JSON grammar and log-probs), and a stopping
criterion ends each row on its own (eos, max_tokens, stop string, cancelled client).
"""

from __future__ import annotations

import asyncio
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from seaforge.serve.engine import (
    BackendFailure,
    BadPrompt,
    Cancel,
    EngineError,
    Event,
    GenInput,
    Prepared,
    QueueFull,
    TextStream,
    drain,
    emit,
)

# How long a batch may wait for the clients of the last one: a share of that batch's time, capped.
BATCH_WAIT_SHARE = 0.25
MAX_BATCH_WAIT = 0.1


@dataclass
class _Job:
    prompt_ids: list[int]
    input: GenInput
    index: int
    seed: int
    cancel: Cancel
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue
    queued_at: float = field(default_factory=time.monotonic)


@dataclass
class _Row:
    job: _Job
    stream: TextStream
    generator: object
    matcher: object = None
    tokens: list[int] = field(default_factory=list)
    pending: int | None = None
    pending_logprob: dict | None = None
    done: bool = False


class HFEngine:
    backend = "transformers"

    def __init__(self, name: str, spec: str, *, max_batch: int = 16, max_queue: int = 64, batch_wait: float = 0.005):
        from seaforge.eval.backend_hf import HFBackend

        self.name, self.spec = name, spec
        self.max_batch, self.max_queue, self.batch_wait = max_batch, max_queue, batch_wait
        try:
            loaded = HFBackend.load(spec)
        except Exception as err:  # a user's model argument: name it, do not print a traceback
            raise EngineError(f"model {name!r}: {err}") from None
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.stop_ids = set(loaded.stop_ids)
        self.context = loaded.max_length
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))
        self.vocab_size = int(self.model.get_output_embeddings().weight.shape[0])
        self._pending: deque[_Job] = deque()
        self._wake = threading.Condition()
        self._stopping = False
        self._last_batch, self._last_batch_seconds, self._last_arrival = 1, 0.0, 0.0
        self._thread: threading.Thread | None = None
        self.batch_sizes: deque[int] = deque(maxlen=1000)  # recent batch sizes, for tests and the benchmark
        self._json_grammar = None
        self._xgr_info = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"seaforge-hf-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread:
            self._thread.join(timeout=30)

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    # --- requests -------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prepare(self, inp: GenInput) -> Prepared:
        if inp.messages is not None:
            if not self.has_chat_template:
                raise BadPrompt(
                    f"model {self.name!r} has no chat template (a base model): use /v1/completions with a prompt"
                )
            try:
                ids = self.tokenizer.apply_chat_template(
                    inp.messages, add_generation_prompt=True, tokenize=True, return_dict=False, **inp.template_kwargs
                )
            except Exception as err:  # a template that rejects the conversation (roles out of order ...)
                raise BadPrompt(f"the chat template of {self.name!r} rejected the messages: {err}") from None
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
        else:
            ids = self.tokenizer(inp.prompt or "")["input_ids"]
        ids = [int(i) for i in ids]
        if not ids:
            raise BadPrompt("the prompt is empty")
        return Prepared(inp, len(ids), ids)

    def submit(self, prepared: Prepared, cancel: Cancel) -> AsyncIterator[Event]:
        """Queue the request's choices (QueueFull when the queue is full) and return their events."""
        inp = prepared.input
        loop, queue = asyncio.get_running_loop(), asyncio.Queue()
        base_seed = inp.sampling.seed if inp.sampling.seed is not None else secrets.randbits(63)
        jobs = [_Job(prepared.payload, inp, i, (base_seed + i) % (1 << 63), cancel, loop, queue) for i in range(inp.n)]
        with self._wake:
            if len(self._pending) + len(jobs) > self.max_queue:
                raise QueueFull(f"{len(self._pending)} requests are waiting for {self.name!r}; try again shortly")
            self._pending.extend(jobs)
            self._last_arrival = time.monotonic()
            self._wake.notify_all()
        return drain(queue, inp.n, cancel)

    # --- the scheduler thread -------------------------------------------------------------

    def _take(self) -> list[_Job]:
        """The next batch. Clients that were just answered usually come straight back: wait (briefly)
        until they and the requests that waited during the last batch are all here, so one batch holds
        everyone instead of splitting into groups that take turns."""
        with self._wake:
            # those just answered and those waiting; or the recent peak, when the last batch left some out
            recent = max(list(self.batch_sizes)[-4:], default=1)
            target = min(self.max_batch, max(self._last_batch + len(self._pending), recent))
            while not self._pending and not self._stopping:
                self._wake.wait()
            budget = min(MAX_BATCH_WAIT, max(self.batch_wait, BATCH_WAIT_SHARE * self._last_batch_seconds))
            deadline = time.monotonic() + budget
            while not self._stopping and len(self._pending) < self.max_batch:
                now = time.monotonic()
                if now >= deadline:
                    break
                if len(self._pending) < target:
                    self._wake.wait(deadline - now)
                elif now - self._last_arrival < self.batch_wait:  # more are still arriving: linger briefly
                    self._wake.wait(min(deadline, self._last_arrival + self.batch_wait) - now)
                else:
                    break
            jobs = [self._pending.popleft() for _ in range(min(self.max_batch, len(self._pending)))]
        live = []
        for job in jobs:
            if job.cancel.is_set():
                emit(job.loop, job.queue, Event(job.index, finish_reason="cancelled"))
            else:
                live.append(job)
        return live

    def _loop(self) -> None:
        while True:
            jobs = self._take()
            if not jobs:
                if self._stopping:
                    return
                continue
            started = time.monotonic()
            try:
                self._run(jobs)
                self._last_batch, self._last_batch_seconds = len(jobs), time.monotonic() - started
            except Exception as err:  # noqa: BLE001 - a failed batch fails its requests, not the server
                for job in jobs:
                    emit(job.loop, job.queue, BackendFailure(f"generation failed: {type(err).__name__}: {err}"))

    def _grammar(self):
        if self._json_grammar is None:
            import xgrammar as xgr

            self._xgr_info = xgr.TokenizerInfo.from_huggingface(
                self.tokenizer, vocab_size=self.vocab_size, stop_token_ids=sorted(self.stop_ids)
            )
            self._json_grammar = xgr.GrammarCompiler(self._xgr_info).compile_builtin_json_grammar()
        return self._json_grammar

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def _run(self, jobs: list[_Job]) -> None:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

        self.batch_sizes.append(len(jobs))
        rows = []
        for job in jobs:
            sampling = job.input.sampling
            generator = torch.Generator(device="cpu").manual_seed(job.seed)
            matcher = None
            if sampling.json_mode:
                import xgrammar as xgr

                matcher = xgr.GrammarMatcher(self._grammar())
            rows.append(_Row(job, TextStream(self._decode, sampling.stop), generator, matcher))
        device = self.model.device
        pad = self.tokenizer.pad_token_id
        width = max(len(job.prompt_ids) for job in jobs)
        input_ids = torch.full((len(jobs), width), pad, dtype=torch.long)
        mask = torch.zeros((len(jobs), width), dtype=torch.long)
        for r, job in enumerate(jobs):
            input_ids[r, width - len(job.prompt_ids) :] = torch.tensor(job.prompt_ids)
            mask[r, width - len(job.prompt_ids) :] = 1
        engine = self

        def choose(input_ids, scores):
            scores = scores.float()
            for r, row in enumerate(rows):
                if row.done:
                    continue
                row.pending, row.pending_logprob = engine._choose(row, scores[r])
            scores.fill_(-math.inf)
            for r, row in enumerate(rows):
                scores[r, row.pending if not row.done and row.pending is not None else pad] = 0.0
            return scores

        class Finish(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                done = [engine._advance(row) for row in rows]
                return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

        config = GenerationConfig(
            do_sample=False,
            max_new_tokens=max(job.input.sampling.max_tokens for job in jobs),
            pad_token_id=pad,
            eos_token_id=sorted(self.stop_ids),
        )
        with torch.inference_mode():
            self.model.generate(
                input_ids=input_ids.to(device),
                attention_mask=mask.to(device),
                generation_config=config,
                logits_processor=LogitsProcessorList([choose]),
                stopping_criteria=StoppingCriteriaList([Finish()]),
            )
        for row in rows:
            if not row.done:
                self._finish(row, "length")

    def _choose(self, row: _Row, logits) -> tuple[int, dict | None]:
        """The next token of one row, sampled with that request's own settings."""
        import torch

        sampling = row.job.input.sampling
        raw = logits
        if row.matcher is not None:
            import xgrammar as xgr

            mask = xgr.allocate_token_bitmask(1, self.vocab_size)
            row.matcher.fill_next_token_bitmask(mask)
            logits = logits.clone().unsqueeze(0)
            xgr.apply_token_bitmask_inplace(logits, mask)
            logits = logits[0]
        if sampling.presence_penalty or sampling.frequency_penalty:
            if row.tokens:  # OpenAI's definition: subtract per token seen (presence) and per occurrence
                seen, counts = torch.unique(torch.tensor(row.tokens), return_counts=True)
                logits = logits.clone()
                logits[seen] -= sampling.presence_penalty + sampling.frequency_penalty * counts.float()
        if sampling.temperature <= 0:
            token = int(torch.argmax(logits))
        else:
            scaled = logits / sampling.temperature
            probs = torch.softmax(scaled, dim=-1)
            if sampling.top_p < 1.0:
                sorted_probs, order = torch.sort(probs, descending=True)
                keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < sampling.top_p
                probs = torch.zeros_like(probs).scatter_(0, order[keep], sorted_probs[keep])
            token = int(torch.multinomial(probs, 1, generator=row.generator))
        if sampling.logprobs is None:
            return token, None
        logp = torch.log_softmax(raw, dim=-1)
        entry = self._logprob_entry(token, float(logp[token]))
        top = []
        if sampling.logprobs > 0:
            values, ids = torch.topk(logp, sampling.logprobs)
            top = [self._logprob_entry(int(i), float(v)) for v, i in zip(values, ids)]
        entry["top_logprobs"] = top
        return token, entry

    def _logprob_entry(self, token: int, logprob: float) -> dict:
        text = self.tokenizer.decode([token])
        return {"token": text, "logprob": max(logprob, -9999.0), "bytes": list(text.encode("utf-8"))}

    def _advance(self, row: _Row) -> bool:
        """Take the row's chosen token; True when the row has finished."""
        if row.done:
            return True
        token, row.pending = row.pending, None
        sampling = row.job.input.sampling
        logprobs = [row.pending_logprob] if row.pending_logprob else []
        if token in self.stop_ids:
            self._finish(row, "stop", logprobs)
            return True
        row.tokens.append(token)
        if row.matcher is not None:
            row.matcher.accept_token(token)
            if row.matcher.is_terminated():
                self._finish(row, "stop", logprobs)
                return True
        if row.job.cancel.is_set():
            self._finish(row, "cancelled", logprobs)
            return True
        if len(row.tokens) >= sampling.max_tokens:
            self._finish(row, "length", logprobs)
            return True
        delta = row.stream.update(row.tokens)
        if row.stream.stopped:
            self._finish(row, "stop", logprobs, delta)
            return True
        if delta or logprobs:
            emit(row.job.loop, row.job.queue, Event(row.job.index, delta, logprobs, None, len(row.tokens)))
        return False

    def _finish(self, row: _Row, reason: str, logprobs: list | None = None, delta: str | None = None) -> None:
        if delta is None:
            delta = row.stream.update(row.tokens, final=True)
        row.done = True
        event = Event(row.job.index, delta, logprobs or [], reason, len(row.tokens))
        emit(row.job.loop, row.job.queue, event)
