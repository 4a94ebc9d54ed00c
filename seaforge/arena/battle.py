"""Battles: which two models answer, and their answers generated once, streamed to whoever watches.

Both answers of a battle are generated together by one asyncio task on the serving engines; every page
that follows the battle reads the same growing texts, and the finished answers go to the database, so a
reload, a second tab or an annotator served the same battle later never triggers a second generation.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from seaforge.serve.engine import BadPrompt, Cancel, GenInput, QueueFull, Sampling

log = logging.getLogger("seaforge.arena")


@dataclass
class GenSettings:
    max_tokens: int = 256
    temperature: float = 0.7
    timeout: float = 300.0  # seconds both answers may take together


def pick_pair(models: list[str], rng: random.Random | None = None) -> tuple[str, str]:
    """Two different models in random order: which one is A (left) is itself random."""
    if len(models) < 2:
        raise ValueError("an arena needs at least two models")
    first, second = (rng or random).sample(models, 2)
    return first, second


@dataclass
class _Run:
    """Both answers of one battle while they are being generated."""

    pieces: list[tuple[str, str]] = field(default_factory=list)  # (side, text) in arrival order
    texts: dict = field(default_factory=lambda: {"a": "", "b": ""})
    finished: bool = False
    error: str | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        old, self.changed = self.changed, asyncio.Event()
        old.set()


class Answers:
    """Runs and follows generations; used from the event loop only."""

    def __init__(self, engines: dict, store, settings: GenSettings | None = None):
        self.engines, self.store = engines, store
        self.settings = settings or GenSettings()
        self._runs: dict[str, _Run] = {}
        self._tasks: set[asyncio.Task] = set()

    async def follow(self, battle_id: str) -> AsyncIterator[dict]:
        """Events {"side", "text"} from the start of both answers, then {"done": True} or {"error": ...}."""
        run = self._runs.get(battle_id)
        if run is None:
            battle = await asyncio.to_thread(self.store.battle, battle_id)
            run = self._runs.get(battle_id)  # another request may have started it meanwhile
            if run is None:
                if battle.ready or battle.error:
                    for side, text in (("a", battle.answer_a), ("b", battle.answer_b)):
                        if text:
                            yield {"side": side, "text": text}
                    yield {"error": battle.error} if battle.error else {"done": True}
                    return
                run = self._start(battle)
        sent = 0
        while True:
            changed = run.changed
            while sent < len(run.pieces):
                side, text = run.pieces[sent]
                sent += 1
                yield {"side": side, "text": text}
            if run.finished:
                yield {"error": run.error} if run.error else {"done": True}
                return
            await changed.wait()

    def _start(self, battle) -> _Run:
        run = self._runs[battle.id] = _Run()
        task = asyncio.create_task(self._generate(battle, run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def _generate(self, battle, run: _Run) -> None:
        cancel = Cancel()
        sides = (("a", battle.model_a), ("b", battle.model_b))
        try:
            jobs = [self._answer(battle.prompt, model, side, run, cancel) for side, model in sides]
            await asyncio.wait_for(asyncio.gather(*jobs), self.settings.timeout)
        except TimeoutError:
            cancel.set()
            run.error = f"the models took longer than {self.settings.timeout:g} s; start another battle"
        except (BadPrompt, QueueFull) as err:
            cancel.set()
            run.error = f"the models could not answer: {err}"
        except Exception as err:  # noqa: BLE001 - a backend failure ends this battle, not the server
            cancel.set()
            log.exception("battle %s failed", battle.id)
            run.error = f"the models could not answer ({type(err).__name__}); start another battle"
        try:
            if run.error:
                await asyncio.to_thread(self.store.save_answers, battle.id, None, None, run.error)
            else:
                await asyncio.to_thread(self.store.save_answers, battle.id, run.texts["a"], run.texts["b"])
        finally:
            run.finished = True
            run.notify()
            self._runs.pop(battle.id, None)

    async def _answer(self, prompt: str, model: str, side: str, run: _Run, cancel: Cancel) -> None:
        engine = self.engines[model]
        inp = GenInput(model, Sampling(1), messages=[{"role": "user", "content": prompt}])
        prepared = engine.prepare(inp)
        room = (getattr(engine, "context", None) or 1 << 30) - prepared.prompt_tokens
        if room < 1:
            raise BadPrompt(f"the prompt takes {prepared.prompt_tokens} tokens, the whole context of a model")
        inp.sampling = Sampling(max_tokens=min(self.settings.max_tokens, room), temperature=self.settings.temperature)
        async for event in engine.submit(prepared, cancel):
            if event.text:
                run.texts[side] += event.text
                run.pieces.append((side, event.text))
                run.notify()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
