"""/staff: owners add and remove staff from the chat; every change is recorded."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, owner_says, rows, started_customer


async def test_staff_list_shows_who_runs_the_bot(running: Harness) -> None:
    text = await owner_says(running, "/staff")
    assert f"(id {running.owner.id}): владелец" in text
    assert f"(id {running.admin.id}): администратор" in text


async def test_owner_adds_an_admin_who_can_then_register_purchases(running: Harness) -> None:
    newcomer = await started_customer(running, "Nina")
    customer = await started_customer(running, "Anna")
    newcomer.send_text(f"/purchase {customer.id} 100")
    assert "for staff only" in ((await newcomer.next_message()).text or "")

    assert "теперь администратор" in await owner_says(running, f"/staff add {newcomer.id} admin")
    newcomer.send_text(f"/purchase {customer.id} 100")
    assert "registered" in ((await newcomer.next_message()).text or "")
    changes = "SELECT user_id, action, role, changed_by FROM staff_changes WHERE action = 'added'"
    assert await rows(running, changes) == [(newcomer.id, "added", "admin", running.owner.id)]

    await running.restart()  # the table, not the settings, says who is staff now
    newcomer.send_text(f"/purchase {customer.id} 200")
    assert "registered" in ((await newcomer.next_message()).text or "")


async def test_removed_admin_is_refused_at_once(running: Harness) -> None:
    assert "больше не сотрудник" in await owner_says(running, f"/staff remove {running.admin.id}")
    reply = await admin_says(running, "/stats")
    assert "for staff only" in (reply.text or "")


async def test_the_last_owner_cannot_be_removed_or_demoted(running: Harness) -> None:
    owner = running.owner.id
    assert "последний владелец" in await owner_says(running, f"/staff remove {owner}")
    assert "последний владелец" in await owner_says(running, f"/staff add {owner} admin")
    assert await rows(running, "SELECT role FROM staff WHERE user_id = ?", owner) == [("owner",)]
    # with a second owner, the first may step down
    assert "теперь владелец" in await owner_says(running, f"/staff add {running.admin.id} owner")
    assert "больше не сотрудник" in await owner_says(running, f"/staff remove {owner}")


async def test_an_admin_cannot_change_the_staff(running: Harness) -> None:
    outsider = await started_customer(running, "Oleg")
    reply = await admin_says(running, f"/staff add {outsider.id} owner")
    assert "Only owners can change the staff" in (reply.text or "")
    assert await rows(running, "SELECT COUNT(*) FROM staff") == [(2,)]
    assert "(id" in ((await admin_says(running, "/staff")).text or "")  # admins may look


@pytest.mark.parametrize(
    "args", ["add", "add 123", "add abc admin", "add 123 boss", "remove", "remove x", "fire 1"]
)
async def test_malformed_staff_commands_get_the_usage(running: Harness, args: str) -> None:
    assert "Формат: /staff" in await owner_says(running, f"/staff {args}")
    assert await rows(running, "SELECT COUNT(*) FROM staff_changes WHERE action != 'seeded'") == [
        (0,)
    ]


async def test_customers_cannot_see_the_staff(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text("/staff")
    assert "for staff only" in ((await customer.next_message()).text or "")


async def test_help_shows_each_role_only_its_commands(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text("/help")
    text = (await customer.next_message()).text or ""
    assert "/forget" in text and "/purchase" not in text and "/settings" not in text

    admin_help = (await admin_says(running, "/help")).text or ""
    assert "/purchase" in admin_help and "/settings — the settings in force" in admin_help
    assert "Owner commands" not in admin_help and "/staff add" not in admin_help

    owner_help = await owner_says(running, "/help")
    assert "Команды владельца" in owner_help and "/staff add" in owner_help
    assert "/settings &lt;" not in owner_help and "/settings <название> <значение>" in owner_help


async def test_each_role_change_republishes_that_persons_menu(running: Harness) -> None:
    admin, emulator = running.admin, running.emulator
    scope = json.dumps({"chat_id": admin.id, "type": "chat"}, sort_keys=True, separators=(",", ":"))

    def staff_description() -> str | None:
        return next(
            (
                c["description"]
                for c in emulator.commands.get((scope, ""), [])
                if c["command"] == "staff"
            ),
            None,
        )

    await running.emulator.wait_for(lambda: staff_description() == "Who runs the bot")
    await owner_says(running, f"/staff add {admin.id} owner")
    await running.emulator.wait_for(lambda: staff_description() == "Staff: list, add, remove")
    await owner_says(running, f"/staff remove {admin.id}")
    await running.emulator.wait_for(lambda: (scope, "") not in emulator.commands)


async def test_a_staff_members_menu_follows_their_language(running: Harness) -> None:
    owner, emulator = running.owner, running.emulator
    owner.send_text("/start")  # Telegram in Russian: the menu in Russian
    await owner.next_message()
    scope = json.dumps({"chat_id": owner.id, "type": "chat"}, sort_keys=True, separators=(",", ":"))

    def description(command: str) -> str | None:
        menu = emulator.commands.get((scope, ""), [])
        return next((c["description"] for c in menu if c["command"] == command), None)

    await emulator.wait_for(lambda: description("settings") == "Настройки: просмотр и изменение")
    owner.send_text("/language")
    choice = await owner.next_message()
    owner.press(choice, "English")
    await emulator.wait_for(lambda: description("settings") == "Settings: view and change")
