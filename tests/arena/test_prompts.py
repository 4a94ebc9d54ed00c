"""The prompt bank: YAML and JSONL files, errors that name the item, and the bank seaforge ships."""

import json
import unicodedata
from collections import Counter

import pytest

from seaforge.arena.prompts import PromptBankError, bundled_bank, load_bank, parse_bank

# The script each shipped language is written in: a letter of its prompts must carry this Unicode name.
SCRIPT = {"th": "THAI", "my": "MYANMAR", "km": "KHMER", "lo": "LAO", "ta": "TAMIL", "vi": "LATIN", "id": "LATIN"}


def test_shipped_bank_has_five_to_ten_prompts_in_each_language_in_its_own_script():
    bank = bundled_bank()
    counts = Counter(item["lang"] for item in bank)
    assert set(counts) == {"th", "my", "id", "ms", "vi", "tl", "ta", "km", "lo"}
    assert all(5 <= n <= 10 for n in counts.values()), counts
    assert len({item["id"] for item in bank}) == len(bank)
    for item in bank:
        letters = [ch for ch in item["text"] if ch.isalpha()]
        script = SCRIPT.get(item["lang"], "LATIN")
        share = sum(script in unicodedata.name(ch, "") for ch in letters) / len(letters)
        assert share > 0.9, (item["id"], share)


def test_yaml_mapping_list_and_jsonl_give_the_same_items(tmp_path):
    mapping = tmp_path / "bank.yaml"
    mapping.write_text("th:\n  - สวัสดีครับ\n  - {id: th-x, text: ขอบคุณ}\nfil:\n  - Kumusta ka?\n", encoding="utf-8")
    listed = tmp_path / "bank.yml"
    listed.write_text(
        '- {lang: th, text: สวัสดีครับ}\n- {lang: th, id: th-x, text: ขอบคุณ}\n- {lang: tl, text: "Kumusta ka?"}\n'
    )
    lines = tmp_path / "bank.jsonl"
    rows = [
        {"lang": "th", "text": "สวัสดีครับ"},
        {"lang": "th", "id": "th-x", "text": "ขอบคุณ"},
        {"lang": "tgl", "text": "Kumusta ka?"},
    ]
    lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    items = load_bank(mapping)
    assert items == load_bank(listed) == load_bank(lines)
    assert [i["lang"] for i in items] == ["th", "th", "tl"]  # aliases resolved
    assert items[1]["id"] == "th-x" and items[0]["id"].startswith("th-") and len(items[0]["id"]) == 13


@pytest.mark.parametrize(
    ("text", "jsonl", "message"),
    [
        ('{"lang": "th", "text": "a"}\n{"lang": "th"\n', True, r"bank:2: not JSON"),
        ('{"lang": "th", "text": "  "}\n', True, r"bank:1: field 'text' is missing or empty"),
        ('{"lang": "xx", "text": "hi"}\n', True, r"bank:1: field 'lang': unknown language code 'xx'"),
        ("th: just a string\n", False, r"bank: th: expected a list of prompts"),
        ("- [1, 2]\n", False, r"bank: item 1: expected an object with lang and text"),
        ("th:\n  - ok\n  - {id: 3}\n", False, r"bank: th item 2: field 'text' is missing"),
        ("th: [unclosed\n", False, r"bank:2: not valid YAML \(expected"),
    ],
)
def test_bad_items_are_named_by_file_and_line_or_item(text, jsonl, message):
    with pytest.raises(PromptBankError, match=message):
        parse_bank(text, "bank", jsonl=jsonl)


def test_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(PromptBankError, match="no such file"):
        load_bank(tmp_path / "nope.yaml")
