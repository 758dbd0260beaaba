"""The dashboard's table of answers: a survey a row, newest first, a page at a time.

A row is a survey whose NPS question was answered, with the other answers beside it. Pages
follow the NPS answers' (question, time) index from a cursor (the last row's time and id),
so the thousandth page costs what the first does; a search follows the written answers'
time index instead, in the order they were written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from core.clock import from_db, to_db
from storage.database import fetch_all
from storage.models import Question
from storage.paging import Cursor, start_of

MAX_SEARCH = 100
"""Characters of a search: longer is a paste by mistake."""


@dataclass(frozen=True, slots=True)
class Filter:
    nps_min: int = 0
    nps_max: int = 10
    store_key: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    search: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    survey_id: int
    answered_at: datetime
    first_name: str | None
    last_name: str | None
    username: str | None
    store: str | None
    nps: int
    csat: int | None
    satisfied: str | None
    fix: str | None
    upsell: str | None
    referral: str | None


_ROWS = """
SELECT a.id, a.answered_at, a.score, s.id, c.first_name, c.last_name, c.username,
       COALESCE(st.name, p.store),
       (SELECT score FROM answers WHERE survey_id = s.id AND question = :csat),
       (SELECT choice FROM answers WHERE survey_id = s.id AND question = :satisfied),
       (SELECT text FROM answers WHERE survey_id = s.id AND question = :fix),
       (SELECT text FROM answers WHERE survey_id = s.id AND question = :upsell),
       (SELECT text FROM answers WHERE survey_id = s.id AND question = :referral),
       {key}.answered_at, {key}.id
FROM {source}
JOIN surveys s ON s.id = a.survey_id
JOIN customers c ON c.id = s.customer_id
LEFT JOIN purchases p ON p.id = s.purchase_id
LEFT JOIN stores st ON st.key = p.store_key
WHERE {found}a.question = :nps AND a.score BETWEEN :nps_min AND :nps_max
  AND {key}.answered_at >= :start AND {key}.answered_at < :end
  AND ({key}.answered_at, {key}.id) < (:cursor_at, :cursor_id)
  AND (:store_key IS NULL OR p.store_key = :store_key)
ORDER BY {key}.answered_at DESC, {key}.id DESC
LIMIT :limit"""
"""Rows in the order of `key`'s time: the NPS answer's, or in a search the written answer's
that was found."""

_EVERY_ANSWER = "answers a INDEXED BY answers_question_time"
_FOUND = """answers w INDEXED BY answers_written_by_time
CROSS JOIN answers a ON a.survey_id = w.survey_id AND a.question = :nps"""
"""A search: the written answers newest first, read until a page of surveys is found (a
word written often takes a few hundred, one never written every written answer), each
one's NPS answer looked up by the (survey, question) key."""
_FOUND_WHERE = """w.text IS NOT NULL AND instr(casefold(w.text), :search) > 0
  AND NOT EXISTS (SELECT 1 FROM answers later INDEXED BY answers_text_by_question
                  WHERE later.survey_id = w.survey_id AND later.id > w.id
                    AND later.text IS NOT NULL AND instr(casefold(later.text), :search) > 0)
  AND """
"""A survey is found once, by the last of its written answers that says what is searched."""
_OF_STORE = """(SELECT id FROM purchases INDEXED BY purchases_by_store
       WHERE store_key = :store_key) p0
CROSS JOIN surveys s0 ON s0.purchase_id = p0.id
CROSS JOIN answers a ON a.survey_id = s0.id AND a.question = :nps"""
"""One store's: its purchases by the store's index, then each one's survey and NPS answer."""


async def page(
    conn: aiosqlite.Connection, where: Filter, after: Cursor | None, limit: int
) -> tuple[list[Row], Cursor | None]:
    """Up to `limit` rows older than `after`, and the cursor of the next page (None: the last)."""
    search = where.search.strip().casefold()[:MAX_SEARCH]
    values = {
        "nps": Question.NPS,
        "csat": Question.CSAT,
        "satisfied": Question.SATISFIED,
        "fix": Question.FIX,
        "upsell": Question.UPSELL,
        "referral": Question.REFERRAL,
        "nps_min": where.nps_min,
        "nps_max": where.nps_max,
        "start": to_db(where.start) if where.start else "",
        "end": to_db(where.end) if where.end else "~",  # after every timestamp
        "cursor_at": start_of(after)[0],
        "cursor_id": start_of(after)[1],
        "store_key": where.store_key,
        "search": search,
        "limit": limit + 1,
    }
    if search:
        sql = _ROWS.format(source=_FOUND, key="w", found=_FOUND_WHERE)
    elif where.store_key is not None:
        sql = _ROWS.format(source=_OF_STORE, key="a", found="")
    else:
        sql = _ROWS.format(source=_EVERY_ANSWER, key="a", found="")
    rows = await fetch_all(conn, sql, values)
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = Cursor(rows[-1][13], rows[-1][14]) if more else None
    return [_row(row) for row in rows], cursor


def _row(row: sqlite3.Row) -> Row:
    return Row(
        survey_id=row[3],
        answered_at=from_db(row[1]),
        first_name=row[4],
        last_name=row[5],
        username=row[6],
        store=row[7],
        nps=row[2],
        csat=row[8],
        satisfied=row[9],
        fix=row[10],
        upsell=row[11],
        referral=row[12],
    )
