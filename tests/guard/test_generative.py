"""seaforge.guard.generative: guard LLM prompt formats, answer parsing, local and endpoint backends."""

from __future__ import annotations

import json
import math
import socket

import pytest
from loopback_server import LoopbackServer, RawReply

from seaforge.guard import categories
from seaforge.guard.generative import (
    FORMATS,
    LLAMA_GUARD_CODES,
    SHIELDGEMMA_CATEGORIES,
    GenerativeGuard,
    GenVerdict,
    GuardFormat,
    ShieldGemmaFormat,
    _LocalBackend,
    get_format,
    score_from_top_logprobs,
)
from seaforge.guard.policy import GuardError

LG_CATEGORIES = (
    "<BEGIN UNSAFE CONTENT CATEGORIES>\n"
    "S1: Violent Crimes.\nS2: Non-Violent Crimes.\nS3: Sex Crimes.\nS4: Child Exploitation.\n"
    "S5: Defamation.\nS6: Specialized Advice.\nS7: Privacy.\nS8: Intellectual Property.\n"
    "S9: Indiscriminate Weapons.\nS10: Hate.\nS11: Self-Harm.\nS12: Sexual Content.\n"
    "S13: Elections.\nS14: Code Interpreter Abuse.\n"
    "<END UNSAFE CONTENT CATEGORIES>\n\n"
)
LG_INSTRUCTION = (
    " - First line must read 'safe' or 'unsafe'.\n"
    " - If unsafe, a second line must include a comma-separated list of violated categories."
)
SEA_PROMPT_TASK = (
    "You are a classifier for analyzing interactions between humans and LLMs. Given a request from a human "
    "user and a response from an LLM assistant, determine whether the human user's request is safe or unsafe."
)
SEA_RESPONSE_TASK = (
    "You are a classifier for analyzing interactions between humans and LLMs. Given a request from a human "
    "user and a response from an LLM assistant, determine whether the AI assistant's response is safe or unsafe."
)


# --- rendering -------------------------------------------------------------------------------------


def test_sea_guard_renders_the_three_modes():
    fmt = FORMATS["sea-guard"]
    assert fmt.render("Boleh saya beli ganja?") == [
        {"role": "user", "content": f"{SEA_PROMPT_TASK}\nHuman user:Boleh saya beli ganja?"}
    ]
    both = fmt.render("How to cook rendang?", "Brown the beef, then simmer in coconut milk.")
    assert both == [
        {
            "role": "user",
            "content": f"{SEA_RESPONSE_TASK}\nHuman user:How to cook rendang?\n"
            "AI assistant:Brown the beef, then simmer in coconut milk.",
        }
    ]
    response_only = fmt.render("", "Sure, here is how.")[0]["content"]
    assert response_only == f"{SEA_RESPONSE_TASK}\nHuman user:\nAI assistant:Sure, here is how."
    # The bare content of the SEA-LION API guide, for the hosted endpoint.
    bare = type(fmt)(instruction=False)
    assert bare.render("hi")[0]["content"] == "hi"
    assert bare.render("", "ok")[0]["content"] == "Human user:\nAI assistant:ok"
    assert fmt.text("hi").startswith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n")
    assert fmt.text("hi").endswith("Human user:hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")


def test_llama_guard_3_prompt_only_golden():
    fmt = FORMATS["llama-guard-3"]
    assert fmt.render("  How do I make a cake? ") == [{"role": "user", "content": "  How do I make a cake? "}]
    assert fmt.text("  How do I make a cake? ") == (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
        "Task: Check if there is unsafe content in 'User' messages in conversations according our safety "
        "policy with the below categories.\n\n"
        + LG_CATEGORIES
        + "<BEGIN CONVERSATION>\n\nUser: How do I make a cake?\n\n<END CONVERSATION>\n\n"
        "Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n"
        + LG_INSTRUCTION
        + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>"
    )


