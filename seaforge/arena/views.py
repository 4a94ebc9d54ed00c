"""What the pages show: language names, reason labels, a battle without its model names, and statistics."""

from __future__ import annotations

from seaforge.text.languages import LANGUAGES

TAG_LABELS = {
    "wrong_language": "Wrong language",
    "unnatural": "Unnatural",
    "wrong_facts": "Wrong facts",
    "unsafe": "Unsafe",
    "impolite_register": "Impolite register",
}


def lang_name(code: str) -> str:
    lang = LANGUAGES.get(code)
    return lang.label if lang else code


def anonymous(battle) -> dict:
    """A battle as the page before the vote may show it: no model names, not even in the HTML."""
    return {
        "id": battle.id,
        "lang": battle.lang,
        "prompt": battle.prompt,
        "answer_a": battle.answer_a,
        "answer_b": battle.answer_b,
        "ready": battle.ready,
        "error": battle.error,
        "from_bank": battle.prompt_id is not None,
    }


def statistics(votes: list, lang: str | None) -> dict:
    """Leaderboard, win rates, votes per annotator, agreement and position bias for one language (or all)."""
    from seaforge.arena import stats

    judged = stats.judgements(votes, lang)  # once: every statistic below reuses it
    names, matrix = stats.win_matrix(judged)
    return {
        "votes": len(votes),
        "ratings": stats.leaderboard(judged),
        "matrix_models": names,
        "matrix": matrix,
        "annotators": stats.annotator_counts(judged),
        "agreement": stats.agreement(judged),
        "position": stats.position_bias(judged),
    }
