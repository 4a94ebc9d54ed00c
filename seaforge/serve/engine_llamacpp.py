"""GGUF files through llama.cpp (llama-cpp-python, the optional `llamacpp` extra): the edge export
serves as it will run on a laptop. llama.cpp holds one context, so requests run one at a time."""

from __future__ import annotations

import asyncio
import queue
import secrets
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

from seaforge.eval.backend_hf import END_OF_TURN
from seaforge.serve.engine import (
    BackendFailure,
    BadPrompt,
    Cancel,
    EngineError,
    Event,
    GenInput,
    Prepared,
    QueueFull,
    drain,
    emit,
)


class LlamaCppEngine:
    backend = "llamacpp"
    # llama.cpp keeps logits for every position only with logits_all=True: n_ctx x vocab floats
    # (4 GB for Gemma's 262K vocabulary at 4K context), too much to pay on every request.
    supports_logprobs = False

    def __init__(self, name: str, gguf: str, *, context: int = 4096, max_queue: int = 64, threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise EngineError(
                "--backend llamacpp needs llama-cpp-python: pip install 'seaforge[llamacpp]' (compiles for minutes)"
            ) from None
        path = Path(gguf)
        if not path.is_file():
            raise EngineError(f"model {name!r}: {path} is not a GGUF file")
        try:
            self.llm = Llama(str(path), n_ctx=context, n_threads=threads, verbose=False, logits_all=False)
        except (ValueError, RuntimeError) as err:
            raise EngineError(f"model {name!r}: llama.cpp cannot load {path}: {err}") from None
        self.name, self.context, self.max_queue = name, self.llm.n_ctx(), max_queue
        self.created = time.time()
        self.template = self.llm.metadata.get("tokenizer.chat_template")
        self.stop_ids = {self.llm.token_eos()}
        for marker in END_OF_TURN:  # chat templates end a turn with their own token, not only eos
            ids = self.llm.tokenize(marker.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                self.stop_ids.add(ids[0])
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    @property
    def queue_depth(self) -> int:
        return self._jobs.qsize()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"seaforge-llamacpp-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._jobs.put(None)
        if self._thread:
            self._thread.join(timeout=30)

    def prepare(self, inp: GenInput) -> Prepared:
        if inp.messages is not None:
            if not self.template:
                raise BadPrompt(f"model {self.name!r} has no chat template: use /v1/completions with a prompt")
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            vocab = self.llm
            formatter = Jinja2ChatFormatter(
                template=self.template,
                eos_token=vocab.detokenize([vocab.token_eos()], special=True).decode(errors="replace"),
                bos_token=vocab.detokenize([vocab.token_bos()], special=True).decode(errors="replace"),
            )
            try:
                prompt = formatter(messages=inp.messages, **inp.template_kwargs).prompt
            except Exception as err:  # the template's own raise_exception (roles out of order ...)
                raise BadPrompt(f"the chat template of {self.name!r} rejected the messages: {err}") from None
            ids = self.llm.tokenize(prompt.encode(), add_bos=False, special=True)
        else:
            ids = self.llm.tokenize((inp.prompt or "").encode(), add_bos=True, special=False)
        if not ids:
            raise BadPrompt("the prompt is empty")
        return Prepared(inp, len(ids), ids)

    def submit(self, prepared: Prepared, cancel: Cancel) -> AsyncIterator[Event]:
        if self._jobs.qsize() >= self.max_queue:
            raise QueueFull(f"{self._jobs.qsize()} requests are waiting for {self.name!r}; try again shortly")
        loop, events = asyncio.get_running_loop(), asyncio.Queue()
        self._jobs.put((prepared, cancel, loop, events))
        return drain(events, prepared.input.n, cancel)

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            prepared, cancel, loop, events = job
            try:
                for index in range(prepared.input.n):
                    self._run(prepared, index, cancel, loop, events)
            except Exception as err:  # noqa: BLE001 - one failed request must not stop the worker
                emit(loop, events, BackendFailure(f"generation failed: {type(err).__name__}: {err}"))

    def _run(self, prepared: Prepared, index: int, cancel: Cancel, loop, events) -> None:
        from llama_cpp import LlamaGrammar, StoppingCriteriaList
        from llama_cpp.llama_grammar import JSON_GBNF

        s = prepared.input.sampling
        if cancel.is_set():
            emit(loop, events, Event(index, finish_reason="cancelled"))
            return
        seed = (s.seed if s.seed is not None else secrets.randbits(31)) + index
        stop_ids = self.stop_ids
        chunks = self.llm.create_completion(
            prepared.payload,
            max_tokens=s.max_tokens,
            temperature=s.temperature,
            top_p=s.top_p,
            top_k=0 if s.temperature > 0 else 1,
            min_p=0.0,
            repeat_penalty=1.0,
            presence_penalty=s.presence_penalty,
            frequency_penalty=s.frequency_penalty,
            seed=seed % (1 << 31),
            stop=list(s.stop) or None,
            grammar=LlamaGrammar.from_string(JSON_GBNF, verbose=False) if s.json_mode else None,
            stopping_criteria=StoppingCriteriaList([lambda tokens, logits: int(tokens[-1]) in stop_ids]),
            stream=True,
        )
        count = 0
        for chunk in chunks:
            choice = chunk["choices"][0]
            count += 1 if choice.get("text") or choice.get("finish_reason") is None else 0
            if cancel.is_set():
                emit(loop, events, Event(index, "", [], "cancelled", count))
                return
            emit(loop, events, Event(index, choice.get("text") or "", [], choice.get("finish_reason"), count))
            if choice.get("finish_reason"):
                return
        emit(loop, events, Event(index, "", [], "stop", count))
