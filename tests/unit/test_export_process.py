"""Exports written by a child process: the files and counts it reports, its temporary files
kept in the export's folder, and a failure, a stop or a cancel leave no process behind."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.reports import export_process as export_files
from bot.reports.export_process import ExportFailed, ExportStopped, write_export
from bot.reports.export_words import presentation
from storage import export_worker
from storage.database import Database
from tests.helpers import sleeping_children

SHOWN = presentation("ru", "Europe/Moscow", datetime(2026, 12, 6, tzinfo=UTC))


def _child_runs(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setattr(export_files, "WORKER", ("-c", code))


async def test_csv_export_reports_the_files_it_wrote(db: Database, tmp_path: Path) -> None:
    files = await write_export(db.path, "csv", tmp_path, asyncio.Event(), SHOWN)
    assert [p.name for p in files.paths] == [
        "surveys.csv",
        "purchases.csv",
        "referrals.csv",
        "leads.csv",
    ]
    assert all(p.parent == tmp_path and p.read_bytes().count(b"\n") == 1 for p in files.paths)
    assert (files.surveys, files.purchases, files.referrals, files.leads) == (0, 0, 0, 0)


async def test_xlsx_export_is_one_workbook_in_the_owners_words(
    db: Database, tmp_path: Path
) -> None:
    files = await write_export(db.path, "xlsx", tmp_path, asyncio.Event(), SHOWN)
    assert [p.name for p in files.paths] == ["feedback.xlsx"]
    assert load_workbook(files.paths[0], read_only=True).sheetnames == [
        "О выгрузке",
        "Опросы",
        "Покупки",
        "Рекомендации",
        "Лиды",
    ]


def test_the_workbooks_scratch_files_are_made_in_the_exports_folder(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So a kill mid-write leaves them where the next start removes them, not in /tmp."""
    asyncio.run(_created(db_path))
    folder = tmp_path / "feedback.db.export-1"
    folder.mkdir()
    words = folder / "words.json"
    shown = presentation("en", "UTC", datetime(2026, 12, 6, tzinfo=UTC))
    words.write_text(json.dumps(shown.to_json()))
    made: list[Path] = []
    real_mkstemp = tempfile.mkstemp

    def recording(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, name = real_mkstemp(*args, **kwargs)
        made.append(Path(name))
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", recording)
    monkeypatch.setattr(tempfile, "tempdir", None)  # restored after the worker sets it
    argv = ["export_worker", str(db_path), "xlsx", str(folder), str(words)]
    monkeypatch.setattr(sys, "argv", argv)
    export_worker.main()
    assert len(made) >= 5  # a sheet's rows each, and the parts of the file
    assert all(folder in path.parents for path in made)
    assert {path.name for path in folder.iterdir()} == {"feedback.xlsx", "words.json"}


async def _created(path: Path) -> None:
    await (await Database.open(path)).close()


async def test_a_failing_process_is_an_error_naming_only_the_kind_of_failure(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _child_runs(
        monkeypatch,
        "import sys; sys.stderr.write('Traceback\\nValueError: Иван Петров, +79161234567\\n');"
        " sys.exit(1)",
    )
    caplog.set_level(logging.DEBUG, logger="bot.reports.export_process")
    with pytest.raises(ExportFailed) as failure:
        await write_export(db.path, "csv", tmp_path, asyncio.Event(), SHOWN)
    assert str(failure.value) == "the export process exited with 1 (ValueError)"
    [said] = caplog.records
    assert said.levelno == logging.DEBUG and "Иван Петров" in said.getMessage()


@pytest.mark.parametrize("output", [b"", b"not json", b'{"files": ["a.csv"]}', b"[1, 2]"])
async def test_a_process_that_gives_no_account_of_its_files_is_an_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: bytes
) -> None:
    _child_runs(monkeypatch, f"import sys; sys.stdout.buffer.write({output!r})")
    with pytest.raises(ExportFailed, match=r"exited with 0 \(no error\)"):
        await write_export(db.path, "csv", tmp_path, asyncio.Event(), SHOWN)


async def test_a_stop_ends_the_process_at_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned = sleeping_children(monkeypatch)
    stopping = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, stopping.set)
    async with asyncio.timeout(5):
        with pytest.raises(ExportStopped):
            await write_export(db.path, "csv", tmp_path, stopping, SHOWN)
    assert spawned[0].returncode is not None  # killed and reaped


async def test_a_cancelled_export_ends_its_process_before_it_returns(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned = sleeping_children(monkeypatch)
    export = asyncio.ensure_future(write_export(db.path, "csv", tmp_path, asyncio.Event(), SHOWN))
    await asyncio.sleep(0.3)
    export.cancel()
    async with asyncio.timeout(5):
        with pytest.raises(asyncio.CancelledError):
            await export
    assert spawned[0].returncode is not None


def test_the_worker_refuses_a_format_it_does_not_write(db_path: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export_worker.write_files(db_path, "pdf", tmp_path, SHOWN)
