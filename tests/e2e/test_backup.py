"""Backups: `python -m bot backup <file>` while the bot runs, and `python -m bot restore
<file>` with the bot stopped; one process at a time owns the database."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import create_app
from bot.staff import backup
from core.clock import to_db, utc_now
from sandbox import BotMessage, EmulatedUser
from storage.backup import BackupError, backup_database
from storage.instance_lock import DatabaseInUse
from tests.e2e.conftest import Harness
from tests.e2e.steps import (
    admin_says,
    finish_survey,
    owner_says,
    press_and_next,
    purchase,
    rows,
    started_customer,
)
from tests.helpers import FakeClock, eventually

SEEDED = (
    "alerts",
    "alert_messages",
    "referrals",
    "reward_codes",
    "processed_updates",
)
"""Tables `_survey_with_everything` must fill, so that comparing them proves something."""


async def backup_cli(database: Path, *args: str) -> tuple[int, str]:
    return await bot_cli(database, "backup", *args)


async def restore_cli(database: Path, *args: str) -> tuple[int, str]:
    return await bot_cli(database, "restore", *args)


async def bot_cli(database: Path, command: str, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "DATABASE_PATH": str(database),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        command,
        *args,
        cwd=database.parent,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, output.decode().strip()


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the schema, as read from the file itself: a table a
    migration adds is compared without this test knowing of it. SQLite's own bookkeeping
    (sqlite_stat1 and the like) is not our data."""
    with sqlite3.connect(path) as conn:
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        ).fetchall()
        found = {
            table: conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for (table,) in tables
        }
    conn.close()
    return found


async def _completed_survey(running: Harness) -> EmulatedUser:
    """A customer who bought (order A-1) and answered the whole survey."""
    customer = await started_customer(running)
    await purchase(running, customer, "1500 A-1")
    await finish_survey(customer)
    return customer


async def _survey_with_everything(running: Harness) -> EmulatedUser:
    """A detractor's survey that fills every table a backup must carry: the owner's alert
    (with its copy and the comment), a referral, a reward code from the pool, the updates
    handled and a staff dialogue's FSM state."""
    assert running.app is not None
    owner = running.owner
    owner.send_text("/start")
    await owner.next_message()
    assert "добавлено кодов: 7" in await owner_says(
        running, "/reward pool " + " ".join(f"GIFT-{n}" for n in range(7))
    )  # more than reward_notice.LOW: no notice comes between the owner's messages
    customer = await started_customer(running)
    await purchase(running, customer, "1500 A-1")
    message = await customer.next_message()
    message = await press_and_next(customer, message, "3")  # a detractor
    alert = await owner.next_message()
    for label in ("2", "No"):
        message = await press_and_next(customer, message, label)
    customer.send_text("Cold coffee")
    await owner.wait_edited(alert)
    await press_and_next(customer, await customer.next_message(), "No, thanks")
    customer.send_contact("+79001234567", first_name="Ivan")
    assert "GIFT-0" in ((await customer.next_message()).text or "")
    await running.emulator.wait_idle()
    return customer


