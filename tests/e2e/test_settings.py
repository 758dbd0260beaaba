"""/settings: owners change the settings in force from the chat, without a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, owner_says, purchase, rows, started_customer
from tests.helpers import FakeClock


async def test_settings_lists_every_runtime_setting_with_its_origin(running: Harness) -> None:
    text = (await admin_says(running, "/settings")).text or ""
    for line in (
        "survey_delay = 0s",
        "survey_throttle_days = 30",
        "survey_max_age = 3d",
        "quiet_hours = off",
        "reminder_after = 1d",
        "survey_expires_after = 7d",
        "digest_schedule = off",
        "timezone = Europe/Moscow",
        "send_rate = 25",
    ):
        assert line in text
    assert text.count("from .env") == 9


async def test_survey_delay_change_applies_to_the_next_purchase(running: Harness) -> None:
    customer = await started_customer(running)
    assert "survey_delay = 2h" in await owner_says(running, "/settings survey_delay 2h")
    reply = await purchase(running, customer)
    assert "goes out at" in (reply.text or "")  # not "now": two hours later
    [(due, created)] = await rows(running, "SELECT due_at, created_at FROM surveys")
    assert datetime.fromisoformat(due) - datetime.fromisoformat(created) == timedelta(hours=2)

    listing = await owner_says(running, "/settings")
    assert "survey_delay = 2h" in listing and "(в .env: 0s)" in listing
    assert f"изменил(а) {running.owner.id}" in listing  # the owner never pressed Start: the id
    assert await rows(running, "SELECT name, value, changed_by FROM setting_changes") == [
        ("survey_delay", "2h", running.owner.id)
    ]


async def test_quiet_hours_set_from_the_chat_hold_surveys_back_until_lifted(
    running: Harness,
) -> None:
    customer = await started_customer(running)
    now = datetime.now(ZoneInfo("Europe/Moscow"))
    window = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"
    assert "✅" in await owner_says(running, f"/settings quiet_hours {window}")
    await purchase(running, customer)
    await running.app.jobs.dispatch_surveys()  # type: ignore[union-attr]  # a tick after it
    assert customer.pending_messages() == []
    assert await rows(running, "SELECT status FROM surveys") == [("scheduled",)]

    assert "снова берётся из .env: off" in await owner_says(
        running, "/settings quiet_hours default"
    )
    assert "recommend" in ((await customer.next_message()).text or "")


async def test_send_rate_reaches_the_sender_and_survives_a_restart(running: Harness) -> None:
    assert running.app is not None
    assert running.app.gate.rate_per_second == pytest.approx(25)
    await owner_says(running, "/settings SEND_RATE 12.5")
    assert running.app.gate.rate_per_second == pytest.approx(12.5)
    app = await running.restart()
    assert app.gate.rate_per_second == pytest.approx(12.5)
    assert app.live_settings.current.send_rate == 12.5
    assert "send_rate = 12.5" in await owner_says(running, "/settings")


async def test_timezone_change_shows_in_the_listing(running: Harness) -> None:
    assert "Asia/Almaty" in await owner_says(running, "/settings timezone Asia/Almaty")
    assert "(время — Asia/Almaty)" in await owner_says(running, "/settings")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/settings send_rate 50", "не подходит для send_rate"),
        ("/settings send_rate fast", "не подходит для send_rate"),
        ("/settings survey_delay soon", "0, секунды или 30s, 15m, 2h, 1d"),
        ("/settings survey_expires_after 0", "не подходит для survey_expires_after"),
        ("/settings survey_throttle_days -1", "целое число дней"),
        ("/settings quiet_hours 25:00-09:00", "не подходит для quiet_hours"),
        ("/settings digest_schedule someday", "не подходит для digest_schedule"),
        ("/settings timezone Mars/Olympus", "часовой пояс IANA"),
        ("/settings survey_expires_after 3000000d", "от 1m до 365d"),
        ("/settings survey_delay 99999999999d", "не больше 365d"),
        ("/settings reminder_after 0", "от 1m до 90d"),
        ("/settings send_rate 0.0001", "число от 0.1 до 30"),
        ("/settings currency USD", "Настройки «currency» нет"),
        ("/settings bot_token 1:x", "Настройки «bot_token» нет"),
        ("/settings survey_delay", "Формат: /settings survey_delay"),
        ("/settings survey_delay default", "и так берётся из .env"),
    ],
)
async def test_bad_values_get_a_clear_answer_and_change_nothing(
    running: Harness, command: str, expected: str
) -> None:
    assert expected in await owner_says(running, command)
    assert await rows(running, "SELECT COUNT(*) FROM setting_overrides") == [(0,)]
    assert await rows(running, "SELECT COUNT(*) FROM setting_changes") == [(0,)]


async def test_admins_see_the_settings_but_cannot_change_them(running: Harness) -> None:
    reply = await admin_says(running, "/settings survey_delay 1h")
    assert "Only owners can change settings" in (reply.text or "")
    assert await rows(running, "SELECT COUNT(*) FROM setting_overrides") == [(0,)]


async def test_customers_are_refused(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text("/settings survey_delay 1h")
    assert (await customer.next_message()).text == "This command is for staff only."
    assert await rows(running, "SELECT COUNT(*) FROM setting_overrides") == [(0,)]


async def tick(harness: Harness) -> None:
    """One scheduler tick now (the jobs serialise it with the scheduler's own)."""
    assert harness.app is not None
    await harness.app.jobs.dispatch_surveys()


async def test_a_new_digest_schedule_starts_at_its_next_slot(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 30, 5, 0, tzinfo=UTC))  # Monday 08:00 in Moscow
    harness.clock = clock
    harness.overrides["digest_schedule"] = "daily 09:00"
    await harness.start()
    harness.owner.send_text("/start")
    await harness.owner.next_message()
    await tick(harness)
    clock.now = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # 09:30: today's digest is due
    await tick(harness)
    assert "Сводка за день" in ((await harness.owner.next_message()).text or "")
    await harness.owner.next_message()  # its chart

    # Weekly from now on, Mondays 09:15: today's slot has just passed.
    await owner_says(harness, "/settings digest_schedule mon 09:15")
    await tick(harness)
    assert harness.owner.pending_messages() == []  # not owed: it came before the change
    clock.now = datetime(2026, 12, 7, 6, 16, tzinfo=UTC)  # next Monday 09:16
    await tick(harness)
    assert "Сводка за неделю" in ((await harness.owner.next_message()).text or "")
    assert await rows(harness, "SELECT COUNT(*) FROM digests WHERE sent_at IS NOT NULL") == [(2,)]


