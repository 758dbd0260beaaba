"""What owners get: /digest, the scheduled digest, detractor alerts, /stats and /export."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.reports import chart_process as charts
from bot.reports import export
from bot.reports import export_process as export_files
from sandbox import BotMessage, EmulatedUser
from storage import exports
from storage.exports import PURCHASE_HEADERS
from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, purchase, rows, started_customer
from tests.helpers import FakeClock, child_processes, eventually, sleeping_children

NPS_SCORES = [10, 10, 9, 9, 8, 7, 6, 3, 0, 10]
TICKS = 2.5  # seconds: more than two scheduler ticks at DISPATCH_INTERVAL=1s
PNG = b"\x89PNG\r\n\x1a\n"


async def _answer_nps(harness: Harness, scores: list[int]) -> list[EmulatedUser]:
    """One customer per score: a purchase, the survey, the score pressed."""
    customers = []
    for index, _ in enumerate(scores):
        customer = await started_customer(harness, first_name=f"Client{index}")
        await purchase(harness, customer, f"{1000 + index}")
        customers.append(customer)
    for customer, score in zip(customers, scores, strict=True):
        question = await customer.next_message()
        customer.press(question, str(score))
        await customer.next_message()  # the CSAT question
    return customers


async def _owner_started(harness: Harness) -> None:
    harness.owner.send_text("/start")
    await harness.owner.next_message()


def _alerts(messages: list[BotMessage]) -> list[BotMessage]:
    return [m for m in messages if "/10" in (m.text or "") and m.button_labels]


async def test_digest_shows_nps_20_with_counts_and_a_chart(running: Harness) -> None:
    await _owner_started(running)
    await _answer_nps(running, NPS_SCORES)
    await asyncio.sleep(0.5)
    running.owner.drain()  # the three detractor alerts
    running.owner.send_text("/digest")
    digest = await running.owner.next_message()
    text = digest.text or ""
    assert "NPS 20" in text
    assert "сторонники 5 · нейтральные 2 · критики 3; ответов: 10" in text
    assert "Ответов мало (10)" in text  # a small sample gives its interval
    chart = await running.owner.next_message()
    assert chart.photo is not None and chart.photo.startswith(PNG)


async def test_a_chart_that_cannot_be_drawn_leaves_the_digest_text(
    running: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await _owner_started(running)
    monkeypatch.setattr(charts, "WORKER", ("-m", "analytics.no_such_worker"))
    running.owner.send_text("/digest")
    digest = await running.owner.next_message()
    assert "Сводка за последние 7 дней" in (digest.text or "")

    async def chart_failure_logged() -> bool:
        return any("digest chart" in r.getMessage() for r in caplog.records)

    await eventually(chart_failure_logged, within=15)
    await running.emulator.wait_idle()
    assert running.owner.pending_messages() == []  # no photo, no apology


async def test_digest_in_english_and_for_admins_too(running: Harness) -> None:
    await _answer_nps(running, [9, 10, 3])
    digest = await admin_says(running, "/digest")
    assert "NPS 33" in (digest.text or "")
    assert "promoters 2 · passives 0 · detractors 1; answers: 3" in (digest.text or "")
    assert "Too few answers to judge" in (digest.text or "")
    assert (await running.admin.next_message()).photo is not None


async def test_an_empty_week_gets_a_short_honest_digest(running: Harness) -> None:
    digest = await admin_says(running, "/digest")
    assert "quiet period" in (digest.text or "")
    assert "NPS" not in (digest.text or "")
    assert (await running.admin.next_message()).photo is not None


async def test_customers_cannot_see_figures(running: Harness) -> None:
    customer = await started_customer(running)
    for command in ("/digest", "/stats", "/export"):
        customer.send_text(command)
        assert "for staff only" in ((await customer.next_message()).text or "")


async def test_detractor_alert_reaches_every_owner_and_its_buttons_work(
    harness: Harness,
) -> None:
    harness.overrides["owner_ids"] = [harness.owner.id, harness.admin.id]
    await harness.start()
    await _owner_started(harness)
    harness.admin.send_text("/start")
    await harness.admin.next_message()
    customer = await started_customer(harness, first_name="Boris")
    await admin_says(harness, f"/purchase {customer.id} 990 ORD-9")
    customer.press(await customer.next_message(), "3")

    owner_alert = await harness.owner.next_message()
    admin_alert = await harness.admin.next_message()
    assert "Недовольный клиент: 3/10" in (owner_alert.text or "")
    assert "Detractor: 3/10" in (admin_alert.text or "")
    for alert in (owner_alert, admin_alert):
        assert "Boris" in (alert.text or "") and "@boris" in (alert.text or "")
        assert "ORD-9" in (alert.text or "")
    assert admin_alert.button_labels == ["I'll handle it", "Resolved"]
    assert owner_alert.button_labels == ["Беру на себя", "Решено"]
    links = [e for e in admin_alert.entities if e.get("type") in ("text_link", "text_mention")]
    assert links, admin_alert.entities

    # the comment arrives: every copy is edited to show it
    customer.press(await customer.next_message(), "2")  # CSAT
    customer.press(await customer.next_message(), "No")  # not 100% satisfied
    await customer.next_message()  # "What should we fix?"
    customer.send_text("Cold coffee <b>twice</b>")
    edited = await harness.admin.wait_edited(admin_alert)
    assert "Cold coffee <b>twice</b>" in (edited.text or "")
    await harness.owner.wait_edited(owner_alert)

    update = harness.owner.press(harness.owner.message(owner_alert.message_id), "Беру на себя")
    assert (await harness.owner.callback_answer(update)).text == "Отмечено: этим занимаетесь вы."
    claimed = await harness.admin.wait_edited(edited)
    assert "Olga is handling it" in (claimed.text or "")
    assert claimed.button_labels == ["Resolved"]

    update = harness.admin.press(claimed, "Resolved")
    assert (await harness.admin.callback_answer(update)).text == "Marked as resolved."
    resolved = await harness.admin.wait_edited(claimed)
    assert "Resolved by Adam" in (resolved.text or "")
    assert resolved.button_labels == []
    assert await rows(harness, "SELECT score, claimed_by, resolved_by FROM alerts") == [
        (3, harness.owner.id, harness.admin.id)
    ]


async def test_promoters_and_passives_raise_no_alert(running: Harness) -> None:
    await _answer_nps(running, [7, 8, 9, 10])
    await asyncio.sleep(0.5)
    assert running.owner.pending_messages() == []
    assert await rows(running, "SELECT COUNT(*) FROM alerts") == [(0,)]


async def test_an_open_alert_is_reminded_once(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    harness.clock = clock
    await harness.start()
    await _owner_started(harness)
    await _answer_nps(harness, [0])
    alert = await harness.owner.next_message()
    clock.now += timedelta(hours=23)
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []
    clock.now += timedelta(hours=2)
    reminder = await harness.owner.next_message()
    assert "ждёт уже 24 часа" in (reminder.text or "")
    clock.now += timedelta(hours=48)
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []
    assert alert.button_labels  # still open, the buttons stay


async def test_scheduled_digest_fires_once_at_its_slot_and_after_a_restart(
    harness: Harness,
) -> None:
    # Sunday 2026-11-29 20:00 in Moscow; the digest is due Monday 09:00 Moscow (06:00 UTC).
    clock = FakeClock(datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    harness.clock = clock
    harness.overrides["digest_schedule"] = "mon 09:00"
    await harness.start()
    await _owner_started(harness)
    await _answer_nps(harness, [10, 9])
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []  # nothing owed before the first slot

    clock.now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    digest = await harness.owner.next_message()
    assert "Сводка за неделю" in (digest.text or "")
    assert "23—29 нояб. 2026\u202fг." in (digest.text or "")
    assert "NPS 100" in (digest.text or "")
    assert (await harness.owner.next_message()).photo is not None
    await asyncio.sleep(TICKS)
    await harness.restart()
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []  # once, even across a restart

    # the bot is down through the next slot and comes back on Tuesday: sent once, late
    await harness.stop()
    clock.now = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    await harness.start()
    late = await harness.owner.next_message()
    assert "30 нояб. — 6 дек. 2026\u202fг." in (late.text or "")
    assert "Тихий период" in (late.text or "")
    await harness.owner.next_message()  # its chart
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []
    assert await rows(harness, "SELECT COUNT(*) FROM digests WHERE sent_at IS NOT NULL") == [(2,)]


async def test_the_digest_chart_is_begun_at_once_and_dropped_if_the_text_is_refused(
    running: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _owner_started(running)
    charts_started = sleeping_children(monkeypatch)  # a chart that would take a minute
    running.owner.block_bot()
    running.owner.send_text("/digest")

    async def chart_dropped() -> bool:
        return charts_started != [] and charts_started[0].returncode is not None

    # begun with the text; killed and reaped once Telegram refused the text (403)
    await eventually(chart_dropped, within=10)
    assert len(charts_started) == 1
    running.owner.unblock_bot()
    await running.emulator.wait_idle()
    assert running.owner.pending_messages() == []


async def test_a_scheduled_digest_the_owner_refuses_is_not_sent_later(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    harness.clock = clock
    harness.overrides["digest_schedule"] = "mon 09:00"
    await harness.start()
    await _owner_started(harness)
    harness.owner.block_bot()
    await asyncio.sleep(TICKS)  # the first check: digests are owed from here on

    async def refusal_recorded() -> bool:
        assert child_processes(*charts.WORKER) == []  # no chart before the text is out
        done = "SELECT COUNT(*) FROM digests WHERE sent_at IS NOT NULL"
        return await rows(harness, done) == [(1,)]

    clock.now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    await eventually(refusal_recorded, within=15)
    harness.owner.unblock_bot()
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []  # refused for this week: not retried


@pytest.mark.parametrize("period", ["", "7d", "30d", "90d", "all"])
async def test_stats_gives_the_headline_figures(running: Harness, period: str) -> None:
    await _answer_nps(running, NPS_SCORES)
    running.owner.drain()
    reply = await admin_says(running, f"/stats {period}".strip())
    text = reply.text or ""
    assert "NPS 20" in text and "answers: 10" in text
    assert "Purchases: 10 · customers: 10" in text
    assert "Average check: RUB1,004.50" in text  # (1000 + … + 1009) / 10


@pytest.mark.parametrize("args", ["week", "7", "1y", "Main street"])
async def test_stats_refuses_unknown_periods(running: Harness, args: str) -> None:
    reply = await admin_says(running, f"/stats {args}")
    assert "Usage: /stats [7d|30d|90d|all] [store]" in (reply.text or "")


async def test_stats_of_a_store_no_purchase_named_says_so(running: Harness) -> None:
    reply = await admin_says(running, "/stats 7d 30d")
    assert "No store is called «30d». /stores lists them." in (reply.text or "")


async def test_stats_all_on_an_empty_database(running: Harness) -> None:
    reply = await admin_says(running, "/stats all")
    assert "Nothing recorded yet" in (reply.text or "")


async def _full_survey(harness: Harness, name: str, fix: str, upsell: str, referral: str) -> None:
    customer = await started_customer(harness, first_name=name, language_code="ru")
    await purchase(harness, customer, "2500 R-77")
    customer.press(await customer.next_message(), "4")
    customer.press(await customer.next_message(), "5")
    customer.press(await customer.next_message(), "Нет")
    await customer.next_message()
    customer.send_text(fix)
    await customer.next_message()
    customer.send_text(upsell)
    await customer.next_message()
    customer.send_text(referral)
    await customer.next_message()  # thank you


async def _export(harness: Harness, args: str, files: int) -> list[BotMessage]:
    """`/export args`: the bot says it is working on it, then sends `files` messages."""
    working = await admin_says(harness, f"/export {args}")
    assert working.text == "Preparing the export…"
    return await harness.admin.next_messages(files, timeout=15)


async def test_export_xlsx_opens_and_holds_every_answer(running: Harness) -> None:
    await _answer_nps(running, NPS_SCORES)
    await _full_survey(running, "Вера", "Холодный кофе", '=HYPERLINK("x")', "Сосед Пётр")
    running.owner.drain()
    [document] = await _export(running, "xlsx", files=1)
    assert document.document_name == "feedback.xlsx" and document.document is not None
    book = openpyxl.load_workbook(io.BytesIO(document.document))
    assert book.sheetnames == ["About", "Surveys", "Purchases", "Referrals", "Leads"]
    surveys = list(book["Surveys"].values)
    header = surveys[0]
    records = [dict(zip(header, row, strict=True)) for row in surveys[1:]]
    assert [r["NPS (0–10)"] for r in records] == [*NPS_SCORES, 4]  # every survey, every score
    assert [r["Satisfaction (1–5)"] for r in records] == [None] * 10 + [5]
    record = records[-1]
    assert record["First name"] == "Вера" and record["Order"] == "R-77"
    assert (record["100% satisfied"], record["Status"]) == ("no", "completed")
    assert record["What to fix"] == "Холодный кофе"
    assert record["What else to offer"] == '\'=HYPERLINK("x")'  # never a live formula
    assert record["Recommends"] == "Сосед Пётр"
    assert isinstance(record["Purchased"], datetime)  # a date Excel sorts and groups
    purchases = list(book["Purchases"].values)
    assert len(purchases) == 12  # header and 11 purchases
    assert dict(zip(purchases[0], purchases[-1], strict=True))["Amount"] == 2500
    referrals = list(book["Referrals"].values)
    assert referrals[1][referrals[0].index("Note")] == "Сосед Пётр"
    header, *rows = book["Leads"].values
    leads = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(lead["Kind"], lead["Status"], lead["First name"], lead["Text"]) for lead in leads] == [
        ("what to fix", "open", "Вера", "Холодный кофе"),
        ("wish", "open", "Вера", '\'=HYPERLINK("x")'),
        ("referral", "open", "Вера", "Сосед Пётр"),
    ]
    assert all(lead["Order"] == "R-77" and lead["Recorded"] for lead in leads)


async def test_export_csv_is_four_files_excel_reads_as_utf8(running: Harness) -> None:
    await _full_survey(running, "Вера", "Холодный кофе", "Десерты", "Сосед Пётр")
    running.owner.drain()
    files = await _export(running, "csv", files=4)
    assert [f.document_name for f in files] == [
        "surveys.csv",
        "purchases.csv",
        "referrals.csv",
        "leads.csv",
    ]
    assert all(f.document is not None and f.document.startswith(b"\xef\xbb\xbf") for f in files)
    assert files[0].document is not None
    table = list(csv.DictReader(io.StringIO(files[0].document.decode("utf-8-sig")), delimiter=";"))
    assert len(table) == 1
    assert table[0]["what_to_fix"] == "Холодный кофе" and table[0]["upsell"] == "Десерты"
    assert table[0]["nps"] == "4"


async def test_export_is_one_moment_of_data_while_the_bot_writes_on(running: Harness) -> None:
    anna, boris = await started_customer(running, "Anna"), await started_customer(running, "Boris")
    await purchase(running, anna, "100 A-1")
    with exports.snapshot(running.database_path) as tables:
        surveys = iter(tables[0].rows)
        first = next(surveys)  # the export has begun
        await purchase(running, boris, "200 B-1")  # the bot is not held up by the export
        exported = [first, *surveys], list(tables[1].rows)
    assert [len(table) for table in exported] == [1, 1]
    assert exported[1][0][PURCHASE_HEADERS.index("order_id")] == "A-1"
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(2,)]


async def test_an_export_over_telegrams_file_limit_is_refused_clearly(
    running: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _full_survey(running, "Вера", "Холодный кофе", "Десерты", "Сосед Пётр")
    running.owner.drain()
    monkeypatch.setattr(export, "UPLOAD_LIMIT", 300)  # bytes: the surveys file is larger
    [refusal] = await _export(running, "csv", files=1)
    assert refusal.document is None
    assert "over the 0.0 MB Telegram lets a bot send" in (refusal.text or "")
    assert "/export xlsx is compressed" in (refusal.text or "")  # the smaller format
    [refusal] = await _export(running, "xlsx", files=1)
    assert "python -m bot backup" in (refusal.text or "")
    assert "/export xlsx" not in (refusal.text or "")
    assert running.admin.pending_messages() == []

    async def files_removed() -> bool:
        return list(running.database_path.parent.glob("*.export-*")) == []

    await eventually(files_removed)


async def test_an_export_folder_a_kill_left_behind_is_removed_at_start(harness: Harness) -> None:
    stale = harness.database_path.parent / f"{harness.database_path.name}.export-x1"
    stale.mkdir(parents=True)
    (stale / "surveys.csv").write_text("customer data")
    other = harness.database_path.parent / "other.db.export-x2"  # another bot's database
    other.mkdir()
    await harness.start()
    assert not stale.exists() and other.exists()


def _export_processes(harness: Harness) -> list[int]:
    """The pids of the export processes running on this test's database."""
    return child_processes("-c", str(harness.database_path))