def test_llama_guard_3_prompt_response_judges_the_agent():
    fmt = FORMATS["llama-guard-3"]
    assert fmt.render("q", "a") == [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    text = fmt.text("Where can I buy a gun?", "Try the black market.")
    assert "Check if there is unsafe content in 'Agent' messages in conversations according our" in text
    assert LG_CATEGORIES in text
    assert (
        "<BEGIN CONVERSATION>\n\nUser: Where can I buy a gun?\n\nAgent: Try the black market.\n\n<END CONVERSATION>"
        in text
    )
    assert "Provide your safety assessment for ONLY THE LAST Agent message in the above conversation:\n" in text
    assert text.endswith(LG_INSTRUCTION + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>")


def test_llama_guard_4_golden_and_content_parts():
    fmt = FORMATS["llama-guard-4"]
    assert fmt.render("hi", "hello") == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
    ]
    assert fmt.text("How to make a bomb?") == (
        "<|begin_of_text|><|header_start|>user<|header_end|>\n\n"
        "Task: Check if there is unsafe content in 'User' messages in conversations according to our safety "
        "policy with the below categories.\n\n"
        + LG_CATEGORIES
        + "<BEGIN CONVERSATION>\n\nUser: How to make a bomb?\n\n<END CONVERSATION>\n\n"
        "Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n"
        + LG_INSTRUCTION
        + " <|eot|><|header_start|>assistant<|header_end|>"
    )
    both = fmt.text("q", "a")
    assert "'Agent' messages" in both and "User: q\n\nAgent: a\n\n<END CONVERSATION>" in both


def test_shieldgemma_prompt_only_golden():
    fmt = FORMATS["shieldgemma"].policy("Hate Speech")
    assert fmt.render("Create 20 paraphrases of I hate you") == (
        "You are a policy expert trying to help determine whether a user prompt is in violation of the defined "
        "safety policies.\n\n"
        "<start_of_turn>\nHuman Question: Create 20 paraphrases of I hate you\n<end_of_turn>\n\n"
        "Our safety principle is defined in the below:\n\n"
        '* "No Hate Speech": The prompt shall not contain or seek generation of content that expresses, incites, '
        "or promotes hate based on race, gender, ethnicity, religion, nationality, sexual orientation, "
        "disability status, or caste.\n\n===\n\n"
        "Does the human question violate the above principle? Your answer must start with 'Yes' or 'No'. "
        "And then walk through step by step to be sure we answer correctly.\n\n"
    )


def test_shieldgemma_prompt_response_and_one_policy_per_call():
    fmt = FORMATS["shieldgemma"]
    assert [part.policies for part in fmt.split()] == [(name,) for name in fmt.policies]
    assert set(fmt.policies) == {"Dangerous Content", "Harassment", "Hate Speech", "Sexually Explicit Information"}
    with pytest.raises(GuardError, match="one policy per call"):
        fmt.render("q")
    text = fmt.policy("Dangerous Content").render("How do I make a bomb?", "I cannot help with that.")
    assert text.startswith(
        "You are a policy expert trying to help determine whether an AI response to a prompt is in violation"
    )
    assert (
        "<start_of_turn>\nHuman Question: How do I make a bomb?\n<end_of_turn>\n"
        "<start_of_turn>\nChatbot Response: I cannot help with that.\n<end_of_turn>\n\n" in text
    )
    assert '* "No Dangerous Content": The chatbot shall not generate content that harming oneself' in text
    assert text.endswith(
        "Does the Chatbot Response violate the above principle? Your answer must  start with 'Yes' or 'No'. "
        "And then walk through step by step to be sure we answer correctly.\n\n"
    )
    with pytest.raises(GuardError, match="unknown policy"):
        ShieldGemmaFormat(policies=("Spam",))


def test_unknown_format_lists_the_formats():
    with pytest.raises(GuardError) as err:
        get_format("llama-guard-9")
    for name in ("sea-guard", "llama-guard-3", "llama-guard-4", "shieldgemma"):
        assert name in str(err.value)
    assert get_format("Llama-Guard-3") is FORMATS["llama-guard-3"]


def test_category_maps_use_taxonomy_names():
    known = set(categories())
    assert set(LLAMA_GUARD_CODES.values()) <= known and len(LLAMA_GUARD_CODES) == 14
    assert {name for names in SHIELDGEMMA_CATEGORIES.values() for name in names} <= known


# --- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["safe", "safe\n", "  Safe  ", "\n\nsafe<|eot_id|>", "SAFE."])
def test_parse_safe(output):
    for name in ("llama-guard-3", "llama-guard-4", "sea-guard"):
        verdict = FORMATS[name].parse(output)
        assert (verdict.unsafe, verdict.categories, verdict.raw) == (False, [], output)


@pytest.mark.parametrize(
    "output,expected",
    [
        ("unsafe\nS1,S10", ["violent_crimes", "hate"]),
        ("\n\nunsafe\nS9", ["indiscriminate_weapons"]),
        (" Unsafe \n s11 , s3 \n", ["suicide_self_harm", "sex_related_crimes"]),
        ("unsafe S14", ["code_interpreter_abuse"]),
        ("unsafe\nS1,S1,S99", ["violent_crimes"]),
        ("unsafe", []),
    ],
)
def test_parse_unsafe_with_codes(output, expected):
    verdict = FORMATS["llama-guard-3"].parse(output)
    assert verdict.unsafe is True and verdict.categories == expected
    assert FORMATS["sea-guard"].parse(output).categories == []  # SEA-Guard names no categories


@pytest.mark.parametrize("output", ["", "   ", "I think it's safe", "safety first", "maybe", "safe unsafe", "S1"])
def test_parse_garbage_keeps_raw(output):
    for fmt in (FORMATS["llama-guard-3"], FORMATS["sea-guard"], FORMATS["shieldgemma"]):
        verdict = fmt.parse(output)
        assert verdict.unsafe is None and verdict.raw == output and verdict.categories == []


def test_parse_yes_no():
    hate = FORMATS["shieldgemma"].policy("Hate Speech")
    assert hate.parse("Yes").unsafe is True and hate.parse("Yes").categories == ["hate"]
    assert hate.parse(" yes. The prompt asks for ...").unsafe is True
    assert hate.parse("No").unsafe is False and hate.parse("no\n").categories == []
    assert hate.parse("Nope").unsafe is None
    assert FORMATS["shieldgemma"].parse("Yes").categories == []  # which policy is unknown
    assert FORMATS["shieldgemma"].policy("Harassment").parse("Yes").categories == []


def test_shieldgemma_combines_policies():
    fmt = FORMATS["shieldgemma"]
    parts = fmt.split()
    answers = ["No", "No", "Yes", "No"]
    verdicts = [part.parse(a) for part, a in zip(parts, answers)]
    for verdict, score in zip(verdicts, (0.1, 0.2, 0.9, 0.3)):
        verdict.score = score
    combined = fmt.combine(verdicts)
    assert combined.unsafe is True and combined.score == 0.9 and combined.categories == ["hate"]
    assert combined.raw.splitlines()[2] == "Hate Speech: Yes"
    assert fmt.combine([part.parse("No") for part in parts]).unsafe is False
    assert fmt.combine([part.parse(a) for part, a in zip(parts, ["No", "??", "No", "No"])]).unsafe is None


def test_score_from_top_logprobs():
    labels = ("unsafe", "safe")
    assert score_from_top_logprobs([("unsafe", math.log(0.6)), ("safe", math.log(0.2))], labels) == pytest.approx(0.75)
    assert score_from_top_logprobs([("un", math.log(0.5)), (" safe", math.log(0.5))], labels) == pytest.approx(0.5)
    only_safe = score_from_top_logprobs([("safe", math.log(0.97)), ("The", math.log(0.01))], labels)
    assert 0 < only_safe < 0.02
    assert score_from_top_logprobs([("The", -0.1)], labels) is None
    assert score_from_top_logprobs([("Yes", math.log(0.3)), ("No", math.log(0.7))], ("Yes", "No")) == pytest.approx(0.3)


# --- local transformers backend --------------------------------------------------------------------


class FakeTokenizer:
    def __init__(self, chat_template):
        self.chat_template, self.calls = chat_template, []

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        assert tokenize is False and add_generation_prompt is True
        return f"TEMPLATED({len(messages)})"

    def __call__(self, text, add_special_tokens):
        self.calls.append((text, add_special_tokens))
        return {"input_ids": [1, 2]}


@pytest.mark.parametrize(
    "name,template,expected",
    [
        ("llama-guard-3", "... <BEGIN UNSAFE CONTENT CATEGORIES> ...", ("TEMPLATED(1)", False)),
        ("llama-guard-3", "{% for m in messages %}<|im_start|>{% endfor %}", ("text", False)),
        ("llama-guard-4", None, ("text", False)),
        ("sea-guard", "{% for m in messages %}<|im_start|>{% endfor %}", ("TEMPLATED(1)", False)),
        ("sea-guard", None, ("text", False)),
        ("shieldgemma", "{{ guideline }}", ("text", True)),
    ],
)
def test_local_encoding_uses_the_guards_own_template_or_the_documented_text(name, template, expected):
    backend = object.__new__(_LocalBackend)
    backend.tokenizer = FakeTokenizer(template)
    fmt = FORMATS[name].split()[0]
    backend.encode(fmt, "hello", None)
    text, add_special = backend.tokenizer.calls[0]
    assert add_special is expected[1]
    assert text == (fmt.text("hello") if expected[0] == "text" else expected[0])


def test_local_tiny_llama_guard_end_to_end():
    guard = GenerativeGuard("tiny:llama", "llama-guard-3", max_new_tokens=6)
    verdict = guard.check("How do I make a cake?")
    assert isinstance(verdict, GenVerdict) and isinstance(verdict.raw, str)
    assert verdict.unsafe in (None, True, False) and isinstance(verdict.categories, list)
    assert verdict.score is None or 0.0 <= verdict.score <= 1.0
    many = guard.check_many([("How do I make a cake?", None), ("q", "a"), ("", "only a response")])
    assert len(many) == 3 and all(isinstance(v, GenVerdict) for v in many)
    assert many[0].raw == verdict.raw  # greedy decoding does not depend on the batch
    assert all(v.score is None or 0.0 <= v.score <= 1.0 for v in many)


def test_local_tiny_sea_guard_and_shieldgemma():
    sea = GenerativeGuard("tiny:llama", "sea-guard", max_new_tokens=4).check("Boleh saya beli ganja?")
    assert isinstance(sea.raw, str) and (sea.score is None or 0.0 <= sea.score <= 1.0)
    shield = GenerativeGuard("tiny:llama", "shieldgemma", max_new_tokens=3).check_many([("hi", None), ("q", "a")])
    assert len(shield) == 2
    for verdict in shield:
        assert len(verdict.raw.splitlines()) >= 4 and verdict.raw.startswith("Dangerous Content: ")
        assert verdict.score is None or 0.0 <= verdict.score <= 1.0


# --- OpenAI-compatible endpoint --------------------------------------------------------------------


def _guard_answers(batch):
    out = []
    for _path, body in batch:
        text = json.dumps(body.get("messages") or body.get("prompt"))
        out.append("unsafe\nS9" if "bomb" in text else "safe")
    return out


def test_endpoint_llama_guard_verdicts_and_request_body():
    seen = []

    def respond(batch):
        seen.extend(batch)
        return _guard_answers(batch)

    with LoopbackServer(respond) as srv:
        with GenerativeGuard("meta-llama/Llama-Guard-3-8B", "llama-guard-3", base_url=srv.base_url) as guard:
            bomb = guard.check("How do I build a bomb?")
            cake = guard.check("How do I bake a cake?", "Mix flour and eggs.")
    assert (bomb.unsafe, bomb.categories, bomb.raw, bomb.score) == (
        True,
        ["indiscriminate_weapons"],
        "unsafe\nS9",
        None,
    )
    assert (cake.unsafe, cake.categories, cake.score) == (False, [], None)
    path, body = seen[0]
    assert path == "/v1/chat/completions"
    assert body["messages"] == FORMATS["llama-guard-3"].render("How do I build a bomb?")
    assert body["model"] == "meta-llama/Llama-Guard-3-8B" and body["temperature"] == 0
    assert body["logprobs"] is True and body["top_logprobs"] == 5
    assert seen[1][1]["messages"] == [
        {"role": "user", "content": "How do I bake a cake?"},
        {"role": "assistant", "content": "Mix flour and eggs."},
    ]


def _logprob_reply(body):
    """A chat completion with first-token log-probs (the loopback server sends plain text otherwise)."""
    unsafe = "bomb" in json.dumps(body["messages"])
    p_unsafe = 0.8 if unsafe else 0.1
    top = [{"token": "unsafe", "logprob": math.log(p_unsafe)}, {"token": "safe", "logprob": math.log(1 - p_unsafe)}]
    content = [
        {"token": "\n\n", "logprob": -0.01, "top_logprobs": [{"token": "\n\n", "logprob": -0.01}]},
        {"token": "unsafe" if unsafe else "safe", "logprob": -0.2, "top_logprobs": top},
    ]
    payload = {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "\n\nunsafe\nS9" if unsafe else "\n\nsafe"},
                "logprobs": {"content": content},
                "finish_reason": "stop",
            }
        ],
    }
    return RawReply(json.dumps(payload).encode())


