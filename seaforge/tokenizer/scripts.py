"""Which characters a vocabulary extension may touch, and the script-aware pre-tokenizer split.

GPT-2-style split regexes (GPT-2, Qwen, Llama 3) cut words at every combining mark, because
`\\p{L}+` does not match `\\p{M}`: Thai, Lao, Khmer, Burmese and Tamil words fall apart into
pieces of one to three characters, and no merge can ever span the cut. Llama 4 fixed this by
adding `\\p{M}` to its word pattern. We put one alternative in front of the base regex that keeps a
run of letters and marks of the target scripts together; text without those scripts never
matches it, so it is split exactly as before.
"""

from __future__ import annotations

import regex

from seaforge.text.scripts import SCRIPT_RANGES, class_of

# Non-ASCII Latin letters, from the one table of script ranges.
_LATIN_NON_ASCII = class_of(tuple(span for span in SCRIPT_RANGES["Latn"] if span[0] >= 0x80))

# ISO 15924 -> (Oniguruma/`regex` class body, whether GPT-2-style regexes cut its words at marks).
SCRIPT_CLASSES: dict[str, tuple[str, bool]] = {
    "Thai": (r"\p{Thai}", True),
    "Laoo": (r"\p{Lao}", True),
    "Khmr": (r"\p{Khmer}", True),
    "Mymr": (r"\p{Myanmar}", True),
    "Taml": (r"\p{Tamil}", True),
    "Java": (r"\p{Javanese}", True),
    "Bali": (r"\p{Balinese}", True),
    "Sund": (r"\p{Sundanese}", True),
    "Bugi": (r"\p{Buginese}", True),
    "Hans": (r"\p{Han}", False),
    "Hant": (r"\p{Han}", False),
    # Latin-script targets (Vietnamese, Sundanese é...) may only add tokens holding a non-ASCII
    # letter, so English and plain-ASCII Indonesian keep their tokenisation.
    "Latn": (_LATIN_NON_ASCII, False),
}

# The split regex that `pre_tokenizers.ByteLevel(use_regex=True)` applies (GPT-2's).
GPT2_SPLIT = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"


def scripts_for(langs: list[str]) -> list[str]:
    """The ISO 15924 scripts of `langs` that seaforge can extend (first script of each language)."""
    from seaforge.text.languages import get

    out: list[str] = []
    for code in langs:
        lang = get(code)
        script = lang.scripts[0]
        if script not in SCRIPT_CLASSES:
            raise ValueError(f"language {code!r}: script {script} is not supported for extension")
        if script not in out:
            out.append(script)
    return out


def target_char_pattern(scripts: list[str]) -> regex.Pattern:
    """A `regex` pattern matching one character that a new token must contain."""
    body = "".join(SCRIPT_CLASSES[s][0] for s in scripts)
    return regex.compile(f"[{body}]")


def split_alternative(scripts: list[str]) -> str | None:
    """The regex alternative that keeps target-script words whole, or None if none is needed."""
    bodies = sorted({SCRIPT_CLASSES[s][0] for s in scripts if SCRIPT_CLASSES[s][1]})
    if not bodies:
        return None
    return rf" ?[[{''.join(bodies)}]&&[\p{{L}}\p{{M}}]]+"


def with_script_split(pre_tokenizer: dict | None, scripts: list[str]) -> dict | None:
    """Return the tokenizer.json pre-tokenizer with the script alternative in front of its regex.

    Handles `Sequence[Split(regex), ByteLevel(use_regex=False)]` (Qwen, converted tiktoken) and a
    bare `ByteLevel(use_regex=True)` (GPT-2). Other pre-tokenizers do not cut at marks and are
    returned unchanged.
    """
    alt = split_alternative(scripts)
    if alt is None or pre_tokenizer is None:
        return pre_tokenizer
    kind = pre_tokenizer.get("type")
    if kind == "ByteLevel" and pre_tokenizer.get("use_regex", True):
        if pre_tokenizer.get("add_prefix_space"):
            raise ValueError("ByteLevel(add_prefix_space=True) cannot take a script-aware split")
        split = {"type": "Split", "pattern": {"Regex": f"{alt}|{GPT2_SPLIT}"}, "behavior": "Isolated", "invert": False}
        return {"type": "Sequence", "pretokenizers": [split, {**pre_tokenizer, "use_regex": False}]}
    if kind == "Sequence":
        steps = [dict(s) for s in pre_tokenizer["pretokenizers"]]
        for step in steps:
            pattern = step.get("pattern", {}).get("Regex") if step.get("type") == "Split" else None
            if pattern is not None:
                if not pattern.startswith(alt):
                    step["pattern"] = {"Regex": f"{alt}|{pattern}"}
                return {"type": "Sequence", "pretokenizers": steps}
    return pre_tokenizer
