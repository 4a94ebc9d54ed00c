"""The Latin cluster model (seaforge.text.langid_cluster): the shipped file, regional languages,
Indonesian vs Malay across registers, shared text, Cebuano, and the documented id/ms contrasts.

Every sentence here was written by us, after the model was trained (none is from a corpus, and
none was used to tune anything). Held-out accuracy on real text is bench/bench_langid.py
--heldout (docs/text.md); these are behavioural checks with floors just under what we measured.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from seaforge.text.langid import detect
from seaforge.text.langid_cluster import (
    LEVEL1_FEATURES,
    LEVEL2_FEATURES,
    MODEL_FILE,
    SURE,
    cluster_model,
    cluster_model_path,
)
from seaforge.text.langid_idms import FEATURES, contrast_table, idms_counts
from seaforge.text.languages import LANGUAGES

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def test_shipped_model_is_small_and_loads_with_the_predict_only_fasttext():
    import fasttext

    path = cluster_model_path()
    assert path.name == MODEL_FILE and path.stat().st_size < 3_000_000
    # The runtime has fasttext-predict (no training code); the model must load with it alone.
    assert not hasattr(fasttext, "train_supervised"), "tests should run without the training wheel"
    model = cluster_model()
    text = "aku ora ngerti kowe arep lunga menyang ngendi"
    every = model.model.predict(text + "\n", -1, 0.0, "strict")
    assert {label[9:] for _, label in every} == set(model.groups)
    assert math.isclose(sum(p for p, _ in every), 1.0, rel_tol=1e-3)
    # detect asks only for the labels above 1e-4 (the rest add nothing): Javanese first.
    preds = model.predict(text)
    assert preds[0][1] == "__label__jv" and all(p > 1e-4 for p, _ in preds)


def test_weights_file_matches_the_code_and_names_its_training_data():
    meta = json.loads(cluster_model_path().with_suffix(".json").read_text("utf-8"))
    assert meta["labels"] == meta["groups"] and "msa" in meta["groups"]
    assert set(meta["level1"]) == set(LEVEL1_FEATURES)
    assert set(meta["level2"]) == set(LEVEL2_FEATURES)
    assert set(meta["level1_bias"]) == set(meta["groups"])
    assert {"nusax", "udhr", "mmlu", "xcopa", "indonli", "belebele"} <= set(meta["training_sources"])
    # The fitted weights point the documented way: Malaysian forms raise P(ms), Indonesian lower it.
    assert all(meta["level2"][f"ms_{c}"] > 0 for c in ("spelling", "vocabulary", "colloquial"))
    assert all(meta["level2"][f"id_{c}"] < 0 for c in ("spelling", "vocabulary", "colloquial"))
    assert meta["level2"]["wordfreq_ms_id"] > 0 and meta["training_sources"]["own"] > 0
    # The training report behind the CLD2-skipping threshold, at every threshold it checks.
    report = meta["sure_without_cld2"]
    assert report["shipped_threshold"] == SURE and str(SURE) in report
    for row in (v for k, v in report.items() if k != "shipped_threshold"):
        assert row["texts"] > 0 and row["right_without"] >= row["right_with_cld2"] - 0.01 * row["texts"]


def test_cld2_is_skipped_only_where_the_model_is_sure_of_a_language_but_english(monkeypatch):
    import seaforge.text.langid as langid

    model = cluster_model()
    assert model.sure([(0.85, "__label__jv"), (0.1, "__label__msa")])
    assert model.sure([(0.95, "__label__msa")])
    assert not model.sure([(0.99, "__label__en")])  # foreign text lands on English: CLD2 checks
    assert not model.sure([(0.6, "__label__jv"), (0.3, "__label__su")]) and not model.sure([])
    asked = []
    real = langid.cld2_predictions
    monkeypatch.setattr(langid, "cld2_predictions", lambda clean: asked.append(clean) or real(clean))
    detect("Saya tidak tahu kenapa dia belum datang ke rumah hari ini.")
    assert asked == []
    detect("Je ne sais pas pourquoi il n'est pas encore venu à la maison.")
    assert len(asked) == 1


REGIONAL = [
    ("min", "Awak indak tahu baa caronyo pai ka pasa."),
    ("min", "Ambo alah makan di rumah mandeh tadi."),
    ("ban", "Tiang nenten uning napi sane kaaptiang olih ragane."),
    ("ban", "Icang sing nawang apa ane lakar gaenang."),
    ("bjn", "Ulun kada tahu napa inya bulik ka rumah."),
    ("bjn", "Pian handak tulak ka pasar kah?"),
    ("jv", "Mas, sampeyan wis mangan durung?"),
    ("su", "Punten, ieu jalan ka alun-alun teh ka mana?"),
    ("ace", "Lon hana lon tupeue pue nyang gata peugah."),
    ("ace", "Peue haba gata uroe nyoe?"),
    ("mad", "Sengko' ta' tao apa se ekakanne."),
    ("mad", "Be'na la ngakan e bengkona?"),
    ("bug", "Iyya de'ku issengi aga naelori."),
    ("bug", "Engka tau monro ri bolae."),
]


@pytest.mark.parametrize("lang,text", REGIONAL)
def test_indonesian_regional_languages_are_identified(lang, text):
    assert detect(text).lang == lang


# Our own news, chat and forum sentences in each standard (issue 15's register case).
INDONESIAN = [
    "Pemerintah provinsi akan menaikkan tarif angkutan umum mulai bulan depan.",
    "Polisi masih menyelidiki penyebab kebakaran di pasar tradisional itu.",
    "Harga cabai di sejumlah daerah naik hingga dua kali lipat menjelang Lebaran.",
    "Presiden meresmikan jalan tol baru yang menghubungkan dua kabupaten tersebut.",
    "Gue udah di depan kantor, lo turun sekarang ya.",
    "Nanti sore jadi nonton bareng nggak sih?",
    "Makasih banget ya, paketnya udah nyampe tadi siang.",
    "Aku capek banget hari ini, besok aja ketemuannya.",
    "Gan, ada yang tahu bengkel motor yang bagus di daerah Bekasi?",
    "Menurut saya laptop ini cukup bagus untuk kuliah, baterainya awet.",
    "Mohon bantuannya, akun saya tidak bisa login sejak kemarin.",
    "Sudah coba instal ulang aplikasinya tapi tetap error, ada solusi?",
]
MALAYSIAN = [
    "Kerajaan negeri akan menaikkan tambang pengangkutan awam mulai bulan hadapan.",
    "Polis masih menyiasat punca kebakaran di pasar besar itu.",
    "Harga cili di beberapa negeri meningkat dua kali ganda menjelang Hari Raya.",
    "Perdana Menteri merasmikan lebuh raya baharu yang menghubungkan kedua-dua bandar tersebut.",
    "Aku dah sampai depan pejabat, kau turun sekarang ya.",
    "Petang nanti jadi tak kita tengok wayang sama-sama?",
    "Terima kasih banyak, bungkusan tu dah sampai tengah hari tadi.",
    "Penatnya hari ni, esok je la kita jumpa.",
    "Ada sesiapa tahu bengkel motosikal yang bagus di kawasan Shah Alam?",
    "Pada pendapat saya komputer riba ini agak bagus untuk belajar, baterinya tahan lama.",
    "Minta tolong, akaun saya tak boleh log masuk sejak semalam.",
    "Dah cuba pasang semula aplikasi tu tapi masih ralat, ada penyelesaian?",
]


def test_indonesian_and_malaysian_news_chat_and_forum_sentences():
    # Measured: 11/12 Indonesian and 11/12 Malaysian (the misses: a short chat line called
    # Minangkabau, one Malaysian forum line). Before the wordfreq features: 10 and 9.
    right_id = sum(detect(t).lang == "id" for t in INDONESIAN)
    right_ms = sum(detect(t).lang == "ms" for t in MALAYSIAN)
    assert right_id >= 10 and right_ms >= 10, (right_id, right_ms)
    # Never the other standard with confidence where the text has a documented form of its own.
    for text, lang in [(INDONESIAN[0], "id"), (INDONESIAN[4], "id"), (MALAYSIAN[1], "ms"), (MALAYSIAN[7], "ms")]:
        assert detect(text).scores[lang] >= 0.75, text


def test_text_both_standards_write_alike_gets_both_probabilities():
    d = detect("Mereka makan malam bersama keluarga.")
    assert d.lang in ("id", "ms")
    assert min(d.scores["id"], d.scores["ms"]) >= 0.1, d.scores
    assert math.isclose(sum(d.scores.values()), 1.0, rel_tol=1e-6) and set(d.scores) == set(LANGUAGES)


CEBUANO_QUESTIONS = [
    "Unsa imong ngalan?",
    "Asa ka padulong?",
    "Kumusta ka karon?",
    "Pila ni tanan?",
    "Nganong wala ka mianhi gahapon?",
    "Kanus-a ka mouli?",
    "Asa man ang banyo?",
    "Unsay imong gibuhat?",
    "Kinsa ang imong amigo?",
    "Gusto ka mokaon?",
    "Naa ba kay tubig?",
    "Diin ka nagpuyo?",
]


def test_short_cebuano_questions_are_not_english():
    # Issue 15: short Cebuano questions went to English. None does now, but Cebuano stays weak:
    # the only Cebuano text to train on is the UDHR (legal register), so everyday questions are
    # often called Sundanese, Tagalog or another cluster language. Measured 4 of 12 right.
    found = [detect(q).lang for q in CEBUANO_QUESTIONS]
    assert "en" not in found, found
    assert found.count("ceb") >= 4, found


def test_unregistered_latin_language_is_still_und():
    assert detect("Ich weiß nicht, warum er heute Morgen ins Büro gegangen ist.").lang == "und"


def test_mixed_script_text_scores_the_latin_part_with_the_cluster_model():
    d = detect("ประชุมตอนบ่ายสามนะครับ Aku ora ngerti kowe arep lunga menyang ngendi")
    assert {d.lang, max((c for c in d.scores if c != d.lang), key=d.scores.get)} == {"th", "jv"}


def test_contrast_counts_follow_the_documented_forms_and_endings():
    counts = dict(zip(FEATURES, idms_counts("kualitas layanan di universitas karena uang nggak".split())))
    assert counts["id_spelling"] == 3 and counts["id_colloquial"] == 1  # the -itas pair caps at 3
    counts = dict(zip(FEATURES, idms_counts("kualiti perkhidmatan universiti kerana wang televisyen".split())))
    assert counts["ms_spelling"] == 3 and sum(counts[f] for f in FEATURES if f.startswith("id_")) == 0
    # The native "teliti" family (peneliti, meneliti) is not the Malaysian -iti ending.
    assert idms_counts(["peneliti", "meneliti"]) == [0] * len(FEATURES)


def test_no_contrast_word_is_listed_for_both_standards():
    table = contrast_table()
    assert table and all(side in (0, 1) for side, _ in table.values())
    assert "tahu" not in table and "memahami" not in table  # shared words are dropped


@pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora not present")
def test_heldout_groups_split_nusax_rows_and_keep_200_a_side():
    from seaforge.text.langid_corpora import NUSAX_FOLDERS, nusax

    items = nusax(CORPORA)
    units = {"A": set(), "B": set()}
    for item in items:
        units[item.group].add(item.unit)
    assert not units["A"] & units["B"]
    for lang in NUSAX_FOLDERS.values():
        for group in ("A", "B"):
            assert sum(i.lang == lang and i.group == group for i in items) == 200


def _training_fasttext_available() -> bool:
    path = os.environ.get("SEAFORGE_FASTTEXT_TRAIN", "")
    return bool(path) and Path(path, "fasttext", "FastText.py").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora not present")
@pytest.mark.skipif(not _training_fasttext_available(), reason="set SEAFORGE_FASTTEXT_TRAIN (see langid_train)")
def test_training_is_deterministic(tmp_path):
    from seaforge.text.langid_corpora import nusax
    from seaforge.text.langid_train import build

    items = [i for i in nusax(CORPORA) if i.lang in ("id", "jv", "su", "ban") and i.unit < "nusax:3"]
    first = build(items, tmp_path / "a.bin")
    second = build(items, tmp_path / "b.bin")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert {k: v for k, v in first.items() if k != "model"} == {k: v for k, v in second.items() if k != "model"}


def test_wordfreq_preferences_name_their_source_and_lean_the_right_way():
    from importlib import resources

    from seaforge.text.langid_wordfreq import MIN_RATIO, TABLE_FILE, preference_score, preference_table

    header = resources.files("seaforge.text").joinpath("data", TABLE_FILE).read_text("utf-8")[:600]
    assert "wordfreq" in header and "CC BY-SA 4.0" in header
    table = preference_table()
    assert len(table) > 10_000 and all(abs(v) >= MIN_RATIO for v in table.values())
    assert table["bisa"] < 0 and table["tersebut"] < 0 and table["boleh"] > 0 and table["kerana"] > 0
    assert "dan" not in table and "yang" not in table  # shared words say nothing
    # Distinct words only: repeating a word does not pile up evidence.
    assert preference_score(["boleh"]) == preference_score(["boleh", "boleh"]) > 0


def test_vocabulary_share_separates_indonesian_from_a_regional_language():
    from seaforge.text.langid_lexicon import clean_for_model
    from seaforge.text.langid_wordfreq import vocabulary_share

    indonesian = clean_for_model("Saya tidak tahu kenapa dia belum datang ke rumah hari ini.").split()
    buginese = clean_for_model("Iyya de' uwissengngi magi na de' pa na lettu ri bola-e essoe-e.").split()
    assert vocabulary_share(indonesian) == 1.0 and vocabulary_share(buginese) < 0.5
    assert vocabulary_share([]) == 0.0


def test_vocabulary_share_counts_enclitic_and_reduplicated_forms():
    from seaforge.text.langid_wordfreq import vocabulary, vocabulary_share

    # Both standards attach -nya/-ku/-lah... and write full reduplication with a hyphen.
    assert vocabulary_share(["bosnya", "memujinya"]) == 1.0
    assert vocabulary_share(["anak-anaknya", "bermainlah", "rumahku"]) == 1.0
    assert "xyzqnya" not in vocabulary()  # only forms of words the standards use
    assert meta_weight("malay_vocab_share") > 0


def meta_weight(name: str) -> float:
    import json

    from seaforge.text.langid_cluster import cluster_model_path

    return json.loads(cluster_model_path().with_suffix(".json").read_text("utf-8"))["level1"][name]


def test_own_text_trains_in_both_directions_and_is_never_scored():
    from seaforge.text.langid_corpora import OWN, own_text
    from seaforge.text.langid_train import select

    own = own_text()
    langs = {item.lang for item in own}
    assert langs == {"id", "ms"} and all(item.group == OWN for item in own)
    assert sum(item.lang == "ms" for item in own) >= 200
    assert select(own, ["A"]) == own and select(own, ["B"]) == own


def _tracked_reachable(obj) -> int:
    """Objects the garbage collector walks for ``obj``: containers reached through its slots,
    closures and fields (functions' globals and the shared model left out)."""
    import gc
    import types

    model, seen, stack = cluster_model(), set(), [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen or o is model or isinstance(o, type) or not gc.is_tracked(o):
            continue
        seen.add(id(o))
        if isinstance(o, types.FunctionType):
            stack.extend(o.__closure__ or ())
        else:
            stack.extend(gc.get_referents(o))
    return len(seen)


def test_a_kept_detection_holds_few_objects_for_the_garbage_collector():
    # Closures for the lazy scores kept ~17 objects alive per result: keeping results (a list,
    # detect_batch) was ~1.4x slower than discarding them, all of it in the garbage collector.
    for text in (
        "Pemerintah daerah akan memperbaiki jalan yang rusak sebelum musim hujan tiba.",
        "Kerajaan negeri akan membaiki jalan yang rosak sebelum musim tengkujuh.",
    ):
        found = detect(text)
        assert found.lang in ("id", "ms")
        assert _tracked_reachable(found) <= 4
        assert found.scores[found.lang] == found.confidence  # the scores still build on demand


def test_confidence_read_first_equals_the_scores_built_later():
    # confidence comes from Posterior.probability (no dict); it must be exactly scores[lang]
    texts = (
        "Pemerintah daerah akan memperbaiki jalan yang rusak sebelum musim hujan tiba.",
        "Kerajaan negeri akan membaiki jalan yang rosak sebelum musim tengkujuh.",
        "Kula badhe tindak dhateng peken kaliyan ibu benjing enjing.",
        "Abdi rék indit ka pasar jeung indung isukan isuk-isuk.",
        "Pupuntahan ko ang tindahan mamayang hapon para bumili ng gatas.",
        "The meeting has been moved to Thursday afternoon because of the holiday.",
    )
    for text in texts:
        first = detect(text).confidence
        found = detect(text)
        assert found.scores[found.lang] == first
        assert 0.0 < first <= 1.0
