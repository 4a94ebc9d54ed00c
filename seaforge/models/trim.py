"""`seaforge models trim`: cut a model's vocabulary to the languages it will serve.

Keeps the special and byte tokens, every token the named languages (and English) use in a corpus,
``--budget`` of the most frequent others, and every token BPE passes through to reach those; slices
the input embedding and the output head to match and renumbers the tokenizer. Text whose tokens are
all kept is tokenised identically, and the trimmed model's logits for kept tokens equal the
original's; other text still encodes, with dropped pieces spelled by smaller pieces or bytes.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path

import typer

from seaforge.errors import UserError
from seaforge.models.trim_corpus import TrimCorpus, read_trim_corpus
from seaforge.models.trim_vocab import (
    Selection,
    TrimError,
    read_bpe,
    script_token_ids,
    select_tokens,
    trimmed_tokenizer_json,
)
from seaforge.text.languages import get as get_language

DEFAULT_BUDGET = 32000
# Tokenizer files that hold the vocabulary in another form; after trimming they would disagree
# with tokenizer.json, so they are not written.
SLOW_VOCAB_FILES = (
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
    "vocab.json",
    "merges.txt",
    "vocab.txt",
)


class _Stages:
    """One line per stage on stderr: a spinner while it runs, its time when done."""

    def __init__(self, enabled: bool):
        from rich.console import Console

        self.console = Console(stderr=True) if enabled else None

    @contextmanager
    def stage(self, what: str):
        if self.console is None:
            yield
            return
        start = time.perf_counter()
        with self.console.status(what + " ..."):
            yield
        self.console.print(f"[green]done[/] {what} ({time.perf_counter() - start:.1f} s)")

    def say(self, message: str) -> None:
        if self.console is not None:
            self.console.print(message)


@contextmanager
def _no_hf_bars():
    """transformers' own tqdm bars would interleave with our stage lines."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


DEFAULT_PREDICT = 10  # next-token predictions kept per position (0: none)
PREDICT_TOKENS = 2000  # tokens read per language for them
PREDICT_ROW = 256  # tokens per forward pass

# Languages whose everyday spelling needs Latin letters beyond ASCII (Vietnamese tone marks).
LATIN_MARKS = {"vi"}


def language_scripts(langs: list[str]) -> tuple[set[str], bool]:
    """(main scripts of ``langs``, whether to keep Latin tokens with marks) for script_token_ids."""
    from seaforge.text.languages import get

    return {get(lang).scripts[0] for lang in langs}, bool(LATIN_MARKS & set(langs))


def predicted_token_ids(model, tokenizer, texts_by_lang: dict[str, list[str]], top_k: int) -> set[int]:
    """The ids the source model ranks in its ``top_k`` next-token predictions over the corpus: for a
    Latin-script language these are mostly whole words of that language (and of English) that a small
    corpus happens not to contain, which the budget's English-first merge order would miss. At most
    PREDICT_TOKENS tokens per language are read, so a large corpus costs no more than a small one."""
    import torch

    predicted: set[int] = set()
    model.eval()
    with torch.no_grad():
        for texts in texts_by_lang.values():
            budget = PREDICT_TOKENS
            for text in texts:
                ids = tokenizer(text)["input_ids"][: min(PREDICT_ROW, budget)]
                if len(ids) < 2:
                    continue
                logits = model(input_ids=torch.tensor([ids])).logits[0]
                predicted.update(logits.topk(top_k, dim=-1).indices.flatten().tolist())
                budget -= len(ids)
                if budget <= 0:
                    break
    return predicted


def parse_langs(langs: str) -> list[str]:
    """Resolve ``th,vi,id`` to seaforge codes (an unknown code is a UserError); English is always kept."""
    from seaforge.text.languages import resolve

    codes = [resolve(code) for code in langs.split(",") if code.strip()]
    if not codes:
        raise UserError("--langs: name at least one language, e.g. --langs th,vi,id")
    return sorted(set(codes) | {"en"})


