"""Purchases from a shared phone, a QR code and a CSV file reach customers as surveys."""

from __future__ import annotations

from sandbox import BotMessage
from tests.e2e.conftest import Harness
from tests.e2e.steps import purchase_by_phone_only, rows, started_customer


def _link_in(message: BotMessage) -> str:
    return next(word for word in (message.caption or "").split() if word.startswith("https://"))


async def test_start_offers_share_my_phone_and_links_purchases_made_by_phone(
    running: Harness,
) -> None:
    customer = running.emulator.create_user(first_name="Pavel", language_code="en")
    customer.send_text("/start")
    welcome = await customer.next_message()
    assert [b["text"] for row in welcome.reply_keyboard for b in row] == ["Share my phone"]
    assert welcome.reply_keyboard[0][0].get("request_contact") is True

    # The till registers a purchase by phone before the customer shares it.
    await purchase_by_phone_only(running, "+79005556677", "TILL-1")
    customer.send_contact(phone_number="8 900 555-66-77", first_name="Pavel", user_id=customer.id)
    saved = await customer.next_message()
    assert saved.text == "Thank you! Your number is saved." and saved.removes_reply_keyboard
    nps = await customer.next_message()  # the survey of the till purchase now reaches them
    assert "recommend" in (nps.text or "")
    assert await rows(
        running, "SELECT COUNT(*), MIN(phone) FROM customers WHERE phone IS NOT NULL"
    ) == [(1, "+79005556677")]


async def test_invalid_own_phone_saves_nothing(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_contact(phone_number="12345", first_name="Anna", user_id=customer.id)
    assert "not look like a valid phone" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT COUNT(*) FROM customers WHERE phone IS NOT NULL") == [(0,)]


async def test_qr_from_the_counter_records_a_visit_and_surveys_it(running: Harness) -> None:
    running.admin.send_text("/qr shop1")
    card = await running.admin.next_message()
    assert card.photo is not None and card.photo.startswith(b"\x89PNG")
    link = _link_in(card)
    assert link.startswith("https://t.me/feedback_test_bot?start=q_shop1_")
    payload = link.split("start=")[1]
    assert len(payload) <= 64

    customer = running.emulator.create_user(first_name="Vera", language_code="en")
    customer.send_text(f"/start {payload}")
    await customer.next_message()  # welcome
    assert "Thank you for your purchase" in ((await customer.next_message()).text or "")
    assert "recommend" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT store, source, amount_minor FROM purchases") == [
        ("shop1", "qr", None)
    ]


async def test_forged_or_bad_qr_records_nothing(running: Harness) -> None:
    running.admin.send_text("/qr shop1")
    payload = _link_in(await running.admin.next_message()).split("start=")[1]
    forged = payload.replace("shop1", "shop2")
    customer = running.emulator.create_user(first_name="Mallory", language_code="en")
    customer.send_text(f"/start {forged}")
    await customer.next_message()
    assert "not valid" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(0,)]
    running.admin.send_text("/qr bad_store!")
    assert "store code" in ((await running.admin.next_message()).text or "").lower()


async def test_csv_import_reports_and_schedules_surveys(running: Harness) -> None:
    anna = await started_customer(running)
    content = (
        "\ufefforder_id;amount;telegram_user_id;phone;store\n"
        f"C-1;1500,50;{anna.id};;shop1\n"
        "C-2;700;;+7 900 111-22-33;shop1\n"
        "C-3;0;;+7 900 111-22-33;shop1\n"
        "C-4;100;424242;;\n"
        f"C-1;1500,50;{anna.id};;shop1\n"
    ).encode()
    running.admin.send_document(filename="purchases.csv", content=content)
    report = (await running.admin.next_message()).text or ""
    assert "purchases imported: 2, skipped as duplicates: 1, rejected: 2." in report
    assert "line 4: " in report and "line 5: " in report
    assert "recommend" in ((await anna.next_message()).text or "")
    assert await rows(
        running, "SELECT order_id, amount_minor, source FROM purchases ORDER BY id"
    ) == [
        ("C-1", 150050, "csv"),
        ("C-2", 70000, "csv"),
    ]
    # The same file again imports nothing new.
    running.admin.send_document(filename="purchases.csv", content=content)
    again = (await running.admin.next_message()).text or ""
    assert "purchases imported: 0, skipped as duplicates: 3," in again


async def test_broken_csv_imports_nothing(running: Harness) -> None:
    running.admin.send_document(filename="purchases.csv", content="заказ;сумма\n".encode("cp1251"))
    assert "was not imported" in ((await running.admin.next_message()).text or "")
    running.admin.send_document(filename="notes.txt", content=b"hello")
    assert ".csv" in ((await running.admin.next_message()).text or "")
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(0,)]


async def test_csv_problems_reach_a_russian_speaking_owner_in_russian(running: Harness) -> None:
    content = (
        "номер_заказа;сумма;телефон;telegram_user_id\n"
        "R-1;0;+7 900 111-22-33;\n"
        "R-2;100;12;\n"
        "R-3;100;;424242\n"
    ).encode()
    running.owner.send_document(filename="покупки.csv", content=content)
    report = (await running.owner.next_message()).text or ""
    assert "отклонено — 3" in report
    assert "строка 2: сумма: «0» — это не сумма больше нуля" in report
    assert "строка 3: телефон: «12» — это не похоже на номер телефона" in report
    assert "строка 4: покупатель с таким id ещё не открывал бота" in report
    running.owner.send_document(filename="покупки.csv", content="заказ;сумма\n".encode("cp1251"))
    refused = (await running.owner.next_message()).text or ""
    assert refused.startswith("📄 покупки.csv не импортирован: файл не в кодировке UTF-8")
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(0,)]
