"""Metric values against hand-computed examples, and chrF++ against sacrebleu."""

import pytest
from sacrebleu.metrics import CHRF

from seaforge.eval import metrics


def test_accuracy_counts_unparsed_as_wrong_and_skips_unscored():
    from seaforge.eval.scores import item_vectors, metric_from_sums

    records = [
        {"score": 1.0, "pred": "a"},
        {"score": 0.0, "pred": None},
        {"score": 1.0, "pred": "b"},
        {"score": 0.0, "pred": "b"},
        {"score": None},
    ]
    assert metric_from_sums("accuracy", item_vectors("accuracy", records).sum(axis=0)) == 50.0


def test_macro_f1_matches_hand_computation():
    from seaforge.eval.scores import item_vectors, metric_from_sums

    preds = ["pos", "pos", "neg", "neu"]
    golds = ["pos", "neg", "neg", "neg"]
    records = [{"pred": p, "gold": g, "score": float(p == g)} for p, g in zip(preds, golds)]
    # pos: tp1 fp1 fn0 -> 2/3; neg: tp1 fp0 fn2 -> 0.5; neu: tp0 -> 0
    vectors = item_vectors("macro_f1", records, ["pos", "neg", "neu"])
    assert metric_from_sums("macro_f1", vectors.sum(axis=0)) == pytest.approx(100 * (2 / 3 + 0.5 + 0) / 3)


def test_squad_f1_hand_example_drops_english_articles_and_punctuation():
    # pred tokens [cat, sat]; gold [cat, sat, on, mat]: p = 1, r = 1/2 -> F1 = 2/3
    assert metrics.squad_f1("The cat sat.", ["a cat sat on the mat"], "en") == pytest.approx(2 / 3)


def test_squad_f1_takes_best_reference():
    assert metrics.squad_f1("Samosir", ["Pulau Samosir", "Samosir"], "id") == 1.0


def test_rouge_l_hand_example():
    # LCS("a b c d", "a c d e") = 3 -> p = r = 3/4
    assert metrics.rouge_l("a b c d", ["a c d e"]) == pytest.approx(0.75)


def test_rouge_l_zero_without_overlap():
    assert metrics.rouge_l("x y", ["a b"]) == 0.0


CORPORA = [
    (
        ["The market opens early every morning.", "My grandmother cooks rice."],
        [["The market opens early each morning."], ["Grandma cooks rice in a pot."]],
    ),
    (
        ["Pasar itu buka pagi-pagi (setiap hari)!", "Tolong tutup jendela."],
        [
            ["Pasar itu dibuka awal setiap pagi.", "Pasar buka pagi setiap hari."],
            ["Sila tutup tingkap sebelum keluar."],
        ],
    ),
    (["", "a"], [["something here"], ["a"]]),
]


@pytest.mark.parametrize("hyps,refs", CORPORA)
def test_chrf_pp_equals_sacrebleu_on_spaced_text(hyps, refs):
    n_refs = max(len(r) for r in refs)
    ref_streams = [[r[i] if i < len(r) else "" for r in refs] for i in range(n_refs)]
    expected = CHRF(word_order=2).corpus_score(hyps, ref_streams).score
    assert metrics.chrf_pp(hyps, refs, "id") == pytest.approx(expected, abs=1e-9)


def test_chrf_pp_perfect_translation_is_100():
    assert metrics.chrf_pp(["Chợ mở cửa sớm."], [["Chợ mở cửa sớm."]], "vi") == pytest.approx(100.0)


def test_chrf_stats_sum_to_corpus_score():
    hyps = ["a b c", "d e f g"]
    refs = [["a b d"], ["d e f"]]
    totals = [sum(c) for c in zip(*(metrics.chrf_stats(h, r) for h, r in zip(hyps, refs)))]
    assert metrics.chrf_from_stats(totals) == pytest.approx(metrics.chrf_pp(hyps, refs))


def test_thai_words_are_segmented_for_word_metrics():
    pytest.importorskip("seaforge.text.segment")
    words = metrics.words("ตลาดเปิดแต่เช้าทุกวัน", "th")
    assert len(words) > 1 and "".join(words) == "ตลาดเปิดแต่เช้าทุกวัน"
    # A partial answer gets partial credit instead of 0 (one unsegmented "word" would give 0).
    assert 0 < metrics.squad_f1("ตลาดเปิดแต่เช้า", ["ตลาดเปิดแต่เช้าทุกวัน"], "th") < 1


def test_chrf_pp_thai_differs_from_whitespace_word_ngrams():
    pytest.importorskip("seaforge.text.segment")
    hyp, ref = "ตลาดเปิดแต่เช้า", "ตลาดเปิดแต่เช้าทุกวัน"
    ours = metrics.chrf_pp([hyp], [[ref]], "th")
    plain = CHRF(word_order=2).corpus_score([hyp], [[ref]]).score
    assert ours > plain  # shared segmented words now count as word n-gram matches
