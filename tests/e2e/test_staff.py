"""/purchase: validation, roles, idempotency on order id."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, rows, started_customer


async def test_purchase_stores_minor_units_and_schedules_a_survey(running: Harness) -> None:
    customer = await started_customer(running)
    reply = await admin_says(running, f"/purchase {customer.id} 1500,50 A-1")
    assert "RUB1,500.50" in (reply.text or "") and "Anna" in (reply.text or "")
    assert running.app is not None
    async with running.app.db.reader.execute(
        "SELECT amount_minor, currency, order_id, source FROM purchases"
    ) as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [(150050, "RUB", "A-1", "command")]
    assert "recommend" in ((await customer.next_message()).text or "")


async def test_replaying_an_order_id_creates_nothing(running: Harness) -> None:
    customer = await started_customer(running)
    await admin_says(running, f"/purchase {customer.id} 100 ORDER-7")
    replay = await admin_says(running, f"/purchase {customer.id} 100 ORDER-7")
    assert "already registered" in (replay.text or "")
    conflict = await admin_says(running, f"/purchase {customer.id} 999 ORDER-7")
    assert "different data" in (conflict.text or "")
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(1,)]
    assert await rows(running, "SELECT COUNT(*) FROM surveys") == [(1,)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "Usage: /purchase"),
        ("123", "Usage: /purchase"),
        ("1 2 3 4", "Usage: /purchase"),
        ("abc 100", "not a Telegram user id"),
        ("{customer} 0", "not a valid amount"),
        ("{customer} -5", "not a valid amount"),
        ("{customer} lots", "not a valid amount"),
        ("{customer} 10.001", "not a valid amount"),
        ("{customer} 10 " + "x" * 65, "order id"),
        ("424242 100", "has not started this bot"),
        ("²³ 100", "not a Telegram user id"),
        ("99999999999999999999 100", "not a Telegram user id"),
    ],
)
async def test_bad_purchase_arguments_get_a_clear_answer(
    running: Harness, args: str, expected: str
) -> None:
    customer = await started_customer(running)
    reply = await admin_says(running, f"/purchase {args.format(customer=customer.id)}".strip())
    assert expected in (reply.text or "")
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(0,)]


async def test_non_staff_is_refused_and_nothing_changes(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text(f"/purchase {customer.id} 100")
    assert (await customer.next_message()).text == "This command is for staff only."
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(0,)]


async def test_owner_is_staff_too_and_help_lists_staff_commands(running: Harness) -> None:
    customer = await started_customer(running)
    running.owner.send_text(f"/purchase {customer.id} 100")
    reply = await running.owner.next_message()
    assert "зарегистрирована" in (reply.text or "")  # the owner writes in Russian
    running.admin.send_text("/help")
    assert "/purchase" in ((await running.admin.next_message()).text or "")


async def test_command_menus_are_published(running: Harness) -> None:
    customer_commands = ["start", "help", "language", "stop", "forget"]
    for language in ("", "ru"):
        menu = running.emulator.commands[("default", language)]
        assert [c["command"] for c in menu] == customer_commands
    running.admin.send_text("/start")  # the admin opens the bot: the staff menu follows
    await running.admin.next_message()
    staff_menu = await chat_menu(running, running.admin.id)
    assert [c["command"] for c in staff_menu] == [
        *customer_commands,
        "purchase",
        "qr",
        "stores",
        "themes",
        "leads",
        "stats",
        "dashboard",
        "digest",
        "export",
        "pause",
        "resume",
        "staff",
        "settings",
        "questions",
        "preview",
    ]
    descriptions = {c["command"]: c["description"] for c in staff_menu}
    assert descriptions["staff"] == "Who runs the bot"  # admins only look
    owner_menu = await chat_menu(running, running.owner.id)  # published at start-up
    owner_descriptions = {c["command"]: c["description"] for c in owner_menu}
    assert owner_descriptions["staff"] == "Staff: list, add, remove"
    assert owner_descriptions["settings"] == "Settings: view and change"
    assert list(owner_descriptions)[-3:] == ["reward", "backup", "hooks"]
    assert not {"reward", "backup", "hooks"} & set(descriptions)


async def chat_menu(harness: Harness, chat_id: int) -> list[dict[str, str]]:
    scope = json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True, separators=(",", ":"))
    await harness.emulator.wait_for(lambda: (scope, "") in harness.emulator.commands)
    menu: list[dict[str, str]] = harness.emulator.commands[(scope, "")]
    return menu
