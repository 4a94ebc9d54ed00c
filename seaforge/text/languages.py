"""Registry of the languages seaforge knows: codes, scripts, word delimiting, countries."""

from __future__ import annotations

from dataclasses import dataclass

from seaforge.errors import UserError


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 where one exists, else ISO 639-3: the code seaforge uses everywhere
    iso639_3: str
    name: str
    native_name: str
    scripts: tuple[str, ...]  # ISO 15924, most common first
    spaced: bool  # words are delimited by spaces
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2
    aliases: tuple[str, ...] = ()
    main: bool = False  # one of the 13 main languages that language ID is measured on

    @property
    def label(self) -> str:
        """`Thai (ไทย)`: the English name and the name its speakers use (once where they match)."""
        return self.name if self.native_name == self.name else f"{self.name} ({self.native_name})"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language("id", "ind", "Indonesian", "Bahasa Indonesia", ("Latn",), True, ("ID",), ("in", "ind"), main=True),
        Language(
            "ms",
            "zsm",
            "Malay",
            "Bahasa Melayu",
            ("Latn", "Arab"),
            True,
            ("MY", "BN", "SG"),
            ("msa", "may", "zlm", "zsm"),
            main=True,
        ),
        Language(
            "tl", "tgl", "Filipino (Tagalog)", "Wikang Filipino", ("Latn",), True, ("PH",), ("fil", "tgl"), main=True
        ),
        Language("vi", "vie", "Vietnamese", "Tiếng Việt", ("Latn",), True, ("VN",), ("vie",), main=True),
        Language("th", "tha", "Thai", "ภาษาไทย", ("Thai",), False, ("TH",), ("tha",), main=True),
        Language("my", "mya", "Burmese", "မြန်မာဘာသာ", ("Mymr",), False, ("MM",), ("mya", "bur"), main=True),
        Language("km", "khm", "Khmer", "ភាសាខ្មែរ", ("Khmr",), False, ("KH",), ("khm",), main=True),
        Language("lo", "lao", "Lao", "ພາສາລາວ", ("Laoo",), False, ("LA",), ("lao",), main=True),
        Language("ta", "tam", "Tamil", "தமிழ்", ("Taml",), True, ("SG", "MY", "IN", "LK"), ("tam",), main=True),
        Language(
            "zh",
            "zho",
            "Chinese",
            "中文",
            ("Hans", "Hant"),
            False,
            ("SG", "MY", "CN", "TW"),
            ("zho", "chi", "cmn"),
            main=True,
        ),
        Language("en", "eng", "English", "English", ("Latn",), True, ("SG", "PH", "MY", "BN"), ("eng",), main=True),
        Language("jv", "jav", "Javanese", "Basa Jawa", ("Latn", "Java"), True, ("ID",), ("jav", "jw"), main=True),
        Language("su", "sun", "Sundanese", "Basa Sunda", ("Latn", "Sund"), True, ("ID",), ("sun",), main=True),
        Language("ceb", "ceb", "Cebuano", "Sinugboanong Binisaya", ("Latn",), True, ("PH",)),
        Language("ilo", "ilo", "Ilocano", "Pagsasao nga Ilokano", ("Latn",), True, ("PH",)),
        Language("min", "min", "Minangkabau", "Baso Minangkabau", ("Latn",), True, ("ID",)),
        Language("ban", "ban", "Balinese", "Basa Bali", ("Latn", "Bali"), True, ("ID",)),
        Language("shn", "shn", "Shan", "လိၵ်ႈတႆး", ("Mymr",), False, ("MM",)),
        Language("ace", "ace", "Acehnese", "Bahsa Acèh", ("Latn",), True, ("ID",)),
        Language("bug", "bug", "Buginese", "Basa Ugi", ("Latn", "Bugi"), True, ("ID",)),
        Language("bjn", "bjn", "Banjarese", "Bahasa Banjar", ("Latn",), True, ("ID",)),
        Language("mad", "mad", "Madurese", "Basa Madhura", ("Latn",), True, ("ID",)),
        Language("hil", "hil", "Hiligaynon", "Ilonggo", ("Latn",), True, ("PH",)),
        Language("war", "war", "Waray", "Winaray", ("Latn",), True, ("PH",)),
        Language("tet", "tet", "Tetum", "Tetun", ("Latn",), True, ("TL",)),
    ]
}

_ALIASES: dict[str, str] = {}
for _lang in LANGUAGES.values():
    _ALIASES[_lang.code] = _lang.code
    _ALIASES[_lang.iso639_3] = _lang.code
    for _a in _lang.aliases:
        _ALIASES[_a] = _lang.code


class UnknownLanguage(UserError, KeyError):
    """A language code nobody registered; still a KeyError for callers that catch that."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def resolve(code: str) -> str:
    """Return seaforge's code for any known ISO 639-1/639-3 code or alias ("fil" -> "tl")."""
    key = code.strip().lower().replace("_", "-").split("-")[0]
    try:
        return _ALIASES[key]
    except KeyError:
        raise UnknownLanguage(f"unknown language code {code!r}; known: {', '.join(sorted(LANGUAGES))}") from None


def get(code: str) -> Language:
    """Look a language up by any of its codes."""
    return LANGUAGES[resolve(code)]


def main_languages() -> list[str]:
    """The 13 main languages (11 ASEAN national languages' main forms plus zh, en, jv, su...)."""
    return [code for code, lang in LANGUAGES.items() if lang.main]


def is_spaced(code: str) -> bool:
    return get(code).spaced
