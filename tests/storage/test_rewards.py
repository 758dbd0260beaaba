"""Reward codes: each pool code goes to one survey, never twice; a repeat gets the same one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.survey_rules import SurveyRules
from storage import customers, rewards
from storage.database import Database
from storage.intake import record_purchase
from storage.purchases import NewPurchase
from storage.rewards import RewardMode
from tests.helpers import FakeClock


async def _surveys(db: Database, count: int, clock: FakeClock) -> list[int]:
    ids = []
    for number in range(count):
        async with db.transaction() as conn:
            customer, _ = await customers.upsert_started(
                conn,
                telegram_user_id=1000 + number,
                first_name="Anna",
                last_name=None,
                username=None,
                language="en",
                now=clock(),
            )
        purchase = NewPurchase(customer.id, 100, "RUB", clock(), "test", None)
        result = await record_purchase(db, purchase, SurveyRules(timedelta(0)), now=clock())
        assert result.survey is not None
        ids.append(result.survey.id)
    return ids


async def test_pool_codes_go_out_once_each_and_a_repeat_gets_the_same(db: Database) -> None:
    clock = FakeClock()
    survey_ids = await _surveys(db, 5, clock)
    async with db.transaction() as conn:
        assert await rewards.add_codes(conn, ["C1", "C2", "C3", "C2"], 1, clock()) == 3
        await rewards.set_mode(conn, RewardMode.POOL)

    async def issue(survey_id: int) -> str | None:
        async with db.transaction() as conn:
            return await rewards.issue(conn, survey_id, clock())

    given = await asyncio.gather(*(issue(survey_id) for survey_id in survey_ids))
    assert sorted(code for code in given if code) == ["C1", "C2", "C3"]
    assert given.count(None) == 2  # the pool ran out
    again = await asyncio.gather(*(issue(survey_id) for survey_id in survey_ids))
    assert again == given
    reward = await rewards.current(db.reader)
    assert (reward.mode, reward.free, reward.issued) == (RewardMode.POOL, 0, 3)


async def test_shared_code_and_off(db: Database) -> None:
    clock = FakeClock()
    [survey_id] = await _surveys(db, 1, clock)
    async with db.transaction() as conn:
        assert await rewards.issue(conn, survey_id, clock()) is None  # off by default
        await rewards.set_mode(conn, RewardMode.CODE, "WELCOME10")
        assert await rewards.issue(conn, survey_id, clock()) == "WELCOME10"
        await rewards.set_mode(conn, RewardMode.OFF)
        assert await rewards.issue(conn, survey_id, clock()) is None


async def test_a_code_released_for_an_undelivered_thank_you_goes_to_the_next(db: Database) -> None:
    clock = FakeClock()
    first, second = await _surveys(db, 2, clock)
    async with db.transaction() as conn:
        await rewards.add_codes(conn, ["ONLY"], 1, clock())
        await rewards.set_mode(conn, RewardMode.POOL)
        assert await rewards.issue(conn, first, clock()) == "ONLY"
        assert await rewards.issue(conn, second, clock()) is None
        await rewards.release(conn, first)  # the first customer had blocked the bot
        assert await rewards.issue(conn, second, clock()) == "ONLY"
