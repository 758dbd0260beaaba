"""/settings: owners change the settings in force from the chat, without a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, owner_says, purchase, rows, started_customer


async def test_settings_lists_every_runtime_setting_with_its_origin(running: Harness) -> None:
    text = (await admin_says(running, "/settings")).text or ""
    for line in (
        "survey_delay = 0s",
        "survey_throttle_days = 30",
        "quiet_hours = off",
        "reminder_after = 1d",
        "survey_expires_after = 7d",
        "digest_schedule = off",
        "timezone = Europe/Moscow",
        "send_rate = 25",
    ):
        assert line in text
    assert text.count("from .env") == 8


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
    assert running.app.sender.rate_per_second == pytest.approx(25)
    await owner_says(running, "/settings SEND_RATE 12.5")
    assert running.app.sender.rate_per_second == pytest.approx(12.5)
    app = await running.restart()
    assert app.sender.rate_per_second == pytest.approx(12.5)
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


async def test_a_new_digest_schedule_starts_at_its_next_slot(running: Harness) -> None:
    assert running.app is not None
    await owner_says(running, "/settings digest_schedule daily 00:00")  # a slot already passed
    await running.app.jobs.dispatch_surveys()
    assert running.owner.pending_messages() == []
    assert await rows(running, "SELECT COUNT(*) FROM digests") == [(0,)]
    stored = await rows(running, "SELECT value FROM meta WHERE key = 'digests_since'")
    assert datetime.fromisoformat(stored[0][0]) > datetime.now(UTC) - timedelta(minutes=1)
