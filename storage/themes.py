"""The themes dictionary owners edit, each written answer's themes, and what they add up to.

Every change to the dictionary drops the answers' themes: storage.theme_tagging reads
every written answer again with the new dictionary (the figures wait for it to finish).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from analytics.nps import NpsSummary
from analytics.theme_defaults import DEFAULT_THEMES
from analytics.themes import Theme, Topics
from core.clock import to_db
from core.period import Period
from core.scores import SQL_THRESHOLDS
from core.stores import store_key
from storage.database import fetch_all, fetch_one
from storage.models import Question

SEEDED = "themes_seeded_at"
"""In `meta` once the defaults are written: a dictionary an owner emptied stays empty."""
WRITTEN = (Question.FIX, Question.UPSELL)
"""The questions whose answers have themes."""


@dataclass(frozen=True, slots=True)
class ThemeCount:
    """How many surveys named a theme in a period, and the NPS those customers gave."""

    key: str
    surveys: int
    nps: NpsSummary


class ThemeError(Exception):
    """An owner's /themes request that cannot be carried out; `reason` names the text."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name


# --- the dictionary ---------------------------------------------------------------------


async def seed_defaults(conn: aiosqlite.Connection, now: datetime) -> bool:
    """Write the default themes on the first start; False if that was done before."""
    if await fetch_one(conn, "SELECT 1 FROM meta WHERE key = ?", (SEEDED,)) is not None:
        return False
    for position, theme in enumerate(DEFAULT_THEMES):
        await _insert(conn, theme, position)
    await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (SEEDED, to_db(now)))
    return True


async def dictionary(conn: aiosqlite.Connection) -> list[Theme]:
    rows = await fetch_all(
        conn, "SELECT key, name_ru, name_en, entries FROM themes ORDER BY position, key"
    )
    return [
        Theme(str(r[0]), {"ru": str(r[1]), "en": str(r[2])}, tuple(json.loads(r[3]))) for r in rows
    ]


async def find(conn: aiosqlite.Connection, name: str) -> Theme | None:
    """The theme `name` means: its key or its name in either language, in any case."""
    wanted = store_key(name)
    for theme in await dictionary(conn):
        if wanted in {store_key(theme.key), *(store_key(n) for n in theme.names.values())}:
            return theme
    return None


async def add_entries(
    conn: aiosqlite.Connection, name: str, entries: Sequence[str]
) -> tuple[Theme, bool]:
    """Add words to the theme `name` means, or start a theme of that name; (theme, new)."""
    cleaned = [" ".join(entry.split()) for entry in entries if entry.strip()]
    if not cleaned or not name.strip():
        raise ThemeError("themes_usage")
    theme = await find(conn, name)
    if theme is None:
        shown = " ".join(name.split())
        key = await _free_key(conn, shown)
        theme = Theme(key, {"ru": shown, "en": shown}, tuple(dict.fromkeys(cleaned)))
        row = await fetch_one(conn, "SELECT COALESCE(MAX(position), -1) + 1 FROM themes")
        await _insert(conn, theme, int(row[0]))
        await forget_topics(conn)
        return theme, True
    merged = tuple(dict.fromkeys((*theme.entries, *cleaned)))
    await _set_entries(conn, theme.key, merged)
    await forget_topics(conn)
    return Theme(theme.key, theme.names, merged), False


async def remove_entries(conn: aiosqlite.Connection, name: str, entries: Sequence[str]) -> Theme:
    theme = await _existing(conn, name)
    dropped = {" ".join(entry.split()).casefold() for entry in entries}
    kept = tuple(entry for entry in theme.entries if entry.casefold() not in dropped)
    if len(kept) == len(theme.entries):
        raise ThemeError("themes_no_such_words", name)
    await _set_entries(conn, theme.key, kept)
    await forget_topics(conn)
    return Theme(theme.key, theme.names, kept)


async def rename(conn: aiosqlite.Connection, name: str, new_name: str, language: str) -> Theme:
    """Show the theme as `new_name` to owners writing in `language` (both for an owner's
    own theme, which has one name)."""
    theme = await _existing(conn, name)
    shown = " ".join(new_name.split())
    if not shown:
        raise ThemeError("themes_usage")
    other = await find(conn, shown)
    if other is not None and other.key != theme.key:
        raise ThemeError("themes_taken", shown)
    one_name = theme.names["ru"] == theme.names["en"]
    names = {**theme.names, **({"ru": shown, "en": shown} if one_name else {language: shown})}
    await conn.execute(
        "UPDATE themes SET name_ru = ?, name_en = ? WHERE key = ?",
        (names["ru"], names["en"], theme.key),
    )
    return Theme(theme.key, names, theme.entries)


async def merge(conn: aiosqlite.Connection, name: str, into_name: str) -> Theme:
    """The words of `name` join `into_name`, and `name` is gone."""
    theme, into = await _existing(conn, name), await _existing(conn, into_name)
    if theme.key == into.key:
        raise ThemeError("themes_same", name)
    merged = tuple(dict.fromkeys((*into.entries, *theme.entries)))
    await _set_entries(conn, into.key, merged)
    await conn.execute("DELETE FROM themes WHERE key = ?", (theme.key,))
    await forget_topics(conn)
    return Theme(into.key, into.names, merged)


async def remove(conn: aiosqlite.Connection, name: str) -> Theme:
    theme = await _existing(conn, name)
    await conn.execute("DELETE FROM themes WHERE key = ?", (theme.key,))
    await forget_topics(conn)
    return theme