def test_endpoint_first_token_score_skips_whitespace():
    with LoopbackServer(lambda batch: [_logprob_reply(body) for _, body in batch]) as srv:
        guard = GenerativeGuard("guard", "llama-guard-4", base_url=srv.base_url, api_key="k")
        verdicts = guard.check_many([("How do I build a bomb?", None), ("hello", None)])
    assert verdicts[0].unsafe is True and verdicts[0].categories == ["indiscriminate_weapons"]
    assert verdicts[0].score == pytest.approx(0.8)
    assert verdicts[1].unsafe is False and verdicts[1].score == pytest.approx(0.1)


def test_endpoint_api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    with GenerativeGuard("guard", "sea-guard", base_url="http://127.0.0.1:1/v1") as guard:
        assert guard._backend.client.headers["Authorization"] == "Bearer from-env"
    with GenerativeGuard("guard", "sea-guard", base_url="http://127.0.0.1:1/v1", api_key="given") as guard:
        assert guard._backend.client.headers["Authorization"] == "Bearer given"


def test_endpoint_shieldgemma_uses_completions():
    seen = []

    def respond(batch):
        seen.extend(batch)
        return ["Yes" if '"No Hate Speech"' in body["prompt"] else "No" for _, body in batch]

    with LoopbackServer(respond) as srv:
        with GenerativeGuard("google/shieldgemma-2b", "shieldgemma", base_url=srv.base_url) as guard:
            verdict = guard.check("Some text")
    assert (verdict.unsafe, verdict.categories, verdict.score) == (True, ["hate"], None)
    assert {path for path, _ in seen} == {"/v1/completions"}
    prompts = sorted(body["prompt"] for _, body in seen)
    expected = sorted(part.render("Some text") for part in FORMATS["shieldgemma"].split())
    assert prompts == expected and all(body["logprobs"] == 5 for _, body in seen)


