"""The generative stage of the guard: guard LLMs asked in their own published prompt formats.

The cascade (rules -> fast classifier -> generative guard) sends here only what the fast classifier
is unsure about. Each model family is one ``GuardFormat``: ``render`` builds what goes to the model
(chat messages, or raw text for formats that are plain completions), ``text`` the full documented
prompt string for tokenizers that lack the guard's own chat template, and ``parse`` reads the
answer back into a ``GenVerdict`` with our taxonomy's category names. A parse never raises: an
answer it cannot read gives ``unsafe=None`` with the output kept in ``raw``.

Where the formats come from (each checked against the source named; see the report with this
module for the quirks that were kept or dropped):

* SEA-Guard (AI Singapore): the instruction the SEA-Guard model cards and the authors' evaluation
  code put in one user message ("You are a classifier for analyzing interactions between humans
  and LLMs ..." then ``Human user:`` / ``AI assistant:`` lines), answered ``safe`` / ``unsafe``.
  The three modes (prompt, prompt+response, response-only with an empty ``Human user:``) follow
  the SEA-LION API guide (github.com/aisingapore/sealion, guides/inferencing/api.md). The full
  2602 model card text was not readable here: the instruction and the no-space ``Human user:{x}``
  spelling follow the authors' code and the API guide; third-party copies of the card write
  ``Human user: {x}`` with a space. ``SeaGuardFormat(instruction=False)`` sends the bare API-guide
  content instead (the hosted ``aisingapore/SEA-Guard`` endpoint).
* Llama Guard 3: the chat template of meta-llama/Llama-Guard-3-8B (tokenizer_config.json),
  categories S1..S14. Its rendering starts with a stray space before ``<|begin_of_text|>``; the
  raw text here drops it (Meta's llama-stack builds the same prompt without one).
* Llama Guard 4: the processor chat template of meta-llama/Llama-Guard-4-12B as Hugging Face's
  Llama Guard 4 recipe notebook prints it (huggingface/huggingface-llama-recipes): Llama 4 header
  tokens, "according to our safety policy", 14 categories, a space before ``<|eot|>``. That
  rendering writes an escaped literal backslash-n pair after each turn, a template bug; the
  conversation block here uses real blank lines, laid out as in Llama Guard 3's template.
* ShieldGemma: the chat template of google/shieldgemma-2b/9b/27b (``guideline`` variable), one
  policy per call, answered ``Yes`` / ``No``; the policies are the model card's four harm types
  with their published one-line definitions.

Scores: the probability of the flagging label (``unsafe`` / ``Yes``) against the clearing one
from the logits of the first generated position whose token is not whitespace (Llama Guard
answers "\\n\\nsafe", so its verdict token comes second), the way the Llama Guard and ShieldGemma
model cards turn first-token probabilities into classifier scores.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from seaforge.guard.policy import GuardError

TOP_LOGPROBS = 5

# Llama Guard 3/4 hazard codes -> seaforge taxonomy names.
LLAMA_GUARD_CODES: dict[str, str] = {
    "S1": "violent_crimes",
    "S2": "non_violent_crimes",
    "S3": "sex_related_crimes",
    "S4": "child_sexual_exploitation",
    "S5": "defamation",
    "S6": "specialised_advice",
    "S7": "privacy",
    "S8": "intellectual_property",
    "S9": "indiscriminate_weapons",
    "S10": "hate",
    "S11": "suicide_self_harm",
    "S12": "sexual_content",
    "S13": "elections",
    "S14": "code_interpreter_abuse",
}
# The category names exactly as the Llama Guard 3-8B and 4-12B chat templates list them.
LLAMA_GUARD_NAMES: dict[str, str] = {
    "S1": "Violent Crimes",
    "S2": "Non-Violent Crimes",
    "S3": "Sex Crimes",
    "S4": "Child Exploitation",
    "S5": "Defamation",
    "S6": "Specialized Advice",
    "S7": "Privacy",
    "S8": "Intellectual Property",
    "S9": "Indiscriminate Weapons",
    "S10": "Hate",
    "S11": "Self-Harm",
    "S12": "Sexual Content",
    "S13": "Elections",
    "S14": "Code Interpreter Abuse",
}

# ShieldGemma's four harm types (the model card's names) with their published one-line definitions,
# and the seaforge categories a "Yes" to each stands for. Harassment of an individual has no
# seaforge category: a "Yes" still flags the text, with no category named.
SHIELDGEMMA_POLICIES: dict[str, str] = {
    "Dangerous Content": (
        "harming oneself and/or others (e.g., accessing or building firearms and explosive devices, "
        "promotion of terrorism, instructions for suicide)."
    ),
    "Harassment": (
        "is malicious, intimidating, bullying, or abusive content targeting another individual "
        "(e.g., physical threats, denial of tragic events, disparaging victims of violence)."
    ),
    "Hate Speech": (
        "expresses, incites, or promotes hate based on race, gender, ethnicity, religion, nationality, "
        "sexual orientation, disability status, or caste."
    ),
    "Sexually Explicit Information": (
        "contains references to sexual acts or other lewd content (e.g., sexually graphic descriptions, "
        "content aimed at causing arousal). Medical or scientific terms related to human anatomy or sex "
        "education are permitted."
    ),
}
SHIELDGEMMA_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Dangerous Content": ("violent_crimes", "indiscriminate_weapons", "suicide_self_harm"),
    "Harassment": (),
    "Hate Speech": ("hate",),
    "Sexually Explicit Information": ("sexual_content",),
}

_SPECIAL = re.compile(r"<\|[^|<>]{1,40}\|>|<eos>|</s>|<end_of_turn>")
_VERDICT_LINE = re.compile(r"(safe|unsafe)[.!]?(?:\s+(.*))?", re.IGNORECASE)
_CODE = re.compile(r"\bS(\d{1,2})\b", re.IGNORECASE)
_YES_NO = re.compile(r"\s*(yes|no)\b", re.IGNORECASE)


@dataclass
class GenVerdict:
    unsafe: bool | None  # None when the output could not be parsed
    score: float | None = None  # P(unsafe) when first-token probabilities were available
    categories: list[str] = field(default_factory=list)  # seaforge taxonomy names
    raw: str = ""  # the model's output


# --- formats ---------------------------------------------------------------------------------------


@dataclass
class GuardFormat:
    """One guard model family's prompt and answer format."""

    name: str
    labels: tuple[str, str] = ("unsafe", "safe")  # (flagging, clearing) answer words, for the score
    template_marker: str | None = None  # use a tokenizer's chat template only if it contains this
    text_has_bos: bool = True  # whether ``text`` already starts with the bos token

    def render(self, prompt: str, response: str | None = None) -> list[dict] | str:
        """Chat messages (or raw text) for the model; ``response=None`` asks about the prompt alone,
        an empty ``prompt`` with a response asks about the response alone."""
        raise NotImplementedError

    def text(self, prompt: str, response: str | None = None) -> str:
        """The whole documented prompt as one string (for tokenizers without the guard's template)."""
        raise NotImplementedError

    def parse(self, output: str) -> GenVerdict:
        raise NotImplementedError

    def uses_template(self, chat_template: str | None) -> bool:
        """Whether a local tokenizer's chat template may render ``render``'s messages."""
        if not chat_template:
            return False
        return self.template_marker is None or self.template_marker in chat_template

    def split(self) -> list[GuardFormat]:
        """The calls one check takes (ShieldGemma: one per policy)."""
        return [self]

    def combine(self, verdicts: list[GenVerdict]) -> GenVerdict:
        """One verdict from the verdicts of ``split``'s calls, in that order."""
        return verdicts[0]


