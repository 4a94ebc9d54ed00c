"""Readers for the real text in ``../shared/corpora`` that train and test the Latin cluster model.

Used at model-build time (``langid_train``) and by ``bench/bench_langid.py --heldout``; the
product never reads these files at run time. Every item carries its source and the held-out
group it belongs to:

- group A: NusaX rows 0-199 (every language), XCOPA (premises and choices), Global-MMLU-Lite
  questions.
- group B: NusaX rows 200-399, UDHR paragraphs, IndoNLI (premises and hypotheses), Belebele
  (passages split into sentences, questions), Wisesight, and our self-written eval set.

- group "own": Indonesian and Malay sentences our own package data holds (guard seed prompts,
  bundled prose and chat, the evaluation tasks' samples; written by the seaforge team, never
  the language-ID eval set). Real Malaysian text is scarce in the shared corpora (one register
  a side), so this source joins the training side in both directions and is never scored.

NusaX rows are translations of the same Indonesian sentence into every language, so the split
is by row index: no row's content sits on both sides. XCOPA and Global-MMLU-Lite are parallel
across their languages too, and each sits wholly in A.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from seaforge.text.languages import resolve

NUSAX_FOLDERS = {
    "indonesian": "id",
    "english": "en",
    "javanese": "jv",
    "sundanese": "su",
    "acehnese": "ace",
    "balinese": "ban",
    "banjarese": "bjn",
    "buginese": "bug",
    "madurese": "mad",
    "minangkabau": "min",
}
NUSAX_SPLIT_ROW = 200  # rows below go to group A, the rest to B
UDHR_FILES = {
    "ind": "id",
    "zsm": "ms",
    "tgl": "tl",
    "vie": "vi",
    "eng": "en",
    "jav": "jv",
    "sun": "su",
    "ceb": "ceb",
    "ilo": "ilo",
    "min": "min",
    "ban": "ban",
    "ace": "ace",
    "tha": "th",
    "mya": "my",
    "khm": "km",
    "lao": "lo",
    "tam": "ta",
    "cmn": "zh",
    "shn": "shn",
}
GROUPS = ("A", "B")
OWN = "own"  # trains in both directions, never scored
# Our package data with Indonesian and Malay records: (package, folder, files or a glob). The
# evaluation samples (reading passages, exam-style questions, NLI pairs) add registers the
# shared corpora lack on the Malaysian side (held-out Malay B->A 0.832 -> 0.847). Code-switched
# chat (data/bundled/codeswitch.jsonl) was tried too: it cost code-switch spans and no accuracy.
OWN_FILES = (
    ("seaforge.guard", "data", ("seed_a.jsonl", "seed_c.jsonl")),
    ("seaforge.data", "bundled", ("prose_latin.jsonl", "chat.jsonl")),
    ("seaforge.eval", "tasks/samples", "*.jsonl"),
)
# Record keys that are not text, beyond those the decontamination walk already leaves out (ids, labels, lang).
_OWN_NOT_TEXT = ("split", "topic", "categories", "mix", "en", "metadata", "variety", "phenomenon", "category", "checks")
# Sentence ends: . ! ? followed by space and an upper-case letter, digit or opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(\[]?[A-Z0-9])")
MIN_SENTENCE_CHARS = 12


@dataclass(frozen=True)
class Item:
    source: str
    group: str
    lang: str
    text: str
    unit: str = ""  # items sharing a unit (a parallel row, one passage) share a cross-validation fold


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph; pieces shorter than MIN_SENTENCE_CHARS join the next one."""
    out: list[str] = []
    carry = ""
    for piece in _SENTENCE_END.split(text.strip()):
        piece = (carry + " " + piece).strip() if carry else piece.strip()
        if len(piece) < MIN_SENTENCE_CHARS:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:
        if out:
            out[-1] += " " + carry
        else:
            out.append(carry)
    return out


def _jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _keep(text) -> bool:
    return isinstance(text, str) and len(text.strip()) >= MIN_SENTENCE_CHARS


def nusax(root: Path) -> list[Item]:
    items = []
    for folder, lang in NUSAX_FOLDERS.items():
        path = root / "nusax" / "datasets" / "sentiment" / folder / "test.csv"
        with open(path, encoding="utf-8") as f:
            for row, record in enumerate(csv.DictReader(f)):
                group = "A" if row < NUSAX_SPLIT_ROW else "B"
                if record["text"].strip():  # every row: the split must keep 200 a side
                    items.append(Item("nusax", group, lang, record["text"].strip(), f"nusax:{row}"))
    return items


def udhr(root: Path) -> list[Item]:
    items = []
    for name, lang in UDHR_FILES.items():
        lines = (root / "udhr" / "paragraphs" / f"{name}.txt").read_text("utf-8").splitlines()
        for n, line in enumerate(lines):
            if _keep(line):
                items.append(Item("udhr", "B", lang, line.strip(), f"udhr:{name}:{n}"))
    return items


