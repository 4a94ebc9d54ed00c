"""Our Southeast Asian datatrove steps: normalize, language ID, line cleanup, quality, PII, decontamination.

Each step is a thin datatrove ``PipelineStep``/``BaseFilter`` around plain functions from the
text layer and ``quality.py``, so the same list runs on the local, Slurm and Ray executors.
Every drop is counted with a reason, overall (``dropped_<reason>``) and per language
(``<lang>/dropped_<reason>``), and goes to the rejected sink when one is configured.
"""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from seaforge.data.quality import (
    QualitySettings,
    clean_lines,
    quality_reason,
    settings_for,
)

LANG_KEY = "language"
WORDS_KEY = "sf_words"
_LAST_WORDS: list = [None, None, None]


def doc_lang(doc: Document) -> str:
    return doc.metadata.get(LANG_KEY, "und")


def words_of(doc: Document) -> list[str]:
    """Our segmented words for a document (cached on the document for the next steps)."""
    # Documents stream through the steps one at a time, so a one-entry cache lets quality and
    # decontamination share one segmentation (Document has __slots__: no attribute to hang it on).
    lang = doc_lang(doc)
    if _LAST_WORDS[0] is doc.text and _LAST_WORDS[1] == lang:
        return _LAST_WORDS[2]
    from seaforge.text.segment import segment

    words = segment(doc.text, lang)
    _LAST_WORDS[:] = [doc.text, lang, words]
    return words


def warm_up(languages: list[str]) -> None:
    """Load the language-ID model and every segmenter now, so forked workers inherit them.

    khmer-nltk's CRF model alone takes seconds to load; each worker would otherwise pay it.
    """
    from seaforge.data.lexicons import STOPWORDS
    from seaforge.text.langid import detect
    from seaforge.text.segment import segment

    detect("warm up")
    for lang in languages:
        segment(" ".join(sorted(STOPWORDS.get(lang, {"a"}))[:3]), lang)


class SeaFilter(BaseFilter):
    """BaseFilter that also counts drops per language."""

    def keep_or_drop(self, doc: Document, reason: str | None) -> bool | tuple[bool, str]:
        if reason is None:
            return True
        self.stat_update(f"{doc_lang(doc)}/dropped_{reason}")
        return False, reason


class Normalize(PipelineStep):
    """Canonical Unicode (NFC, invisible characters, whitespace, Zawgyi -> Unicode, script fixes)."""

    type = "✍ - SEA"
    name = "normalize"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from seaforge.text.normalize import normalize

        for doc in data:
            with self.track_time():
                doc.text = normalize(doc.text)
            self.stat_update("normalized")
            yield doc


class LanguageFilter(SeaFilter):
    """Keep target languages above a per-language confidence; tag language, score and script.

    Replaces datatrove's LanguageFilter, which downloads a fastText model at run time.
    """

    name = "language ID"

    def __init__(
        self,
        languages: list[str],
        min_confidence: dict[str, float] | float = 0.5,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 64,
    ):
        super().__init__(exclusion_writer, batch_size)
        self.languages = set(languages)
        self.min_confidence = min_confidence

    def threshold(self, lang: str) -> float:
        if isinstance(self.min_confidence, dict):
            return self.min_confidence.get(lang, self.min_confidence.get("default", 0.5))
        return self.min_confidence

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        from seaforge.text.langid import detect_batch
        from seaforge.text.langid_script import script_counts

        results = []
        for doc, detection in zip(batch, detect_batch([item.text for item in batch])):
            doc.metadata[LANG_KEY] = detection.lang
            doc.metadata["language_score"] = round(detection.confidence, 4)
            counts = script_counts(doc.text)
            doc.metadata["script"] = max(counts, key=counts.get) if counts else "Zyyy"
            if detection.lang not in self.languages:
                results.append(self.keep_or_drop(doc, "lang_not_target"))
            elif detection.confidence < self.threshold(detection.lang):
                results.append(self.keep_or_drop(doc, "lang_low_confidence"))
            else:
                results.append(True)
        return results

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]


class LineCleaner(SeaFilter):
    """Remove navigation, cookie and share/legal lines; drop documents left empty."""

    name = "line cleanup"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        text, removed = clean_lines(doc.text)
        for kind, count in removed.items():
            self.stat_update(f"lines_removed_{kind}", value=count)
            self.stat_update(f"{doc_lang(doc)}/lines_removed_{kind}", value=count)
        doc.text = text
        return self.keep_or_drop(doc, None if text.strip() else "empty_after_cleanup")


class QualityFilter(SeaFilter):
    """Per-language Gopher/C4-style quality and repetition checks on segmented words."""

    name = "quality"

    def __init__(self, overrides: dict[str, dict] | None = None, exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        self.overrides = overrides or {}
        self._settings: dict[str, QualitySettings] = {}

    def settings(self, lang: str) -> QualitySettings:
        if lang not in self._settings:
            # "default" overrides are in English words and restated per language; a language's
            # own overrides are in its units (see quality.settings_for).
            self._settings[lang] = settings_for(
                lang, self.overrides.get(lang, {}), english=self.overrides.get("default", {})
            )
        return self._settings[lang]

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        from seaforge.text.languages import LANGUAGES

        lang = doc_lang(doc)
        words = words_of(doc)
        if lang in LANGUAGES and not LANGUAGES[lang].spaced:
            # Word segmentation of spaceless scripts is the costliest step (Khmer ~30 ms a page):
            # keep the words so MinHash does not segment again. Dropped before the final write.
            doc.metadata[WORDS_KEY] = words
        return self.keep_or_drop(doc, quality_reason(doc.text, words, lang, self.settings(lang)))


class Decontaminate(SeaFilter):
    """Drop (or flag) documents sharing an n-gram of segmented words with an evaluation set."""

    name = "decontaminate"

    def __init__(self, index, mode: str = "drop", exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        self.index = index
        self.mode = mode

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        hit = self.index.first_hit(words_of(doc))
        if hit is None:
            return True
        doc.metadata["contaminated"] = hit
        self.stat_update(self.index.set_label(hit))  # which evaluation set it matched, for summary.json
        if self.mode == "flag":
            self.stat_update("flagged_contaminated", f"{doc_lang(doc)}/flagged_contaminated")
            return True
        return self.keep_or_drop(doc, "contaminated")


class RedactPII(PipelineStep):
    """Replace e-mails, phone numbers and national IDs with typed placeholders."""

    type = "✍ - SEA"
    name = "PII redaction"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from seaforge.text.pii import redact

        for doc in data:
            with self.track_time():
                result = redact(doc.text)
            for match in result.pii:
                self.stat_update(f"pii_{match.type}", f"{doc_lang(doc)}/pii_{match.type}")
            if result.pii:
                doc.text = result.text
                doc.metadata["pii_redacted"] = len(result.pii)
            yield doc


class DropMetadata(PipelineStep):
    """Remove working fields (e.g. cached words) before documents are written for good."""

    type = "✍ - SEA"
    name = "drop working metadata"

    def __init__(self, keys: tuple[str, ...] = (WORDS_KEY,)):
        super().__init__()
        self.keys = keys

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            for key in self.keys:
                doc.metadata.pop(key, None)
            yield doc