def _backend_json(tokenizer) -> dict:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise TrimError(
            f"{type(tokenizer).__name__} has no tokenizers backend (tokenizer.json); "
            "vocabulary trimming needs a fast tokenizer"
        )
    return json.loads(backend.to_str())


def _encode_all(backend, texts: list[str]) -> list[list[int]]:
    return [enc.ids for enc in backend.encode_batch(texts, add_special_tokens=False)] if texts else []


def held_out_fallback(original, trimmed, selection: Selection, held_out: dict[str, list[str]]) -> dict:
    """Per language, on held-out text: how many of the original's tokens the trim dropped, how many
    tokens the trimmed tokenizer needs instead, and the share of its tokens that are single bytes."""
    kept = set(selection.kept)
    tables = read_bpe(json.loads(trimmed.to_str()))
    from seaforge.models.trim_vocab import byte_token_ids

    byte_ids = byte_token_ids(tables)
    original_byte_ids = {selection.kept[i] for i in byte_ids}
    out = {}
    for lang, texts in sorted(held_out.items()):
        before = [i for ids in _encode_all(original, texts) for i in ids]
        after = [i for ids in _encode_all(trimmed, texts) for i in ids]
        if not before:
            continue
        dropped = sum(1 for i in before if i not in kept)
        out[lang] = {
            "texts": len(texts),
            "tokens_original": len(before),
            "tokens_trimmed": len(after),
            "dropped_share": round(dropped / len(before), 4),
            "byte_share_original": round(sum(i in original_byte_ids for i in before) / len(before), 4),
            "byte_share_trimmed": round(sum(i in byte_ids for i in after) / max(len(after), 1), 4),
        }
    return out


def slice_vocabulary(model, kept: list[int]) -> None:
    """Keep only rows ``kept`` of the input embedding and the output head (tied or not), in place,
    and renumber every ``*_token_id`` in the config and generation config."""
    import torch

    index = torch.tensor(kept, dtype=torch.long)
    new_id = {old: new for new, old in enumerate(kept)}
    embedding = model.get_input_embeddings()
    head = model.get_output_embeddings()
    tied = head is not None and head.weight.data_ptr() == embedding.weight.data_ptr()
    embedding.weight = torch.nn.Parameter(
        embedding.weight.data.index_select(0, index).clone(), requires_grad=embedding.weight.requires_grad
    )
    embedding.num_embeddings = len(kept)
    if getattr(embedding, "padding_idx", None) is not None:
        embedding.padding_idx = new_id.get(embedding.padding_idx)
    if head is not None:
        if tied:
            head.weight = embedding.weight
        else:
            head.weight = torch.nn.Parameter(
                head.weight.data.index_select(0, index).clone(), requires_grad=head.weight.requires_grad
            )
        if getattr(head, "bias", None) is not None:
            head.bias = torch.nn.Parameter(head.bias.data.index_select(0, index).clone())
        head.out_features = len(kept)
    text_config = model.config.get_text_config()
    text_config.vocab_size = len(kept)
    configs = {id(c): c for c in (model.config, text_config, model.generation_config) if c is not None}
    for config in configs.values():
        for key, value in config.to_dict().items():
            if not key.endswith("_token_id") or value is None:
                continue
            if isinstance(value, list):
                setattr(config, key, [new_id[v] for v in value if v in new_id] or None)
            else:
                setattr(config, key, new_id.get(value))


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())  # parameters() counts a tied head once


def _weights_bytes(folder: Path) -> int | None:
    files = list(folder.glob("*.safetensors")) + list(folder.glob("*.bin")) if folder.is_dir() else []
    return sum(f.stat().st_size for f in files) or None


