"""Prompt building and answer extraction, including reasoning models' thinking sections."""

from seaforge.eval import prompts
from seaforge.eval.items import load_items
from seaforge.eval.tasks import bundled_tasks

TASKS = bundled_tasks()


def test_extract_choice_reads_native_answer_after_tag():
    task = TASKS["sentiment"]
    assert prompts.extract_choice(task, "id", "Jawaban: Positif") == "positive"
    assert prompts.extract_choice(task, "th", "คำตอบ: เชิงลบ") == "negative"
    assert prompts.extract_choice(task, "vi", "Trả lời: **Trung lập**.") == "neutral"


def test_extract_choice_strips_thinking_first():
    task = TASKS["sentiment"]
    out = "<think>Mungkin Negatif? Tidak, Positif.</think>\nJawaban: Netral"
    assert prompts.extract_choice(task, "id", out) == "neutral"
    assert prompts.extract_choice(task, "id", "<think>Jawaban: Positif ... still thinking") is None


def test_extract_choice_rejects_ambiguous_or_missing_answers():
    task = TASKS["sentiment"]
    assert prompts.extract_choice(task, "id", "Positif atau Negatif, sulit dikatakan") is None
    assert prompts.extract_choice(task, "id", "saya tidak tahu") is None


def test_letter_answers_match_whole_letters_only():
    task = TASKS["knowledge"]
    assert prompts.extract_choice(task, "id", "Jawaban: B") == "B"
    assert prompts.extract_choice(task, "id", "Apa ya") is None  # the A of "Apa" is not an answer
    assert prompts.extract_choice(task, "my", "အဖြေ - ဂ") == "C"


def test_strip_thinking_variants():
    assert prompts.strip_thinking("<think>x</think>answer") == "answer"
    assert prompts.strip_thinking("reasoning without open tag</think> answer") == "answer"
    assert prompts.strip_thinking("answer <think>unfinished") == "answer"


def test_instruct_prompt_is_native_instruction_plus_item():
    task = TASKS["causal"]
    item = load_items(task, "id", "samples").items[0]
    (msg,) = prompts.instruct_messages(task, item)
    assert msg["role"] == "user"
    assert "Jawaban:" in msg["content"] and item.fields["premise"] in msg["content"]
    assert "penyebab" in msg["content"]  # the cause/effect value rendered in Indonesian


def test_base_prompt_k_shot_never_shows_the_item_its_own_answer():
    task = TASKS["sentiment"]
    loaded = load_items(task, "ms", "samples", fewshot_k=3)
    item = loaded.items[0]
    shots = prompts.pick_fewshot(loaded.fewshot, item, 3, seed=0)
    assert item.id not in {s.id for s in shots} and len(shots) == 3
    text = prompts.base_prompt(task, item, shots)
    assert text.endswith(f"{item.fields['text']}\nJawapan:")
    assert text.count("\nJawapan: ") == 3  # one answered example per shot
    assert prompts.pick_fewshot(loaded.fewshot, item, 3, seed=0) == shots  # deterministic
    assert [s.id for s in prompts.pick_fewshot(loaded.fewshot, item, 3, seed=1)] != [s.id for s in shots] or len(
        loaded.fewshot
    ) <= 4
