"""Text bundled with seaforge, written by its authors for demos, tests and default recipes.

- `prose_latin.jsonl`, `prose_scripts.jsonl`: running prose (one paragraph a line) in id, ms, vi,
  tl, jv, su, en and th, lo, km, my, ta, each line `{"id", "lang", "split", "topic", "sample",
  "text"}` with `split` "train" or "heldout" (held-out paragraphs are on topics of their own).
- `chat.jsonl`: short conversations `{"id", "lang", "split", "sample", "messages"}` for SFT.
- `codeswitch.jsonl`: Singlish, Manglish, Taglish and Thai-English messages
  `{"id", "lang", "variety", "split", "sample", "text"}`.

Nothing here is copied from elsewhere; every line is marked `"sample": true`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

KINDS = {
    "prose": ("prose_latin.jsonl", "prose_scripts.jsonl"),
    "chat": ("chat.jsonl",),
    "codeswitch": ("codeswitch.jsonl",),
}


def bundled_files(kind: str) -> list[Path]:
    """The bundled files of one kind ("prose", "chat" or "codeswitch")."""
    folder = Path(str(resources.files("seaforge.data") / "bundled"))
    return [folder / name for name in KINDS[kind]]