def source_licence(source: Path) -> dict:
    """`license`, `license_name`, `license_link` from the source's README.md front matter, if any."""
    import yaml

    readme = source / "README.md"
    if not readme.is_file():
        return {}
    text = readme.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return {}
    try:
        front = yaml.safe_load(text.split("---", 2)[1]) or {}
    except yaml.YAMLError:
        return {}
    if not isinstance(front, dict):
        return {}
    return {k: front[k] for k in ("license", "license_name", "license_link", "base_model") if front.get(k)}


def model_card(report: dict, licence: dict) -> str:
    front = ["---", f"license: {licence.get('license', 'unknown')}"]
    for key in ("license_name", "license_link"):
        if key in licence:
            front.append(f"{key}: {licence[key]}")
    base = licence.get("base_model") or report["source"]
    front += [
        f"base_model: {base}",
        "library_name: transformers",
        "pipeline_tag: text-generation",
        "tags:",
        "- seaforge",
        "- vocabulary-trimmed",
        "---",
        "",
    ]
    langs = ", ".join(report["languages"])
    vocab, params = report["vocab"], report["parameters"]
    body = [
        f"# {report['source']}, vocabulary trimmed to {langs}",
        "",
        f"Made by `seaforge models trim` from `{report['source']}`: the vocabulary went from "
        f"{vocab['original']:,} to {vocab['kept']:,} tokens and the parameters from "
        f"{params['original']:,} to {params['trimmed']:,}. The transformer layers are unchanged.",
        "",
        "Kept: special and byte tokens, every token the languages above use in the trimming corpus, "
        f"{vocab.get('script', 0):,} tokens written in those languages' own scripts, "
        f"{vocab.get('predicted', 0):,} tokens the model predicts next in their Latin-script texts, "
        f"the {report['budget']:,} most frequent other tokens (by BPE merge rank) and the BPE pieces "
        "those need. Text whose tokens were all kept gets the same tokens as before and the same "
        "logits over the kept tokens (probabilities renormalized over the smaller vocabulary); "
        "any other text still encodes, with dropped pieces spelled by smaller pieces or bytes. "
        "`trim_ids.json` maps new id i to the original id; `trim_report.json` has the figures.",
        "",
        "Licence: "
        + (
            licence.get("license_name")
            or licence.get("license")
            or "unknown (the source folder has no README.md naming one); check the source model's terms"
        )
        + (f", {licence['license_link']}" if licence.get("license_link") else "")
        + ". The trimmed model is a derivative of the source model and carries the same terms.",
        "",
    ]
    return "\n".join(front + body)


def _check_same_encoding(folder: Path, trimmed, texts: list[str]) -> None:
    """The tokenizer that loads from the folder must agree with the trimmed tokenizer.json."""
    from transformers import AutoTokenizer

    reloaded = AutoTokenizer.from_pretrained(str(folder))
    for text in texts:
        got = reloaded(text, add_special_tokens=False)["input_ids"]
        want = trimmed.encode(text, add_special_tokens=False).ids
        if got != want:
            raise TrimError(
                f"the saved tokenizer ({type(reloaded).__name__}) encodes {text[:40]!r} as "
                f"{got[:10]}..., tokenizer.json as {want[:10]}...; not saving a tokenizer that disagrees"
            )


def _save_tokenizer(tokenizer, trimmed_json: dict, new_id: dict[int, int], folder: Path) -> None:
    from seaforge.io import atomic_write_json

    tokenizer.save_pretrained(str(folder))
    for name in SLOW_VOCAB_FILES:
        (folder / name).unlink(missing_ok=True)
    atomic_write_json(folder / "tokenizer.json", trimmed_json, indent=None)
    config_path = folder / "tokenizer_config.json"
    if config_path.is_file():
        config = json.loads(config_path.read_text(encoding="utf-8"))
        decoder = config.get("added_tokens_decoder")
        if isinstance(decoder, dict):
            config["added_tokens_decoder"] = {str(new_id[int(k)]): v for k, v in decoder.items() if int(k) in new_id}
        atomic_write_json(config_path, config)