async def test_backup_while_the_bot_writes_then_restore_holds_everything(
    running: Harness, tmp_path: Path
) -> None:
    customer = await _survey_with_everything(running)
    assert running.app is not None
    db = running.app.db

    async def keep_writing() -> int:  # another writer busy during the copy
        written = 0
        while not copied.done():
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    (f"load-{written}", to_db(utc_now())),
                )
            written += 1
            await asyncio.sleep(0)
        return written

    copy = tmp_path / "backups" / "copy.db"
    copied = asyncio.ensure_future(backup_cli(running.database_path, str(copy)))
    written = await keep_writing()
    code, output = await copied
    assert code == 0 and output.startswith(f"Backup written to {copy}"), output
    assert written > 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()

    await running.stop()
    original = contents(running.database_path)
    restored = contents(copy)
    assert [table for table in SEEDED if not original.get(table)] == []
    assert {k: v for k, v in restored.items() if k != "meta"} == {
        k: v for k, v in original.items() if k != "meta"
    }
    snapshot = {int(str(key)[5:]) for key, _ in restored["meta"] if str(key).startswith("load-")}
    assert snapshot == set(range(len(snapshot)))  # one snapshot: the writes up to a moment
    assert set(restored["meta"]) <= set(original["meta"])

    # Restoring is copying the file to DATABASE_PATH with the bot stopped.
    running.database_path = tmp_path / "restored" / "feedback.db"
    running.database_path.parent.mkdir()
    running.database_path.write_bytes(copy.read_bytes())
    await running.start()
    assert await rows(running, "SELECT status, step FROM surveys") == [("completed", "done")]
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(6,)]
    await purchase(running, customer, "700 A-2")  # the restored bot works on
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(2,)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "Usage: python -m bot backup <file>"),
        (("a.db", "b.db"), "Usage: python -m bot backup <file>"),
    ],
)
async def test_backup_command_usage(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    assert await backup_cli(tmp_path / "feedback.db", *args) == (2, expected)


async def test_backup_of_a_missing_database_is_one_clear_line(tmp_path: Path) -> None:
    code, output = await backup_cli(tmp_path / "nothing.db", str(tmp_path / "copy.db"))
    assert (
        code == 2 and output == f"Backup failed: there is no database at {tmp_path / 'nothing.db'}"
    )
    assert not (tmp_path / "nothing.db").exists() and not (tmp_path / "copy.db").exists()


def test_backup_refuses_to_overwrite_the_database_or_copy_a_stranger(tmp_path: Path) -> None:
    stranger = tmp_path / "other.db"
    sqlite3.connect(stranger).close()
    with pytest.raises(BackupError, match="not a feedback bot database"):
        backup_database(stranger, tmp_path / "copy.db")
    with pytest.raises(BackupError, match="cannot overwrite the database itself"):
        backup_database(stranger, stranger)
    assert not (tmp_path / "copy.db").exists()
    assert not (tmp_path / "copy.db.partial").exists()


async def test_owners_get_a_backup_in_the_chat_and_no_one_else_does(
    running: Harness, tmp_path: Path
) -> None:
    customer = await started_customer(running)
    await purchase(running, customer, "1200 B-1")
    assert "recommend us" in ((await customer.next_message()).text or "")
    running.owner.send_text("/backup")
    sent = await running.owner.next_message()
    assert sent.document is not None and (sent.document_name or "").endswith(".db")
    assert "Резервная копия" in (sent.caption or "")
    assert "python -m bot restore" in (sent.caption or "")
    copy = tmp_path / "from-chat.db"
    copy.write_bytes(sent.document)
    assert contents(copy)["purchases"] == contents(running.database_path)["purchases"]

    refused = await admin_says(running, "/backup")
    assert "Only owners can take a backup" in (refused.text or "")
    customer.send_text("/backup")
    assert "for staff only" in ((await customer.next_message()).text or "")


async def test_a_backup_over_telegrams_file_limit_says_how_to_take_it_on_the_server(
    running: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup, "UPLOAD_LIMIT", 1024)  # bytes: any database is larger
    running.owner.send_text("/backup")
    refusal = await running.owner.next_message()
    assert refusal.document is None
    assert "python -m bot backup" in (refusal.text or "")
    assert running.owner.pending_messages() == []


def _copy_with_companions(database: Path, folder: Path) -> Path:
    """The file as a crash leaves it: the database with its -wal and -shm beside it."""
    folder.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{database}{suffix}")
        if source.exists():
            Path(f"{folder / database.name}{suffix}").write_bytes(source.read_bytes())
    return folder / database.name


def _companions(database: Path) -> dict[str, int]:
    """The sizes of the -wal and -shm files beside `database`, those that exist."""
    found = {suffix: Path(f"{database}{suffix}") for suffix in ("-wal", "-shm")}
    return {suffix: path.stat().st_size for suffix, path in found.items() if path.exists()}


async def test_restore_over_a_crashed_database_keeps_it_aside_and_never_mixes_in_its_wal(
    running: Harness, tmp_path: Path
) -> None:
    customer = await _completed_survey(running)
    copy = tmp_path / "copy.db"
    assert (await backup_cli(running.database_path, str(copy)))[0] == 0
    await purchase(running, customer, "700 A-2")  # after the backup: in the WAL only
    crashed = _copy_with_companions(running.database_path, tmp_path / "crashed")
    assert _companions(crashed)["-wal"] > 0

    code, output = await restore_cli(crashed, str(copy))
    assert code == 0 and output.startswith(f"Restored {copy} to {crashed}"), output
    assert _companions(crashed) == {}
    assert contents(crashed) == contents(copy)  # the old WAL did not leak into it
    [kept] = crashed.parent.glob("feedback.db.before-restore-*[0-9]")
    assert f"kept as {kept}" in output
    assert _companions(kept)["-wal"] > 0  # the replaced file kept its WAL, A-2 in it
    orders = "SELECT order_id FROM purchases ORDER BY id"

    await running.stop()
    running.database_path = crashed
    await running.start()
    assert await rows(running, orders) == [("A-1",)]
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(5,)]

    await running.stop()  # nothing was lost: the kept file, with its WAL, comes back
    code, output = await restore_cli(crashed, str(kept))
    assert code == 0, output
    with sqlite3.connect(crashed) as conn:
        assert conn.execute(orders).fetchall() == [("A-1",), ("A-2",)]
    conn.close()
    assert len(list(crashed.parent.glob("feedback.db.before-restore-*[0-9]"))) == 2