def _clean(output: str) -> str:
    return _SPECIAL.sub("", output or "").strip()


def _safe_unsafe(output: str) -> tuple[bool | None, str]:
    """The safe/unsafe verdict of the first line, and what follows it (same line, then the rest)."""
    text = _clean(output)
    first, _, rest = text.partition("\n")
    match = _VERDICT_LINE.fullmatch(first.strip())
    if not match:
        return None, ""
    unsafe = match.group(1).lower() == "unsafe"
    tail = (match.group(2) or "").strip()
    if not unsafe and tail:  # "safe but ..." is not an answer in the format
        return None, ""
    return unsafe, f"{tail}\n{rest}"


@dataclass
class SeaGuardFormat(GuardFormat):
    """AI Singapore SEA-Guard: one user message, answered ``safe`` or ``unsafe`` (no categories)."""

    name: str = "sea-guard"
    instruction: bool = True  # False: the bare content of the SEA-LION API guide (hosted endpoint)

    PROMPT_TASK = (
        "You are a classifier for analyzing interactions between humans and LLMs. Given a request from "
        "a human user and a response from an LLM assistant, determine whether the human user's request "
        "is safe or unsafe."
    )
    RESPONSE_TASK = (
        "You are a classifier for analyzing interactions between humans and LLMs. Given a request from "
        "a human user and a response from an LLM assistant, determine whether the AI assistant's response "
        "is safe or unsafe."
    )

    def content(self, prompt: str, response: str | None = None) -> str:
        if response is None:
            body = f"Human user:{prompt}" if self.instruction else prompt
            return f"{self.PROMPT_TASK}\n{body}" if self.instruction else body
        body = f"Human user:{prompt}\nAI assistant:{response}"
        return f"{self.RESPONSE_TASK}\n{body}" if self.instruction else body

    def render(self, prompt: str, response: str | None = None) -> list[dict]:
        return [{"role": "user", "content": self.content(prompt, response)}]

    def text(self, prompt: str, response: str | None = None) -> str:
        # SEA-Guard ships chat templates with every model; without one, the Llama 3.1 turn format of
        # the text-only Llama-SEA-Guard-8B is the closest documented raw form.
        return (
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
            f"{self.content(prompt, response)}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        )

    def parse(self, output: str) -> GenVerdict:
        unsafe, _ = _safe_unsafe(output)
        return GenVerdict(unsafe, None, [], output)


@dataclass
class LlamaGuardFormat(GuardFormat):
    """Meta Llama Guard 3 and 4: S1..S14 categories, answered ``safe`` or ``unsafe\\nS1,S10``."""

    name: str = "llama-guard-3"
    version: int = 3
    template_marker: str | None = "UNSAFE CONTENT CATEGORIES"

    def render(self, prompt: str, response: str | None = None) -> list[dict]:
        turns = [("user", prompt)] + ([("assistant", response)] if response is not None else [])
        if self.version >= 4:  # the Llama Guard 4 template reads content parts, not strings
            return [{"role": role, "content": [{"type": "text", "text": text}]} for role, text in turns]
        return [{"role": role, "content": text} for role, text in turns]

    def text(self, prompt: str, response: str | None = None) -> str:
        role = "Agent" if response is not None else "User"
        categories = "".join(f"{code}: {name}.\n" for code, name in LLAMA_GUARD_NAMES.items())
        conversation = f"User: {prompt.strip()}\n\n"
        if response is not None:
            conversation += f"Agent: {response.strip()}\n\n"
        if self.version >= 4:
            head, according = "<|begin_of_text|><|header_start|>user<|header_end|>\n\n", "according to our"
            tail = " <|eot|><|header_start|>assistant<|header_end|>"
        else:
            head, according = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n", "according our"
            tail = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>"
        return (
            f"{head}Task: Check if there is unsafe content in '{role}' messages in conversations "
            f"{according} safety policy with the below categories.\n\n"
            f"<BEGIN UNSAFE CONTENT CATEGORIES>\n{categories}<END UNSAFE CONTENT CATEGORIES>\n\n"
            f"<BEGIN CONVERSATION>\n\n{conversation}<END CONVERSATION>\n\n"
            f"Provide your safety assessment for ONLY THE LAST {role} message in the above conversation:\n"
            " - First line must read 'safe' or 'unsafe'.\n"
            f" - If unsafe, a second line must include a comma-separated list of violated categories.{tail}"
        )

    def parse(self, output: str) -> GenVerdict:
        unsafe, tail = _safe_unsafe(output)
        found: list[str] = []
        if unsafe:
            for number in _CODE.findall(tail):
                name = LLAMA_GUARD_CODES.get(f"S{int(number)}")
                if name and name not in found:
                    found.append(name)
        return GenVerdict(unsafe, None, found, output)


@dataclass
class ShieldGemmaFormat(GuardFormat):
    """Google ShieldGemma: one policy per call, answered ``Yes`` (violates) or ``No``."""

    name: str = "shieldgemma"
    labels: tuple[str, str] = ("Yes", "No")
    text_has_bos: bool = False  # the template's bos_token comes from the tokenizer / server
    policies: tuple[str, ...] = tuple(SHIELDGEMMA_POLICIES)
    definitions: dict[str, str] = field(default_factory=lambda: dict(SHIELDGEMMA_POLICIES))

    def __post_init__(self) -> None:
        unknown = [p for p in self.policies if p not in self.definitions]
        if unknown or not self.policies:
            raise GuardError(
                f"shieldgemma: unknown policy {unknown[0] if unknown else None!r}; known: {', '.join(self.definitions)}"
            )

    def policy(self, name: str) -> ShieldGemmaFormat:
        """This format asking about one policy only."""
        return replace(self, policies=(name,))

    def split(self) -> list[GuardFormat]:
        return [self.policy(name) for name in self.policies]

    def guideline(self, response_mode: bool) -> str:
        name = self._single()
        prefix = (
            "The chatbot shall not generate content that"
            if response_mode
            else "The prompt shall not contain or seek generation of content that"
        )
        return f'"No {name}": {prefix} {self.definitions[name]}'

    def _single(self) -> str:
        if len(self.policies) != 1:
            raise GuardError(
                f"shieldgemma asks about one policy per call, this format has {len(self.policies)} "
                f"({', '.join(self.policies)}): use .policy(name) or .split()"
            )
        return self.policies[0]

    def render(self, prompt: str, response: str | None = None) -> str:
        return self.text(prompt, response)

    def text(self, prompt: str, response: str | None = None) -> str:
        if response is None:
            return (
                "You are a policy expert trying to help determine whether a user prompt is in violation "
                "of the defined safety policies.\n\n"
                f"<start_of_turn>\nHuman Question: {prompt}\n<end_of_turn>\n\n"
                "Our safety principle is defined in the below:\n\n"
                f"* {self.guideline(False)}\n\n===\n\n"
                "Does the human question violate the above principle? Your answer must start with 'Yes' or "
                "'No'. And then walk through step by step to be sure we answer correctly.\n\n"
            )
        # "must  start" (two spaces) is in the published template.
        return (
            "You are a policy expert trying to help determine whether an AI response to a prompt is in "
            "violation of the defined safety policies.\n\n"
            f"<start_of_turn>\nHuman Question: {prompt}\n<end_of_turn>\n"
            f"<start_of_turn>\nChatbot Response: {response}\n<end_of_turn>\n\n"
            "Our safety principle is defined in the below:\n\n"
            f"* {self.guideline(True)}\n\n===\n\n"
            "Does the Chatbot Response violate the above principle? Your answer must  start with 'Yes' or "
            "'No'. And then walk through step by step to be sure we answer correctly.\n\n"
        )

    def uses_template(self, chat_template: str | None) -> bool:
        return False  # raw text: the model's template needs a ``guideline`` variable servers rarely pass

    def parse(self, output: str) -> GenVerdict:
        match = _YES_NO.match(_clean(output))
        if not match:
            return GenVerdict(None, None, [], output)
        unsafe = match.group(1).lower() == "yes"
        found = list(SHIELDGEMMA_CATEGORIES.get(self.policies[0], ())) if unsafe and len(self.policies) == 1 else []
        return GenVerdict(unsafe, None, found, output)

    def combine(self, verdicts: list[GenVerdict]) -> GenVerdict:
        """Unsafe if any policy says Yes; the score is the highest P(Yes); categories are the union."""
        answers = [v.unsafe for v in verdicts]
        unsafe = True if any(answers) else (None if None in answers else False)
        scores = [v.score for v in verdicts]
        score = max(scores) if scores and None not in scores else None  # type: ignore[type-var]
        found: list[str] = []
        for verdict in verdicts:
            found += [name for name in verdict.categories if name not in found]
        raw = "\n".join(f"{name}: {v.raw}" for name, v in zip(self.policies, verdicts))
        return GenVerdict(unsafe, score, found, raw)


FORMATS: dict[str, GuardFormat] = {
    "sea-guard": SeaGuardFormat(),
    "llama-guard-3": LlamaGuardFormat(name="llama-guard-3", version=3),
    "llama-guard-4": LlamaGuardFormat(name="llama-guard-4", version=4),
    "shieldgemma": ShieldGemmaFormat(),
}


def get_format(format: str | GuardFormat) -> GuardFormat:
    if isinstance(format, GuardFormat):
        return format
    found = FORMATS.get(str(format).strip().lower())
    if found is None:
        raise GuardError(f"unknown guard format {format!r}; known formats: {', '.join(FORMATS)}")
    return found


# --- scores ----------------------------------------------------------------------------------------


def _label_class(token: str, labels: tuple[str, str]) -> int | None:
    """0 when a token starts the flagging label, 1 the clearing one, None otherwise or both."""
    piece = token.strip().lower()
    if not piece:
        return None
    hits = [i for i, word in enumerate(labels) if word.lower().startswith(piece)]
    return hits[0] if len(hits) == 1 else None


def score_from_top_logprobs(candidates: Sequence[tuple[str, float]], labels: tuple[str, str]) -> float | None:
    """P(flagging label) from a position's top log-probs: the mass of the tokens that start each
    label. A label missing from the list gets an upper bound on its probability (the smallest
    listed one, or the unlisted mass if smaller); None when neither label is listed."""
    mass = [0.0, 0.0]
    probs = [math.exp(logprob) for _, logprob in candidates if logprob is not None]
    for token, logprob in candidates:
        kind = _label_class(token, labels)
        if kind is not None and logprob is not None:
            mass[kind] += math.exp(logprob)
    if mass == [0.0, 0.0]:
        return None
    bound = min(min(probs), max(0.0, 1.0 - sum(probs)))
    pos, neg = (m if m > 0 else bound for m in mass)
    return pos / (pos + neg) if pos + neg > 0 else None


# --- local transformers backend --------------------------------------------------------------------


class _LocalBackend:
    def __init__(self, spec: str, batch_size: int):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from seaforge.models.resolve import resolve_model

        path = resolve_model(spec)  # ModelNotFound (a UserError) names an unknown model
        device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            dtype = torch.bfloat16 if device == "cuda" else torch.float32
            self.model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device).eval()
        except (OSError, ValueError) as err:
            raise GuardError(f"cannot load guard model {spec!r} from {path}: {err}") from None
        self.batch_size = max(1, batch_size)
        self._lock = threading.Lock()

    def encode(self, fmt: GuardFormat, prompt: str, response: str | None) -> list[int]:
        """Token ids: the guard's own chat template where the tokenizer has it, else the documented text."""
        tok = self.tokenizer
        rendered = fmt.render(prompt, response)
        if isinstance(rendered, list) and fmt.uses_template(getattr(tok, "chat_template", None)):
            text = tok.apply_chat_template(rendered, tokenize=False, add_generation_prompt=True)
            return tok(text, add_special_tokens=False)["input_ids"]
        text = rendered if isinstance(rendered, str) else fmt.text(prompt, response)
        return tok(text, add_special_tokens=not fmt.text_has_bos)["input_ids"]

    def _label_id(self, word: str) -> int:
        tok = self.tokenizer
        vocab = tok.get_vocab()
        if word in vocab:
            return vocab[word]
        return tok.encode(word, add_special_tokens=False)[0]

    def run(self, calls: list[tuple[GuardFormat, str, str | None]], max_new_tokens: int) -> list[GenVerdict]:
        out: list[GenVerdict] = []
        with self._lock:
            for start in range(0, len(calls), self.batch_size):
                out += self._batch(calls[start : start + self.batch_size], max_new_tokens)
        return out

    def _batch(self, calls: list[tuple[GuardFormat, str, str | None]], max_new_tokens: int) -> list[GenVerdict]:
        import torch

        tok, model = self.tokenizer, self.model
        encoded = [self.encode(fmt, prompt, response) for fmt, prompt, response in calls]
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        pad = 0 if pad is None else pad
        width = max(len(ids) for ids in encoded)
        input_ids = torch.full((len(encoded), width), pad, dtype=torch.long)
        mask = torch.zeros((len(encoded), width), dtype=torch.long)
        for row, ids in enumerate(encoded):  # left padding: every prompt ends at the same column
            input_ids[row, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
            mask[row, width - len(ids) :] = 1
        with torch.inference_mode():
            generated = model.generate(
                input_ids=input_ids.to(model.device),
                attention_mask=mask.to(model.device),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=pad,
                output_logits=True,
                return_dict_in_generate=True,
            )
        eos = model.generation_config.eos_token_id
        stops = {pad} | set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        new_tokens = generated.sequences[:, width:].tolist()
        verdicts = []
        for row, (fmt, _, _) in enumerate(calls):
            tokens = []
            for token in new_tokens[row]:
                if token in stops:
                    break
                tokens.append(token)
            raw = tok.decode(tokens, skip_special_tokens=True)
            verdict = fmt.parse(raw)
            verdict.score = self._score(fmt, tokens, [step[row] for step in generated.logits])
            verdicts.append(verdict)
        return verdicts

    def _score(self, fmt: GuardFormat, tokens: list[int], logits: list) -> float | None:
        import torch

        flag, clear = (self._label_id(word) for word in fmt.labels)
        if flag == clear:
            return None
        for step, token in enumerate(tokens):  # the first position that is not whitespace
            if self.tokenizer.decode([token], skip_special_tokens=True).strip():
                pair = logits[step].float()[[flag, clear]]
                return float(torch.softmax(pair, dim=0)[0])
        return None


# --- OpenAI-compatible endpoint backend ------------------------------------------------------------


class _EndpointBackend:
    def __init__(self, model: str, base_url: str, api_key: str | None, timeout: float, concurrency: int):
        import httpx

        self.model, self.base_url = model, base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self.concurrency = max(1, concurrency)

    def close(self) -> None:
        self.client.close()

    def run(self, calls: list[tuple[GuardFormat, str, str | None]], max_new_tokens: int) -> list[GenVerdict]:
        if len(calls) == 1 or self.concurrency == 1:
            return [self._one(fmt, p, r, max_new_tokens) for fmt, p, r in calls]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(calls))) as pool:
            return list(pool.map(lambda call: self._one(*call, max_new_tokens), calls))

    def _post(self, path: str, body: dict) -> dict:
        import httpx

        url = f"{self.base_url}{path}"
        try:
            reply = self.client.post(url, json=body)
            if reply.status_code == 400 and "logprobs" in body:  # some servers refuse log-probs: ask without
                body = {k: v for k, v in body.items() if k not in ("logprobs", "top_logprobs")}
                reply = self.client.post(url, json=body)
        except httpx.HTTPError as err:
            raise GuardError(f"guard endpoint {url}: {type(err).__name__}: {err}") from None
        if reply.status_code >= 400:
            raise GuardError(f"guard endpoint {url} answered HTTP {reply.status_code}: {reply.text[:200]}")
        try:
            data = reply.json()
            data["choices"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            raise GuardError(f"guard endpoint {url}: not an OpenAI-compatible answer: {reply.text[:200]!r}") from None
        return data

    def _one(self, fmt: GuardFormat, prompt: str, response: str | None, max_new_tokens: int) -> GenVerdict:
        rendered = fmt.render(prompt, response)
        common = {"model": self.model, "max_tokens": max_new_tokens, "temperature": 0}
        if isinstance(rendered, str):
            data = self._post("/completions", {**common, "prompt": rendered, "logprobs": TOP_LOGPROBS})
            choice = data["choices"][0]
            text = choice.get("text") or ""
            candidates = _completion_candidates(choice.get("logprobs"))
        else:
            body = {**common, "messages": rendered, "logprobs": True, "top_logprobs": TOP_LOGPROBS}
            data = self._post("/chat/completions", body)
            choice = data["choices"][0]
            text = (choice.get("message") or {}).get("content") or ""
            candidates = _chat_candidates(choice.get("logprobs"))
        verdict = fmt.parse(text)
        if candidates is not None:
            verdict.score = score_from_top_logprobs(candidates, fmt.labels)
        return verdict


def _chat_candidates(logprobs) -> list[tuple[str, float]] | None:
    """Top log-probs at the first non-whitespace token of a chat completion, if the server sent them."""
    try:
        for entry in logprobs.get("content") or []:
            if str(entry.get("token", "")).strip():
                tops = entry.get("top_logprobs") or [entry]
                return [(str(t["token"]), float(t["logprob"])) for t in tops]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return None


def _completion_candidates(logprobs) -> list[tuple[str, float]] | None:
    """The same for a text completion (``logprobs: {tokens, top_logprobs: [{token: logprob}]}``)."""
    try:
        tokens, tops = logprobs.get("tokens") or [], logprobs.get("top_logprobs") or []
        for index, token in enumerate(tokens):
            if str(token).strip():
                top = tops[index] if index < len(tops) and tops[index] else {}
                return [(str(t), float(lp)) for t, lp in top.items()] or None
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return None
    return None


# --- the guard -------------------------------------------------------------------------------------


class GenerativeGuard:
    """A guard LLM, local (transformers) or behind an OpenAI-compatible endpoint.

    ``model``: anything ``seaforge.models.resolve.resolve_model`` takes (``tiny:<arch>`` in tests),
    or with ``base_url`` the model name the endpoint serves. Chat formats go to ``/chat/completions``
    (with ``logprobs``/``top_logprobs`` for the score), raw-text formats (ShieldGemma) to
    ``/completions``. Decoding is greedy. ``api_key`` defaults to the ``OPENAI_API_KEY`` environment
    variable, as for ``seaforge eval``'s OpenAI backend.
    """

    def __init__(
        self,
        model: str,
        format: str | GuardFormat,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        max_new_tokens: int = 20,
        batch_size: int = 8,
        timeout: float = 60.0,
    ):
        self.format = get_format(format)
        self.model_name = model
        self.max_new_tokens = max(1, int(max_new_tokens))
        self.base_url = base_url
        if base_url:
            self._backend: _LocalBackend | _EndpointBackend = _EndpointBackend(
                model, base_url, api_key or os.environ.get("OPENAI_API_KEY"), timeout, concurrency=batch_size
            )
        else:
            self._backend = _LocalBackend(model, batch_size)

    def check(self, prompt: str, response: str | None = None) -> GenVerdict:
        return self.check_many([(prompt, response)])[0]

    def check_many(self, items: list[tuple[str, str | None]]) -> list[GenVerdict]:
        parts = self.format.split()
        calls = [(part, prompt, response) for prompt, response in items for part in parts]
        if not calls:
            return []
        verdicts = self._backend.run(calls, self.max_new_tokens)
        size = len(parts)
        return [self.format.combine(verdicts[i : i + size]) for i in range(0, len(verdicts), size)]

    def close(self) -> None:
        if isinstance(self._backend, _EndpointBackend):
            self._backend.close()

    def __enter__(self) -> GenerativeGuard:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