async def _existing(conn: aiosqlite.Connection, name: str) -> Theme:
    theme = await find(conn, name)
    if theme is None:
        raise ThemeError("themes_unknown", name)
    return theme


async def _insert(conn: aiosqlite.Connection, theme: Theme, position: int) -> None:
    await conn.execute(
        "INSERT INTO themes (key, name_ru, name_en, entries, position) VALUES (?, ?, ?, ?, ?)",
        (
            theme.key,
            theme.name("ru"),
            theme.name("en"),
            json.dumps(list(theme.entries), ensure_ascii=False),
            position,
        ),
    )


async def _set_entries(conn: aiosqlite.Connection, key: str, entries: Iterable[str]) -> None:
    await conn.execute(
        "UPDATE themes SET entries = ? WHERE key = ?",
        (json.dumps(list(entries), ensure_ascii=False), key),
    )


async def _free_key(conn: aiosqlite.Connection, name: str) -> str:
    base = re.sub(r"\W+", "-", name.casefold()).strip("-") or "theme"
    key, number = base, 1
    while await fetch_one(conn, "SELECT 1 FROM themes WHERE key = ?", (key,)) is not None:
        number += 1
        key = f"{base}-{number}"
    return key


# --- each answer's themes -----------------------------------------------------------------


async def forget_topics(conn: aiosqlite.Connection) -> None:
    """The dictionary changed: every answer is to be read again."""
    await conn.execute("DELETE FROM answer_topics")


async def untagged(conn: aiosqlite.Connection, limit: int) -> list[tuple[int, str]]:
    """Written answers not read yet, oldest first: those after the last one read (an
    answer's themes are only ever dropped all together, or with its text)."""
    return [
        (int(row[0]), str(row[1]))
        for row in await fetch_all(
            conn,
            """SELECT id, text FROM answers
               WHERE id > (SELECT COALESCE(MAX(answer_id), 0) FROM answer_topics)
                 AND question IN (?, ?) AND text IS NOT NULL
               ORDER BY id LIMIT ?""",
            (*WRITTEN, limit),
        )
    ]


async def save_topics(conn: aiosqlite.Connection, read: Iterable[tuple[int, Topics]]) -> None:
    await conn.executemany(
        """INSERT INTO answer_topics (answer_id, themes, words)
           SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM answers WHERE id = ? AND text IS NOT NULL)
           ON CONFLICT (answer_id)
           DO UPDATE SET themes = excluded.themes, words = excluded.words""",
        [
            (
                answer_id,
                json.dumps(list(topics.themes)),
                json.dumps(list(topics.words), ensure_ascii=False),
                answer_id,
            )
            for answer_id, topics in read
        ],
    )


# --- figures ------------------------------------------------------------------------------


async def counts(
    conn: aiosqlite.Connection, period: Period, answers: str = "answers", **scope: object
) -> list[ThemeCount]:
    """Surveys of the period that named each theme (in what to fix or what else to offer),
    with the NPS of those surveys; `answers` is a scoped answers table (storage.insight)."""
    rows = await fetch_all(
        conn,
        f"""SELECT theme, COUNT(*),
                  COALESCE(SUM(n.score >= :promoter_min), 0),
                  COALESCE(SUM(n.score BETWEEN :passive_min AND :promoter_min - 1), 0),
                  COALESCE(SUM(n.score <= :detractor_max), 0)
           FROM (SELECT DISTINCT a.survey_id, j.value AS theme
                 FROM {_written(answers)}
                 JOIN answer_topics t ON t.answer_id = a.id, json_each(t.themes) j
                 WHERE a.text IS NOT NULL AND a.question IN (:fix, :upsell)
                   AND a.answered_at >= :start AND a.answered_at < :end) named
           LEFT JOIN answers n ON n.survey_id = named.survey_id AND n.question = :nps
           GROUP BY theme""",
        {
            **SQL_THRESHOLDS,
            **scope,
            "fix": Question.FIX,
            "upsell": Question.UPSELL,
            "nps": Question.NPS,
            "start": to_db(period.start),
            "end": to_db(period.end),
        },
    )
    return [ThemeCount(str(r[0]), int(r[1]), NpsSummary(r[2], r[3], r[4])) for r in rows]


def _written(answers: str) -> str:
    """The answers table of a query on written answers: every answer's through the index of
    those with text, by time (without statistics SQLite would read every upsell answer of
    the period instead); a store's scope as it is."""
    if answers == "answers":
        return "answers AS a INDEXED BY answers_written_by_time"
    return f"{answers} AS a"


async def frequent_words(
    conn: aiosqlite.Connection,
    period: Period,
    limit: int,
    answers: str = "answers",
    **scope: object,
) -> list[tuple[str, int]]:
    """The words most often written, in two answers or more, by answers in no theme."""
    rows = await fetch_all(
        conn,
        f"""SELECT j.value, COUNT(DISTINCT a.id) AS uses
           FROM {_written(answers)}
           JOIN answer_topics t ON t.answer_id = a.id, json_each(t.words) j
           WHERE a.text IS NOT NULL AND a.question IN (:fix, :upsell) AND t.themes = '[]'
             AND a.answered_at >= :start AND a.answered_at < :end
           GROUP BY j.value HAVING uses >= 2
           ORDER BY uses DESC, j.value LIMIT :limit""",
        {
            **scope,
            "fix": Question.FIX,
            "upsell": Question.UPSELL,
            "start": to_db(period.start),
            "end": to_db(period.end),
            "limit": limit,
        },
    )
    return [(str(r[0]), int(r[1])) for r in rows]