async def test_restore_is_refused_while_the_bot_runs_and_for_files_that_are_no_backup(
    running: Harness, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    assert (await backup_cli(running.database_path, str(copy)))[0] == 0
    code, output = await restore_cli(running.database_path, str(copy))
    assert (code, output.endswith("stop the bot first")) == (2, True), output
    await running.stop()
    before = running.database_path.read_bytes()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    for bad, reason in (
        (garbage, "is not a readable SQLite database"),
        (empty, "is not a feedback bot database"),
        (tmp_path / "missing.db", "there is no backup file"),
    ):
        code, output = await restore_cli(running.database_path, str(bad))
        assert code == 2 and reason in output, output
    assert await restore_cli(running.database_path) == (2, "Usage: python -m bot restore <file>")
    assert running.database_path.read_bytes() == before  # nothing changed


async def test_a_second_bot_on_the_same_database_is_refused(running: Harness) -> None:
    with pytest.raises(DatabaseInUse, match="is using"):
        await create_app(running.settings())
    await running.stop()
    await running.start()  # the lock went with the first bot


# --- BACKUP_SCHEDULE ------------------------------------------------------------------------


def _copies(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.db"))


def _checked(copy: Path) -> int:
    """The copy opens, passes its integrity check and holds the customers; how many."""
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = int(conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0])
    conn.close()
    return count


async def test_scheduled_backups_rotate_and_each_is_checked(
    harness: Harness, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))  # 04:30 in Moscow
    folder = tmp_path / "copies"
    harness.clock = clock
    harness.overrides = {
        "backup_schedule": "daily 03:00",
        "backup_dir": str(folder),
        "backup_keep": "2",
    }
    app = await harness.start()
    await eventually(lambda: _made(folder, 1))  # this morning's slot, missed while down
    await app.jobs.back_up()  # the same slot again: nothing new
    assert _copies(folder) == ["feedback-20261201-0430.db"]
    (folder / "notes.txt").write_text("the owner's own file")
    for day in (2, 3, 4):
        await started_customer(harness, f"Day{day}")
        clock.now += timedelta(days=1)
        await app.jobs.back_up()
    assert _copies(folder) == ["feedback-20261203-0430.db", "feedback-20261204-0430.db"]
    assert [_checked(folder / name) for name in _copies(folder)] == [2, 3]
    assert (folder / "notes.txt").exists()  # only its own copies are rotated


async def _message_saying(person: EmulatedUser, words: str) -> BotMessage:
    """The first message to `person` that says `words`, whatever came before it."""
    while True:
        message = await person.next_message(timeout=10)
        if words in (message.text or ""):
            return message


async def _made(folder: Path, count: int) -> bool:
    return len(_copies(folder)) == count


async def test_a_failing_scheduled_backup_tells_the_owners_once(
    harness: Harness, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    harness.clock = clock
    harness.overrides = {"backup_schedule": "daily 03:00", "backup_dir": str(blocked / "x")}
    harness.owner.send_text("/start")  # the owner's chat is open when the bot starts
    app = await harness.start()
    notice = await _message_saying(harness.owner, str(blocked))  # the copy at start failed
    assert "backup" in (notice.text or "").lower() or "копия" in (notice.text or "")
    await asyncio.sleep(0.3)
    harness.owner.drain()  # the welcome, whichever came first
    clock.now += timedelta(days=1)
    await app.jobs.back_up()  # fails again: logged, the owners are not told twice
    await asyncio.sleep(0.2)
    assert harness.owner.pending_messages() == []

    blocked.unlink()
    clock.now += timedelta(days=1)
    await app.jobs.back_up()
    recovered = await harness.owner.next_message()
    assert _copies(blocked / "x") == ["feedback-20261203-0430.db"]
    assert str(blocked / "x" / "feedback-20261203-0430.db") in (recovered.text or "")
