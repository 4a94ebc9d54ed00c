"""The text bundled with seaforge: well-formed, in the language it says, with separate held-out parts."""

from collections import Counter

import pytest

from seaforge.data.bundled import KINDS, bundled_files
from seaforge.io import read_jsonl
from seaforge.text.languages import LANGUAGES

PROSE_LANGS = {"id", "ms", "vi", "tl", "jv", "su", "en", "th", "lo", "km", "my", "ta"}
CHAT_LANGS = {"id", "ms", "vi", "th", "tl", "ta", "my", "km", "lo", "en"}
VARIETIES = {"singlish", "manglish", "taglish", "thai-english"}


def _records(kind: str) -> list[dict]:
    return [record for path in bundled_files(kind) for record in read_jsonl(path)]  # strict: a bad line fails


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_file_is_strict_jsonl_with_unique_ids_marked_as_samples(kind):
    records = _records(kind)
    assert records
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids))
    for record in records:
        assert record["sample"] is True and record["split"] in ("train", "heldout"), record["id"]
        assert record["lang"] in LANGUAGES, record["id"]


def test_prose_covers_every_language_with_train_and_held_out_paragraphs():
    counts = Counter((record["lang"], record["split"]) for record in _records("prose"))
    for lang in PROSE_LANGS:
        assert counts[(lang, "train")] >= 8 and counts[(lang, "heldout")] >= 2, lang
    train_texts = {record["text"] for record in _records("prose") if record["split"] == "train"}
    assert not any(record["text"] in train_texts for record in _records("prose") if record["split"] == "heldout")


def test_prose_is_in_the_language_it_says():
    """Our language ID (tuned on other text) agrees with the label on nearly every paragraph."""
    from seaforge.text.langid import detect_batch

    records = _records("prose")
    found = detect_batch([record["text"] for record in records])
    wrong = [(r["id"], d.lang) for r, d in zip(records, found) if d.lang != r["lang"]]
    assert len(wrong) <= 0.05 * len(records), wrong


def test_conversations_alternate_and_end_with_the_assistant():
    records = _records("chat")
    assert {record["lang"] for record in records} >= CHAT_LANGS
    for record in records:
        roles = [message["role"] for message in record["messages"]]
        assert roles[0] == "user" and roles[-1] == "assistant" and len(roles) % 2 == 0, record["id"]
        assert roles == ["user", "assistant"] * (len(roles) // 2), record["id"]
        assert all(message["content"].strip() for message in record["messages"]), record["id"]


def test_code_switched_messages_cover_the_four_varieties():
    counts = Counter((record["variety"], record["split"]) for record in _records("codeswitch"))
    for variety in VARIETIES:
        assert counts[(variety, "train")] >= 5 and counts[(variety, "heldout")] >= 1, variety


def test_the_trim_default_corpus_keeps_the_held_out_paragraphs_out_of_selection():
    from seaforge.models.trim_corpus import read_trim_corpus

    corpus = read_trim_corpus(None)
    held_out = {record["text"] for record in _records("prose") if record["split"] == "heldout"}
    selected = {text for texts in corpus.selection.values() for text in texts}
    measured = {text for texts in corpus.held_out.values() for text in texts}
    assert held_out <= measured and not held_out & selected
    assert PROSE_LANGS <= set(corpus.selection)
