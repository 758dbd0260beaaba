"""Answers: one row per question per survey, with the time it was given."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from core.clock import to_db
from storage.database import fetch_all
from storage.models import Answer, Choice, Question


def insert(conn: sqlite3.Connection, survey_id: int, answer: Answer, now: datetime) -> int:
    """Inside `Database.run_transaction`; the answer's id."""
    cursor = conn.execute(
        """INSERT INTO answers (survey_id, question, score, choice, text, answered_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (survey_id, answer.question, answer.score, answer.choice, answer.text, to_db(now)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def for_survey(conn: aiosqlite.Connection, survey_id: int) -> list[Answer]:
    rows = await fetch_all(
        conn,
        "SELECT question, score, choice, text FROM answers WHERE survey_id = ? ORDER BY id",
        (survey_id,),
    )
    return [
        Answer(
            question=Question(row["question"]),
            score=row["score"],
            choice=Choice(row["choice"]) if row["choice"] else None,
            text=row["text"],
        )
        for row in rows
    ]
