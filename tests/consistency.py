"""The database invariant every e2e test leaves behind: each survey's answers match its step."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.models import DONE, Choice, Question, SurveyStatus

ORDER = [question.value for question in Question]


def expected_answers(step: str, satisfied: str | None) -> list[str]:
    """The questions answered, in order, by a survey now at `step` (the "fix" question
    only follows a No to "100% satisfied?")."""
    asked = ORDER if step == DONE else ORDER[: ORDER.index(step)]
    return [q for q in asked if q != Question.FIX or satisfied != Choice.YES]


def check_consistency(database: Path) -> int:
    """Every survey holds one answer for each question before its step, in order, and
    nothing else; its status fits its step. Returns how many surveys there are."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        surveys = conn.execute("SELECT id, step, status FROM surveys").fetchall()
        for survey_id, step, status in surveys:
            rows = conn.execute(
                "SELECT question, choice FROM answers WHERE survey_id = ? ORDER BY id",
                (survey_id,),
            ).fetchall()
            answered = [question for question, _ in rows]
            satisfied = next((c for q, c in rows if q == Question.SATISFIED), None)
            where = (survey_id, step, status, answered)
            assert step == DONE or step in ORDER, where
            assert not (step == Question.FIX and satisfied == Choice.YES), where
            assert answered == expected_answers(step, satisfied), where
            assert (status == SurveyStatus.COMPLETED) == (step == DONE), where
            if status == SurveyStatus.SCHEDULED:
                assert step == Question.NPS, where
    conn.close()
    return len(surveys)