def trim_model(
    model: str,
    langs: list[str],
    out: str | Path,
    corpus: str | Path | None = None,
    budget: int = DEFAULT_BUDGET,
    overwrite: bool = False,
    progress: bool = True,
    scripts: bool = True,
    predict: int = DEFAULT_PREDICT,
) -> dict:
    """Trim ``model`` to ``langs`` (seaforge codes, English included) into the folder ``out``; returns
    the report that is also written to ``out/trim_report.json``."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from seaforge.io import OutputExistsError, atomic_dir, atomic_write_json, atomic_write_text, check_writable
    from seaforge.models.resolve import resolve_model

    out = Path(out)
    if budget < 0:
        raise TrimError(f"--budget must be 0 or more, got {budget}")
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} exists; pass --overwrite to replace it")
    check_writable(out)
    stages = _Stages(progress)
    with stages.stage("reading the corpus"):
        texts: TrimCorpus = read_trim_corpus(corpus)
    if corpus is None:
        stages.say(
            "no --corpus given: using the prose and sample sentences bundled with seaforge "
            f"({', '.join(Path(s).name for s in texts.sources)}); pass --corpus for a real trim"
        )
    for problem in texts.skipped[:5]:
        stages.say(f"[yellow]skipped[/] {problem}")
    selection_texts = [t for lang in langs for t in texts.selection.get(lang, [])]
    missing = [lang for lang in langs if lang != "en" and not texts.selection.get(lang)]
    if missing:
        stages.say(
            f"[yellow]warning[/] the corpus has no text in {', '.join(missing)}: only the budget "
            "and byte fallback cover those languages"
        )
    source = resolve_model(model)
    with stages.stage(f"loading the tokenizer of {model}"):
        tokenizer = AutoTokenizer.from_pretrained(source)
        original_json = _backend_json(tokenizer)
        original = tokenizer.backend_tokenizer
    with stages.stage(f"loading {model}"), _no_hf_bars():
        causal_lm = AutoModelForCausalLM.from_pretrained(source, dtype="auto")
    predicted: set[int] = set()
    latin = [lang for lang in langs if lang in texts.selection and get_language(lang).scripts[0] == "Latn"]
    if predict and latin:
        with stages.stage(f"predicting the next {predict} tokens over the {', '.join(latin)} texts"):
            predicted = predicted_token_ids(
                causal_lm, tokenizer, {lang: texts.selection[lang] for lang in latin}, predict
            )
    with stages.stage(f"tokenising {len(selection_texts):,} texts and choosing tokens"):
        corpus_ids = {i for ids in _encode_all(original, selection_texts) for i in ids}
        by_script = script_token_ids(read_bpe(original_json), *language_scripts(langs)) if scripts else set()
        selection = select_tokens(original_json, corpus_ids, budget, by_script, predicted)
        new_json = trimmed_tokenizer_json(original_json, selection.kept)
        trimmed = Tokenizer.from_str(json.dumps(new_json))
        fallback = held_out_fallback(original, trimmed, selection, texts.held_out)
    original_vocab = causal_lm.get_input_embeddings().weight.shape[0]
    if selection.kept[-1] >= original_vocab:
        raise TrimError(
            f"the tokenizer has ids up to {selection.kept[-1]} but the model's embedding has {original_vocab} rows"
        )
    params_before = parameter_count(causal_lm)
    with stages.stage(f"slicing the embedding and head to {len(selection.kept):,} tokens"), torch.no_grad():
        slice_vocabulary(causal_lm, selection.kept)
    new_id = {old: new for new, old in enumerate(selection.kept)}
    source_path = Path(source)
    report = {
        "source": model,
        "source_path": str(source),
        "languages": langs,
        "corpus": texts.sources if corpus is not None else "bundled prose and sample sentences",
        "corpus_texts": {lang: len(v) for lang, v in sorted(texts.selection.items())},
        "budget": budget,
        "vocab": {
            "original": original_vocab,
            "kept": len(selection.kept),
            "special": selection.special,
            "bytes": selection.bytes,
            "corpus": selection.corpus,
            "script": selection.script,
            "predicted": selection.predicted,
            "budget": selection.budget,
            "merge_closure": selection.closure,
            "placeholders_dropped": selection.placeholders_dropped,
        },
        "parameters": {"original": params_before, "trimmed": parameter_count(causal_lm)},
        "file_bytes": {"original": _weights_bytes(source_path), "trimmed": None},
        "held_out": {"every": "10th text per language (not used to choose tokens)", "per_language": fallback},
    }
    licence = source_licence(source_path) if source_path.is_dir() else {}
    with stages.stage(f"writing {out}"), _no_hf_bars(), atomic_dir(out, overwrite=overwrite) as tmp:
        causal_lm.save_pretrained(str(tmp))
        _save_tokenizer(tokenizer, new_json, new_id, tmp)
        _check_same_encoding(tmp, trimmed, [t for v in texts.held_out.values() for t in v][:50] + selection_texts[:50])
        report["file_bytes"]["trimmed"] = _weights_bytes(tmp)
        atomic_write_json(tmp / "trim_ids.json", selection.kept, indent=None)
        atomic_write_json(tmp / "trim_report.json", report)
        atomic_write_text(tmp / "README.md", model_card(report, licence))
    return report


def _summary(report: dict, out: Path) -> str:
    vocab, params = report["vocab"], report["parameters"]
    lines = [
        f"vocabulary {vocab['original']:,} -> {vocab['kept']:,} tokens "
        f"(special {vocab['special']:,}, bytes {vocab['bytes']}, corpus {vocab['corpus']:,}, "
        f"script {vocab.get('script', 0):,}, predicted {vocab.get('predicted', 0):,}, "
        f"budget {vocab['budget']:,}, merge closure {vocab['merge_closure']:,})",
        f"parameters {params['original']:,} -> {params['trimmed']:,}",
    ]
    for lang, row in report["held_out"]["per_language"].items():
        lines.append(
            f"held-out {lang}: {row['dropped_share']:.1%} of tokens dropped, "
            f"{row['tokens_original']} -> {row['tokens_trimmed']} tokens"
        )
    lines.append(f"wrote {out} (trim_report.json, README.md)")
    return "\n".join(lines)


def trim_command(
    model: str = typer.Argument(..., help="Model to trim: registered name, tiny:<arch>, .gguf, folder or hub id."),
    langs: str = typer.Option(
        ...,
        "--langs",
        "-l",
        help="Languages to keep tokens for, comma-separated (e.g. th,vi,id,ms); English is always kept.",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder for the trimmed model."),
    corpus: Path = typer.Option(
        None,
        "--corpus",
        "-c",
        help="JSONL (text, optional lang) or .txt file, or a "
        "folder of them. Default: the prose and sample sentences bundled with seaforge.",
    ),
    budget: int = typer.Option(
        DEFAULT_BUDGET,
        "--budget",
        "-b",
        help="How many of the most frequent other tokens (by BPE merge rank) to keep besides the corpus's.",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it exists."),
    predict: int = typer.Option(
        DEFAULT_PREDICT,
        "--predict",
        help="Also keep the base model's top-N next-token predictions over the corpus's Latin-script "
        "texts (whole words the corpus lacks); 0 turns it off.",
    ),
    scripts: bool = typer.Option(
        True,
        "--scripts/--no-scripts",
        help="Keep every token written in the languages' own scripts (Thai, Khmer, ...; Vietnamese "
        "marks), which a small corpus cannot cover.",
    ),
) -> None:
    """Trim MODEL's vocabulary to the languages it will serve (smaller, faster on CPU)."""
    report = trim_model(
        model,
        parse_langs(langs),
        out,
        corpus=corpus,
        budget=budget,
        overwrite=overwrite,
        scripts=scripts,
        predict=predict,
    )
    typer.echo(_summary(report, out))