def xcopa(root: Path) -> list[Item]:
    items = []
    for lang in ("id", "th", "vi", "ta", "zh"):
        seen = set()
        for split in ("val", "test"):
            for record in _jsonl(root / "xcopa" / "data" / lang / f"{split}.{lang}.jsonl"):
                for key in ("premise", "choice1", "choice2"):
                    text = record[key].strip()
                    if _keep(text) and text not in seen:
                        seen.add(text)
                        items.append(Item("xcopa", "A", lang, text, f"xcopa:{split}:{record['idx']}"))
    return items


def global_mmlu(root: Path) -> list[Item]:
    items = []
    for lang in ("ms", "tl", "my"):
        for n, record in enumerate(_jsonl(root / "global-mmlu-lite" / f"global_mmlu_lite_{lang}_test.jsonl")):
            question = record["prompts"][0]["question"]
            if _keep(question):
                items += [Item("mmlu", "A", lang, s, f"mmlu:{n}") for s in split_sentences(question)]
    return items


def indonli(root: Path) -> list[Item]:
    texts: dict[str, str] = {}
    base = root / "indonli" / "data" / "indonli"
    records = list(_jsonl(base / "test_lay.jsonl"))
    records += json.loads((base / "diagnostic.jsonl").read_text("utf-8"))
    for record in records:
        for key in ("premise", "hypothesis"):
            for sentence in split_sentences(record[key]):
                if _keep(sentence):
                    texts.setdefault(sentence, f"indonli:{record['premise']}")
    return [Item("indonli", "B", "id", t, unit) for t, unit in texts.items()]


def belebele(root: Path) -> list[Item]:
    items = []
    for lang in ("jv", "su"):
        passages: dict[str, None] = {}
        questions: dict[str, None] = {}
        for record in _jsonl(root / "belebele" / f"{lang}_belebele.jsonl"):
            prompt = record["prompts"][0]
            passages[prompt["text"]] = None
            questions[prompt["question"]] = None
        for n, passage in enumerate(passages):
            unit = f"belebele:passage:{n}"
            items += [Item("belebele", "B", lang, s, unit) for s in split_sentences(passage) if _keep(s)]
        items += [
            Item("belebele", "B", lang, q.strip(), f"belebele:q:{n}") for n, q in enumerate(questions) if _keep(q)
        ]
    return items


def wisesight(root: Path) -> list[Item]:
    path = root / "wisesight-sentiment" / "kaggle-competition" / "test.txt"
    lines = path.read_text("utf-8").splitlines()
    return [Item("wisesight", "B", "th", t.strip(), f"wisesight:{n}") for n, t in enumerate(lines) if _keep(t)]


def eval_set() -> list[Item]:
    """Our self-written eval set (the older hand rules were tuned on it): one B source."""
    from seaforge.text.langid_eval import EVAL_FILE, load_jsonl

    rows = load_jsonl(None, EVAL_FILE, ("text", "lang"))
    return [Item("eval", "B", resolve(r["lang"]), r["text"], f"eval:{n}") for n, r in enumerate(rows)]


def own_text() -> list[Item]:
    """Sentences of the Indonesian and Malay records in our package data (not code-switched ones)."""
    from importlib import resources

    from seaforge.data.decontam import record_texts

    items = []
    for package, folder, names in OWN_FILES:
        base = resources.files(package).joinpath(folder)
        if isinstance(names, str):  # a glob
            names = sorted(f.name for f in base.iterdir() if fnmatch(f.name, names))
        for name in names:
            text = base.joinpath(name).read_text("utf-8")
            for n, line in enumerate(text.splitlines()):
                record = json.loads(line)
                lang = record.get("lang")
                if lang in ("id", "ms") and not record.get("mix"):
                    unit = f"own:{name}:{n}"
                    texts = record_texts({k: v for k, v in record.items() if k not in _OWN_NOT_TEXT})
                    sentences = [s for t in texts for s in split_sentences(t) if _keep(s)]
                    items += [Item("own", OWN, lang, s, unit) for s in sentences]
    return items


READERS = {
    "nusax": nusax,
    "udhr": udhr,
    "xcopa": xcopa,
    "mmlu": global_mmlu,
    "indonli": indonli,
    "belebele": belebele,
    "wisesight": wisesight,
}


def load_items(root: str | Path, with_eval: bool = True, with_own: bool = True) -> list[Item]:
    """Every item of every source, in a fixed order."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"corpora folder not found: {root}")
    items = [item for read in READERS.values() for item in read(root)]
    if with_eval:
        items += eval_set()
    if with_own:
        items += own_text()
    return items
