"""The themes dictionary, each written answer's themes, and what they add up to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_db
from core.period import Period
from storage import erasure, themes
from storage.database import Database
from storage.theme_tagging import ThemeTagger
from storage.themes import ThemeError

WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEEK = Period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "themes.db")
    async with database.transaction() as conn:
        assert await themes.seed_defaults(conn, WHEN)
    yield database
    await database.close()


async def _survey(db: Database, nps: int, fix: str | None, upsell: str | None = None) -> int:
    """A customer's survey with its NPS and written answers; returns the survey id."""
    stamp = to_db(WHEN)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO customers (language, referral_code, created_at, updated_at)"
            " VALUES ('ru', hex(randomblob(8)), ?, ?)",
            (stamp, stamp),
        )
        customer = cursor.lastrowid
        cursor = await conn.execute(
            "INSERT INTO surveys (customer_id, status, step, due_at, created_at, updated_at)"
            " VALUES (?, 'completed', 'done', ?, ?, ?)",
            (customer, stamp, stamp, stamp),
        )
        survey = cursor.lastrowid
        assert survey is not None
        for question, score, text in (
            ("nps", nps, None),
            ("fix", None, fix),
            ("upsell", None, upsell),
        ):
            if question == "nps" or text is not None:
                await conn.execute(
                    "INSERT INTO answers (survey_id, question, score, text, answered_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (survey, question, score, text, stamp),
                )
        return survey


async def test_the_defaults_are_written_once_and_an_emptied_dictionary_stays_empty(
    db: Database,
) -> None:
    names = [theme.name("en") for theme in await themes.dictionary(db.reader)]
    assert names[:3] == ["Delivery", "Prices", "Staff and politeness"] and len(names) == 9
    async with db.transaction() as conn:
        for theme in await themes.dictionary(conn):
            await themes.remove(conn, theme.key)
        assert not await themes.seed_defaults(conn, WHEN)
    assert await themes.dictionary(db.reader) == []


async def test_themes_are_counted_by_survey_with_their_customers_nps(db: Database) -> None:
    await _survey(db, 2, "курьер опоздал на час", "доставку на дом")  # delivery, once
    await _survey(db, 9, "доставка долгая")
    await _survey(db, 10, None, "онлайн-запись")
    await _survey(db, 5, "парковки нет")
    await _survey(db, 6, "парковка маленькая")
    assert await ThemeTagger(db).catch_up() == 6
    counted = {
        c.key: (c.surveys, c.nps.promoters, c.nps.detractors)
        for c in await themes.counts(db.reader, WEEK)
    }
    assert counted == {"delivery": (2, 1, 1), "waiting": (1, 1, 0), "app": (1, 1, 0)}
    assert await themes.frequent_words(db.reader, WEEK, 5) == [("парковка", 2)]
    assert await ThemeTagger(db).catch_up() == 0  # nothing new to read


async def test_a_dictionary_change_has_every_answer_read_again(db: Database) -> None:
    await _survey(db, 5, "парковки нет")
    await _survey(db, 6, "парковка маленькая")
    tagger = ThemeTagger(db)
    await tagger.catch_up()
    async with tagger.editing(), db.transaction() as conn:
        theme, new = await themes.add_entries(conn, "Парковка", ["парковка"])
    assert new and theme.key == "парковка"
    assert await tagger.catch_up() == 2
    counted = await themes.counts(db.reader, WEEK)
    assert [(c.key, c.surveys) for c in counted] == [("парковка", 2)]
    assert await themes.frequent_words(db.reader, WEEK, 5) == []


async def test_owners_rename_merge_and_remove(db: Database) -> None:
    async with db.transaction() as conn:
        renamed = await themes.rename(conn, "prices", "Цены и скидки", "ru")
        assert renamed.names == {"ru": "Цены и скидки", "en": "Prices"}
        merged = await themes.merge(conn, "Время ожидания", "Staff and politeness")
        assert "очеред*" in merged.entries
        assert await themes.find(conn, "waiting") is None
        with pytest.raises(ThemeError, match="themes_unknown"):
            await themes.remove(conn, "waiting")
        with pytest.raises(ThemeError, match="themes_taken"):
            await themes.rename(conn, "app", "ДОСТАВКА", "ru")
        with pytest.raises(ThemeError, match="themes_no_such_words"):
            await themes.remove_entries(conn, "app", ["no such word"])
        dropped = await themes.remove_entries(conn, "app", ["App", "сайт*"])
        assert "app" not in dropped.entries and "сайт*" not in dropped.entries
    assert len(await themes.dictionary(db.reader)) == 8


async def test_erasing_an_answer_erases_its_themes_and_words(db: Database) -> None:
    survey = await _survey(db, 3, "парковки нет совсем, машину негде поставить")
    await ThemeTagger(db).catch_up()
    assert await themes.frequent_words(db.reader, WEEK, 5) == []  # one answer is no group
    async with db.reader.execute("SELECT COUNT(*) FROM answer_topics") as cursor:
        assert (await cursor.fetchone())[0] == 1
    erased = await erasure.erase_free_text_before(db, WHEN + timedelta(seconds=1))
    assert erased == 1
    async with db.reader.execute("SELECT COUNT(*) FROM answer_topics") as cursor:
        assert (await cursor.fetchone())[0] == 0
    assert survey