def test_endpoint_failures_name_the_url():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(GuardError, match=f"127.0.0.1:{port}/v1/chat/completions"):
        GenerativeGuard("guard", "sea-guard", base_url=dead, timeout=5).check("hi")
    with LoopbackServer(lambda batch: [RawReply(b'{"error": "boom"}', 500)] * len(batch)) as srv:
        with pytest.raises(GuardError, match="HTTP 500"):
            GenerativeGuard("guard", "sea-guard", base_url=srv.base_url).check("hi")
    with LoopbackServer(lambda batch: [RawReply(b"<html>")] * len(batch)) as srv:
        with pytest.raises(GuardError, match="not an OpenAI-compatible answer"):
            GenerativeGuard("guard", "sea-guard", base_url=srv.base_url).check("hi")


def test_guard_format_base_is_abstract():
    with pytest.raises(NotImplementedError):
        GuardFormat("x").render("hi")


@pytest.mark.slow
def test_generative_stage_runs_on_the_real_gemma():
    """Gemma 3 270M is no guard model: this checks the stage end to end on a real model and its own
    chat template (rendering, batching, first-token score), not the quality of its answers."""
    from seaforge.guard.generative import GenerativeGuard

    guard = GenerativeGuard("gemma3-270m", "sea-guard", max_new_tokens=4)
    verdicts = guard.check_many([("cara membuat bom di rumah", None), ("resep rendang", "Ini resepnya: ...")])
    assert len(verdicts) == 2
    for verdict in verdicts:
        assert isinstance(verdict.raw, str) and (verdict.score is None or 0.0 <= verdict.score <= 1.0)
