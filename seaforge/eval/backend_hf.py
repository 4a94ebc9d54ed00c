"""Local transformers backend: batched generation and batched log-likelihood scoring."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence

from seaforge.eval.backends import BackendError
from seaforge.eval.cache import GenRequest, LLRequest, model_fingerprint

# End-of-turn markers of common chat templates: generation must stop there, not only at eos.
END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>")
# Log-likelihood: tokens of context per forward pass (split over the batch's rows), and the most
# continuation logits one pass may hold (positions x vocabulary x 4 bytes).
LL_CHUNK_TOKENS = 2048
LL_LOGITS_BUDGET = 256 * 2**20


def _template_info(tokenizer) -> dict:
    template = getattr(tokenizer, "chat_template", None)
    if not template:
        return {"chat_template": None, "chat_template_sha256": None}
    if isinstance(template, dict):
        template = template.get("default") or next(iter(template.values()))
    return {"chat_template": template, "chat_template_sha256": hashlib.sha256(template.encode()).hexdigest()}


def _parameters_fingerprint(model) -> str:
    """sha256 of every parameter and buffer as it is in memory (a model built or changed in-process)."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(f"{name}|{tuple(tensor.shape)}|{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def _vocab_fingerprint(tokenizer, vocab: dict) -> str:
    blob = json.dumps([type(tokenizer).__name__, sorted(vocab.items()), tokenizer.special_tokens_map], default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class StopStrings:
    """Per row: done once the generated text holds a stop string. Only the last tokens are
    decoded at each step (enough for the longest stop string): a stop that spans more tokens is
    still cut from the text afterwards, it only costs the extra tokens."""

    def __init__(self, tokenizer, stops: Sequence[str], prompt_width: int):
        self.tokenizer, self.stops, self.prompt_width = tokenizer, tuple(stops), prompt_width
        self.window = 8 + 4 * max(len(stop) for stop in stops)

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        new = input_ids[:, self.prompt_width :]
        tails = self.tokenizer.batch_decode(new[:, -self.window :], skip_special_tokens=True)
        return torch.tensor([any(stop in tail for stop in self.stops) for tail in tails], device=input_ids.device)


def _stopping_criteria(tokenizer, stops: Sequence[str], prompt_width: int):
    """StopStrings as a transformers StoppingCriteria (imported only when generating)."""
    from transformers import StoppingCriteria, StoppingCriteriaList

    criteria = type("StopStringsCriteria", (StopStrings, StoppingCriteria), {})
    return StoppingCriteriaList([criteria(tokenizer, stops, prompt_width)])


class HFBackend:
    supports_loglikelihood = True

    def __init__(self, model, tokenizer, name: str, batch_size: int = 16, weights: str | None = None):
        """`weights`: fingerprint of the files the model and tokenizer were loaded from
        (`cache.model_fingerprint`); without it the parameters and vocabulary in memory are hashed."""
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        vocab = tokenizer.get_vocab()
        self.stop_ids = sorted({tokenizer.eos_token_id, *(vocab[t] for t in END_OF_TURN if t in vocab)} - {None})
        self.info = {"backend": "hf", "model": name, "dtype": str(model.dtype), **_template_info(tokenizer)}
        weights = weights or f"params:{_parameters_fingerprint(model)}|vocab:{_vocab_fingerprint(tokenizer, vocab)}"
        # Cache keys follow what answers (weights, tokenizer, chat template, dtype), not the path.
        self.fingerprint = f"hf|{weights}|{model.dtype}|{self.info['chat_template_sha256']}"
        self.info["fingerprint"] = hashlib.sha256(self.fingerprint.encode()).hexdigest()
        self.max_length = int(getattr(model.config, "max_position_embeddings", 2048) or 2048)
        self._context_cache: dict[str, tuple[int, ...]] = {}
        # "unchecked" until the first log-likelihood call compares shared-context scoring with a
        # plain forward pass; then "shared", or "concat" for a model whose cache cannot be shared.
        self.ll_path = "unchecked"
        self._ll_multi_checked = False
        self._cache_arg_name: str | None = None

    @classmethod
    def load(cls, model: str, batch_size: int = 16, dtype: str = "auto", device: str | None = None):
        """Load any model argument `seaforge.models.resolve.resolve_model` takes (tiny:<arch>,
        registered names, .gguf files, local folders, hub ids)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from seaforge.models.resolve import resolve_model

        path = resolve_model(model)  # a ModelNotFound (UserError) names what is unknown
        torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            language_model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype)
            weights = model_fingerprint(path)  # after loading: a hub model is in the local cache now
        except (OSError, ValueError) as err:
            raise BackendError(f"cannot load model {model!r} from {path}: {err}") from None
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return cls(language_model.to(device).eval(), tokenizer, model, batch_size, weights=weights)

    # --- context length -------------------------------------------------------------------

    def prompt_tokens(self, request: GenRequest | LLRequest) -> int:
        """Tokens the request's prompt takes (context + continuation for log-likelihood)."""
        if isinstance(request, LLRequest):
            return len(self._context_ids(request.context)) + len(self._continuation_ids(request.continuation))
        text, templated = self._text(request)
        return len(self.tokenizer(text, add_special_tokens=not templated)["input_ids"])

    def fits(self, request: GenRequest | LLRequest) -> bool:
        """Whether the prompt, plus the tokens to generate, fits the model's context."""
        budget = self.max_length if isinstance(request, LLRequest) else self.max_length - request.max_tokens
        return self.prompt_tokens(request) <= budget

    # --- generation -----------------------------------------------------------------------

    def _text(self, request: GenRequest) -> tuple[str, bool]:
        if request.messages:
            if not getattr(self.tokenizer, "chat_template", None):
                raise BackendError(f"{self.info['model']} has no chat template; run with --mode base")
            text = self.tokenizer.apply_chat_template(request.chat(), tokenize=False, add_generation_prompt=True)
            return text, True
        return request.prompt or "", False

    def generate(self, requests: Sequence[GenRequest]) -> list[str]:
        outputs: list[str | None] = [None] * len(requests)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for index, request in enumerate(requests):  # one generate() call per decoding setting
            groups[(request.max_tokens, request.temperature, request.seed, request.top_p, request.stop)].append(index)
        for (max_tokens, temperature, seed, top_p, stop), indices in groups.items():
            texts = [self._text(requests[index]) for index in indices]
            order = sorted(range(len(indices)), key=lambda pos: -len(texts[pos][0]))  # less padding
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                results = self._generate_batch(
                    [texts[pos] for pos in chunk], max_tokens, temperature, seed, top_p, stop
                )
                for pos, text in zip(chunk, results):
                    outputs[indices[pos]] = text
        return [output or "" for output in outputs]

    def _generate_batch(
        self,
        texts: list[tuple[str, bool]],
        max_tokens: int,
        temperature: float,
        seed: int | None,
        top_p: float | None = None,
        stop: tuple[str, ...] = (),
    ) -> list[str]:
        import torch

        encoded = self.encode_prompts(texts, max_tokens)
        encoded = {key: value.to(self.model.device) for key, value in encoded.items()}
        kwargs = dict(
            max_new_tokens=max_tokens,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.stop_ids,
            do_sample=temperature > 0,
        )
        if temperature > 0:
            torch.manual_seed(seed or 0)
            kwargs.update(temperature=temperature, top_p=top_p if top_p is not None else 1.0, top_k=None)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if stop:  # each row stops at its first stop string; the text is cut there by the evaluator
            kwargs["stopping_criteria"] = _stopping_criteria(self.tokenizer, stop, encoded["input_ids"].shape[1])
        with torch.no_grad():
            generated = self.model.generate(**encoded, **kwargs)
        new_tokens = generated[:, encoded["input_ids"].shape[1] :]
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)

    def encode_prompts(self, texts: list[tuple[str, bool]], max_tokens: int) -> dict:
        """Left-padded input ids; a prompt longer than the context loses its start, never its end
        (the question and the answer cue). The evaluator drops few-shot examples before that."""
        tokenizer = self.tokenizer
        tokenizer.padding_side = "left"
        tokenizer.truncation_side = "left"
        # A chat template already writes any bos token; raw prompts get the tokenizer's default.
        return dict(
            tokenizer(
                [text for text, _ in texts],
                return_tensors="pt",
                padding=True,
                add_special_tokens=not texts[0][1],
                truncation=True,
                max_length=max(8, self.max_length - max_tokens),
            )
        )

    # --- log-likelihood -------------------------------------------------------------------

    def loglikelihood(self, requests: Sequence[LLRequest]) -> list[float]:
        """Sum of log-probabilities of each continuation given its context.

        The options of a multiple-choice item share one context: it runs once (in chunks, with a KV
        cache) and every continuation is scored from that cache. Logits are computed only where a
        continuation token is predicted: with a 262K vocabulary (Gemma 3) logits for every position
        of a batch would take gigabytes.
        """
        pairs = [self._ll_pair(request) for request in requests]
        if self.ll_path == "concat":
            return self._loglikelihood_concat(pairs)
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for index, (ids, n_cont) in enumerate(pairs):  # options of one item: the same context ids
            groups[tuple(ids[: len(ids) - n_cont])].append(index)
        multi = any(n_cont > 1 for _, n_cont in pairs)
        if self.ll_path == "unchecked" or (multi and not self._ll_multi_checked):
            self._check_shared(pairs, groups)
            if self.ll_path == "concat":
                return self._loglikelihood_concat(pairs)
        values = [0.0] * len(pairs)
        for indices, scores in self._shared_batches(pairs, groups):
            for index, value in zip(indices, scores):
                values[index] = value
        return values

    def _ll_pair(self, request: LLRequest) -> tuple[list[int], int]:
        """Context + continuation ids, cut to the context window, and the continuation length."""
        context = self._context_ids(request.context)
        continuation = self._continuation_ids(request.continuation)
        ids = (context + continuation)[-self.max_length :]  # too long: the context loses its start
        # A continuation longer than the whole context window keeps its last tokens only.
        return ids, min(len(continuation), len(ids) - 1)

    def _context_ids(self, context: str) -> list[int]:
        cached = self._context_cache.get(context)
        if cached is not None:
            return list(cached)
        tokenizer = self.tokenizer
        ids = tokenizer(context, add_special_tokens=True)["input_ids"] if context else []
        if not ids:  # the first token needs something to be predicted from
            ids = [tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id]
        if len(self._context_cache) > 4096:  # every option of an item asks for the same context
            self._context_cache.clear()
        self._context_cache[context] = tuple(ids)
        return ids

    def _continuation_ids(self, continuation: str) -> list[int]:
        ids = self.tokenizer(continuation, add_special_tokens=False)["input_ids"]
        if not ids:
            raise BackendError(f"empty continuation after tokenisation: {continuation!r}")
        return ids

    def _check_shared(self, pairs: list[tuple[list[int], int]], groups: dict) -> None:
        """Once per backend: the shared-context path must give what one plain forward pass gives.

        It relies on the model's KV cache (reordered per option, filled in chunks); an architecture
        whose cache does not allow that falls back to scoring context + continuation together.
        """
        # A group with a multi-token continuation when there is one: it exercises the cache reuse.
        group = next((g for g in groups.values() if any(pairs[i][1] > 1 for i in g)), next(iter(groups.values())))
        chosen = sorted(group, key=lambda index: -pairs[index][1])[:2]
        try:
            shared = self._shared_batch(pairs, [chosen])[1]
        except (AttributeError, TypeError, NotImplementedError, ValueError, IndexError) as err:
            self._use_concat(f"shared-context scoring unavailable ({type(err).__name__}: {err})")
            return
        plain = self._loglikelihood_concat([pairs[index] for index in chosen])
        # Loose enough for bfloat16 rounding, far tighter than a wrong mask or position (nats).
        if any(abs(a - b) > 0.1 + 0.02 * abs(b) for a, b in zip(shared, plain)):
            self._use_concat(f"shared-context scores differ from a plain pass ({shared} vs {plain})")
            return
        self.ll_path = "shared"
        self._ll_multi_checked = self._ll_multi_checked or pairs[chosen[0]][1] > 1
        self.info["loglikelihood"] = "shared-context"

    def _use_concat(self, why: str) -> None:
        self.ll_path = "concat"
        self.info["loglikelihood"] = f"context+continuation per request: {why}"

    def _shared_batches(self, pairs: list[tuple[list[int], int]], groups: dict):
        """Yield (request indices, scores) batch by batch: contexts run once, options from their cache.

        A batch holds at most `batch_size` options, its continuation logits stay under
        LL_LOGITS_BUDGET bytes (positions x vocabulary x 4), and no context in it is less than half
        as long as its longest (padding costs as much as tokens).
        """
        vocab = int(getattr(self.model.config, "vocab_size", 0) or len(self.tokenizer))

        def context_length(indices: list[int]) -> int:
            ids, n_cont = pairs[indices[0]]
            return len(ids) - n_cont

        def fits(rows: int, widest: int) -> bool:  # the continuation pass keeps `widest` logits per row
            return rows <= self.batch_size and rows * widest * vocab * 4 <= LL_LOGITS_BUDGET

        # A context with more options than fit one pass (minimal pairs share an empty prefix) is
        # split: it then runs once per part.
        units = []
        for indices in groups.values():
            part: list[int] = []
            for index in sorted(indices, key=lambda index: -pairs[index][1]):
                if part and not fits(len(part) + 1, pairs[part[0]][1]):
                    units.append(part)
                    part = []
                part.append(index)
            units.append(part)
        batch: list[list[int]] = []
        rows = longest = width = 0
        for indices in sorted(units, key=lambda indices: -context_length(indices)):
            context = context_length(indices)
            widest = max(longest, *(pairs[index][1] for index in indices))
            if batch and (not fits(rows + len(indices), widest) or 2 * context < width):  # < 2x padding
                yield self._shared_batch(pairs, batch)
                batch, rows, longest = [], 0, 0
                widest = max(pairs[index][1] for index in indices)
            if not batch:
                width = context  # the longest context of the batch: the order is longest first
            batch.append(indices)
            rows += len(indices)
            longest = widest
        if batch:
            yield self._shared_batch(pairs, batch)

    def _shared_batch(
        self, pairs: list[tuple[list[int], int]], batch: list[list[int]]
    ) -> tuple[list[int], list[float]]:
        import torch

        device = self.model.device
        contexts = [pairs[indices[0]][0][: len(pairs[indices[0]][0]) - pairs[indices[0]][1]] for indices in batch]
        width = max(len(ids) for ids in contexts)
        input_ids = torch.full((len(contexts), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(contexts), width), dtype=torch.long)
        for row, ids in enumerate(contexts):  # left padding: every context ends at the same column
            input_ids[row, width - len(ids) :] = torch.tensor(ids)
            mask[row, width - len(ids) :] = 1
        position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
        input_ids, mask, position_ids = input_ids.to(device), mask.to(device), position_ids.to(device)
        # The context in chunks: attention and activations stay bounded however long the prompt.
        step = max(64, LL_CHUNK_TOKENS // len(contexts))
        past = None
        cache_arg = self._cache_arg()
        with torch.no_grad():
            for start in range(0, width, step):
                end = min(width, start + step)
                out = self.model(
                    input_ids=input_ids[:, start:end],
                    attention_mask=mask[:, :end],
                    position_ids=position_ids[:, start:end],
                    use_cache=True,
                    logits_to_keep=1,
                    **{cache_arg: past},
                )
                past = _output_cache(out)
            # The last context position predicts every continuation's first token.
            first = torch.log_softmax(out.logits[:, -1].float(), dim=-1)
            owners = [row for row, indices in enumerate(batch) for _ in indices]
            requests = [index for indices in batch for index in indices]
            conts = [pairs[index][0][len(pairs[index][0]) - pairs[index][1] :] for index in requests]
            values = [float(first[owner, cont[0]]) for owner, cont in zip(owners, conts)]
            longest = max(len(cont) for cont in conts)
            if longest > 1:  # the rest of each continuation, all options at once from the context's cache
                past.reorder_cache(torch.tensor(owners, device=device))
                cont_ids = torch.full((len(conts), longest), self.tokenizer.pad_token_id, dtype=torch.long)
                cont_mask = torch.zeros((len(conts), longest), dtype=torch.long)
                for row, cont in enumerate(conts):  # right padding: pads come after every real token
                    cont_ids[row, : len(cont)] = torch.tensor(cont)
                    cont_mask[row, : len(cont)] = 1
                lengths = mask.sum(-1)[owners]
                out = self.model(
                    input_ids=cont_ids.to(device),
                    attention_mask=torch.cat([mask[owners], cont_mask.to(device)], dim=-1),
                    position_ids=(lengths[:, None] + torch.arange(longest, device=device)[None, :]),
                    use_cache=True,
                    **{cache_arg: past},
                )
                logprobs = torch.log_softmax(out.logits[:, : longest - 1].float(), dim=-1)
                for row, cont in enumerate(conts):
                    if len(cont) > 1:
                        # Continuation token j is predicted by the logits at position j - 1.
                        positions = torch.arange(len(cont) - 1, device=device)
                        targets = torch.tensor(cont[1:], device=device)
                        values[row] += float(logprobs[row, positions, targets].sum())
        return requests, values

    def _cache_arg(self) -> str:
        """transformers 5 names the KV cache argument `cache`; earlier versions `past_key_values`."""
        if self._cache_arg_name is None:
            import inspect

            parameters = inspect.signature(self.model.forward).parameters
            self._cache_arg_name = "cache" if "cache" in parameters else "past_key_values"
        return self._cache_arg_name

    def _loglikelihood_concat(self, pairs: list[tuple[list[int], int]]) -> list[float]:
        """Every request as context + continuation in one row (the pre-sharing path, kept as the
        fallback for architectures whose cache cannot be shared and for bench/bench_eval_ll.py)."""
        values = [0.0] * len(pairs)
        order = sorted(range(len(pairs)), key=lambda index: -len(pairs[index][0]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for index, value in zip(chunk, self._ll_batch([pairs[index] for index in chunk])):
                values[index] = value
        return values

    def _ll_batch(self, pairs: list[tuple[list[int], int]]) -> list[float]:
        import torch

        width = max(len(ids) for ids, _ in pairs)
        # Left padding puts every continuation at the end of its row, so logits are needed for the
        # last `keep` positions only: with a 262K vocabulary (Gemma 3) logits for every position
        # of a batch would take gigabytes.
        keep = max(n_cont for _, n_cont in pairs) + 1
        input_ids = torch.full((len(pairs), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(pairs), width), dtype=torch.long)
        for row, (ids, _) in enumerate(pairs):
            input_ids[row, width - len(ids) :] = torch.tensor(ids)
            mask[row, width - len(ids) :] = 1
        position_ids = (mask.cumsum(-1) - 1).clamp(min=0)  # positions count from each row's first token
        inputs = {
            "input_ids": input_ids.to(self.model.device),
            "attention_mask": mask.to(self.model.device),
            "position_ids": position_ids.to(self.model.device),
        }
        with torch.no_grad():
            try:
                logits = self.model(**inputs, logits_to_keep=keep).logits
            except TypeError:  # a model class without `logits_to_keep`
                logits = self.model(**inputs).logits
        logprobs = torch.log_softmax(logits[:, -keep:].float(), dim=-1).cpu()
        values = []
        for row, (ids, n_cont) in enumerate(pairs):
            # The token at kept position j is predicted by the logits at j - 1.
            positions = torch.arange(keep - n_cont - 1, keep - 1)
            targets = torch.tensor(ids[len(ids) - n_cont :])
            values.append(float(logprobs[row, positions, targets].sum()))
        return values


def _output_cache(output):
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values