async def test_reminder_and_expiry_changes_apply_to_a_running_survey(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    harness.clock = clock
    await harness.start()
    customer = await started_customer(harness)
    await purchase(harness, customer)
    await customer.next_message()
    assert "reminder_after = 2h" in await owner_says(harness, "/settings reminder_after 2h")
    clock.now += timedelta(hours=3)  # the .env value (24h) would still wait
    await tick(harness)
    assert (await customer.next_message()).text.startswith("A gentle reminder")  # type: ignore[union-attr]
    await owner_says(harness, "/settings survey_expires_after 4h")
    clock.now += timedelta(hours=2)
    await tick(harness)
    assert await rows(harness, "SELECT status FROM surveys") == [("expired",)]


async def test_throttle_change_applies_to_the_next_purchase(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    second = await purchase(running, customer)
    assert "No survey this time" in (second.text or "")
    await owner_says(running, "/settings survey_throttle_days 0")
    third = await purchase(running, customer)
    assert "Survey #2 goes out" in (third.text or "")


async def test_time_zone_change_moves_the_quiet_hours(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 23:00 Moscow, 15:00 New York
    harness.clock = clock
    harness.overrides["quiet_hours"] = "21:00-09:00"
    await harness.start()
    customer = await started_customer(harness)
    await purchase(harness, customer)
    await tick(harness)
    assert customer.pending_messages() == []  # night in Moscow
    await owner_says(harness, "/settings timezone America/New_York")
    await tick(harness)
    assert "recommend" in ((await customer.next_message()).text or "")
