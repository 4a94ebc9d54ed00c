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


# --- SEA-HELM's scoring (issue 16) ---------------------------------------------------------------


def _choice_records(preds, golds):
    return [{"pred": p, "gold": g, "score": float(p == g)} for p, g in zip(preds, golds)]


def test_balanced_accuracy_is_mean_recall_over_gold_labels():
    from seaforge.eval.scores import item_vectors, metric_from_sums

    golds = ["A", "A", "A", "B", "C", "C"]
    preds = ["A", "A", "B", "B", None, "A"]
    # recall A 2/3, B 1/1, C 0/2; a null answer is simply wrong; D never occurs as gold: not averaged
    vectors = item_vectors("balanced_accuracy", _choice_records(preds, golds), ["A", "B", "C", "D"])
    assert metric_from_sums("balanced_accuracy", vectors.sum(axis=0)) == pytest.approx(100 * (2 / 3 + 1 + 0) / 3)


def test_a_model_that_always_answers_b_scores_zero_not_plus_six():
    from seaforge.eval.scores import task_summary
    from seaforge.eval.tasks import bundled_tasks

    task = bundled_tasks()["belebele-qa-mc"]  # four options: chance is 25
    golds = ["A"] * 23 + ["B"] * 30 + ["C"] * 24 + ["D"] * 23  # B is the most common answer
    records = _choice_records(["B"] * len(golds), golds)
    plain = task_summary(task, {0: records})  # plain accuracy rewards the bias: 30%
    assert plain["normalized_accuracy"] == pytest.approx((30 - 25) / 75 * 100)  # +6.7
    balanced = task_summary(task.model_copy(update={"metric": "balanced_accuracy"}), {0: records}, clip=True)
    assert balanced["balanced_accuracy"] == pytest.approx(25.0) and balanced["normalized_balanced_accuracy"] == 0.0
    assert balanced["macro_f1"] == pytest.approx(100 * (2 * 30 / (2 * 30 + 70)) / 4)  # only B has an F1
    assert balanced["null_count"] == 0


def test_null_answers_are_counted_and_weight_macro_f1():
    from seaforge.eval.scores import task_summary
    from seaforge.eval.tasks import bundled_tasks

    task = bundled_tasks()["causal"].model_copy(update={"metric": "balanced_accuracy"})
    records = _choice_records(["A", None, "B", None], ["A", "A", "B", "B"])
    summary = task_summary(task, {0: records}, clip=True)
    assert summary["null_count"] == 2 and summary["balanced_accuracy"] == pytest.approx(50.0)
    assert summary["null_weighted_f1"] == pytest.approx(summary["macro_f1"] * 0.5)


def test_normalization_is_clipped_at_zero_only_when_asked():
    import numpy as np

    from seaforge.eval.scores import normalize

    assert normalize(10.0, 25.0) == pytest.approx(-20.0)
    assert normalize(10.0, 25.0, clip=True) == 0.0
    assert normalize(62.5, 25.0, clip=True) == pytest.approx(50.0)
    assert list(normalize(np.array([0.0, 100.0, np.nan]), 50.0, clip=True)[:2]) == [0.0, 100.0]


def test_gold_probability_is_the_mean_probability_of_the_gold_option():
    import math

    from seaforge.eval.scores import item_vectors, metric_from_sums

    records = [
        {"gold": "A", "pred": "A", "logprobs": [math.log(0.5), math.log(0.1)], "score": 1.0},
        {"gold": "B", "pred": "A", "logprobs": [math.log(0.3), math.log(0.2)], "score": 0.0},
        {"gold": "B", "pred": None, "score": None},  # no probability: counts as 0, as in SEA-HELM
    ]
    vectors = item_vectors("gold_probability", records, ["A", "B"])
    assert metric_from_sums("gold_probability", vectors.sum(axis=0)) == pytest.approx(100 * (0.5 + 0.2 + 0) / 3)


def test_translation_directions_are_one_entry_in_the_competency_mean():
    from seaforge.eval.scores import aggregate

    def summary(value):
        return {"chrf_pp": value, "normalized_chrf_pp": value, "normalized_stderr": 1.0}

    abssum = {"rouge_l": 10.0, "normalized_rouge_l": 10.0, "normalized_stderr": 1.0}
    results = {
        "id": {"nlg": {"translation-en-xx": summary(40.0), "translation-xx-en": summary(60.0), "abssum": abssum}}
    }
    groups = {"translation-en-xx": "translations", "translation-xx-en": "translations"}
    grouped = aggregate(results, groups)["languages"]["id"]["competencies"]["nlg"]
    assert grouped["score"] == pytest.approx((50.0 + 10.0) / 2)  # not (40 + 60 + 10) / 3
    assert grouped["groups"]["translations"]["score"] == pytest.approx(50.0)
    assert grouped["groups"]["translations"]["tasks"] == ["translation-en-xx", "translation-xx-en"]
    ungrouped = aggregate(results)["languages"]["id"]["competencies"]["nlg"]
    assert ungrouped["score"] == pytest.approx(110.0 / 3) and "groups" not in ungrouped