def _export_waiting_for(monkeypatch: pytest.MonkeyPatch, go: Path) -> None:
    """Export processes write only once the file `go` exists: a large database, as the bot
    sees it."""
    wait_then_export = (
        "import pathlib, runpy, time\n"
        f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.05)\n"
        "runpy.run_module('storage.export_worker', run_name='__main__')"
    )
    monkeypatch.setattr(export_files, "WORKER", ("-c", wait_then_export))


async def test_a_long_export_holds_back_no_customer(
    running: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    _export_waiting_for(monkeypatch, go)
    customer = await started_customer(running)
    await purchase(running, customer)
    question = await customer.next_message()
    assert (await admin_says(running, "/export csv")).text == "Preparing the export…"
    customer.press(question, "9")  # polled after the export's update: not held back by it
    assert "How satisfied" in ((await customer.next_message(timeout=5)).text or "")
    assert running.admin.pending_messages() == []  # the export is still being written
    go.touch()
    files = await running.admin.next_messages(4, timeout=15)
    assert [f.document_name for f in files] == [
        "surveys.csv",
        "purchases.csv",
        "referrals.csv",
        "leads.csv",
    ]


async def test_a_stop_ends_an_export_at_once_and_says_so(
    running: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _export_waiting_for(monkeypatch, tmp_path / "never")
    assert (await admin_says(running, "/export")).text == "Preparing the export…"

    async def export_running() -> bool:
        return _export_processes(running) != []

    await eventually(export_running)
    async with asyncio.timeout(5):
        await running.stop()
    stopped = await running.admin.next_message()
    assert "the export stopped" in (stopped.text or "")
    assert running.admin.pending_messages() == []
    assert _export_processes(running) == []  # ended with the bot, and its folder removed
    assert list(running.database_path.parent.glob("*.export-*")) == []


async def test_export_refuses_unknown_formats(running: Harness) -> None:
    reply = await admin_says(running, "/export pdf")
    assert "Usage: /export [csv|xlsx]" in (reply.text or "")


async def test_an_alert_that_could_not_be_sent_is_sent_later(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    harness.clock = clock
    await harness.start()
    await _owner_started(harness)
    harness.owner.block_bot()
    await _answer_nps(harness, [2])
    await asyncio.sleep(0.5)
    assert await rows(harness, "SELECT COUNT(*) FROM alerts") == [(1,)]
    assert await rows(harness, "SELECT COUNT(*) FROM alert_messages") == [(0,)]
    harness.owner.unblock_bot()
    clock.now += timedelta(minutes=2)
    alert = await harness.owner.next_message()
    assert "Недовольный клиент: 2/10" in (alert.text or "")
    await asyncio.sleep(TICKS)
    assert harness.owner.pending_messages() == []  # one copy only
