import pytest

from seaforge.text.languages import LANGUAGES, get, is_spaced, main_languages, resolve

REQUIRED = "id ms tl vi th my km lo ta zh en jv su ceb ilo min ban shn".split()


def test_registry_has_every_required_language():
    assert set(REQUIRED) <= set(LANGUAGES)


def test_thirteen_main_languages():
    assert sorted(main_languages()) == sorted("id ms tl vi th my km lo ta zh en jv su".split())


@pytest.mark.parametrize(
    "alias,code",
    [
        ("fil", "tl"),
        ("tgl", "tl"),
        ("ind", "id"),
        ("zsm", "ms"),
        ("zlm", "ms"),
        ("mya", "my"),
        ("cmn", "zh"),
        ("EN", "en"),
        ("zh-Hans", "zh"),
        ("ms_MY", "ms"),
        ("jw", "jv"),
    ],
)
def test_aliases_resolve(alias, code):
    assert resolve(alias) == code


def test_unknown_code_names_the_code():
    with pytest.raises(KeyError, match="xx"):
        resolve("xx")


def test_scripts_without_spaces():
    assert not any(is_spaced(c) for c in ("th", "lo", "km", "my", "zh", "shn"))
    assert all(is_spaced(c) for c in ("id", "ms", "vi", "tl", "ta", "en"))


def test_every_language_is_complete():
    for lang in LANGUAGES.values():
        assert len(lang.iso639_3) == 3 and lang.native_name and lang.scripts and lang.countries
        assert get(lang.iso639_3) is lang
