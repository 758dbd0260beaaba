"""Exports written by a child process: the files and counts it reports, its temporary files
kept in the export's folder, and a failure, a stop or a cancel leave no process behind."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from bot.reports import export_process as export_files
from bot.reports.export_process import ExportFailed, ExportStopped, write_export
from storage import export_worker
from storage.database import Database
from tests.helpers import sleeping_children


def _child_runs(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setattr(export_files, "WORKER", ("-c", code))


async def test_csv_export_reports_the_files_it_wrote(db: Database, tmp_path: Path) -> None:
    files = await write_export(db.path, "csv", tmp_path, asyncio.Event())
    assert [p.name for p in files.paths] == [
        "surveys.csv",
        "purchases.csv",
        "referrals.csv",
        "leads.csv",
    ]
    assert all(p.parent == tmp_path and p.read_bytes().count(b"\n") == 1 for p in files.paths)
    assert (files.surveys, files.purchases, files.referrals, files.leads) == (0, 0, 0, 0)


async def test_xlsx_export_is_one_workbook(db: Database, tmp_path: Path) -> None:
    files = await write_export(db.path, "xlsx", tmp_path, asyncio.Event())
    assert [p.name for p in files.paths] == ["feedback.xlsx"]
    assert load_workbook(files.paths[0], read_only=True).sheetnames == [
        "surveys",
        "purchases",
        "referrals",
        "leads",
    ]


def test_openpyxls_temporary_files_are_made_in_the_exports_folder(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So a kill mid-write leaves them where the next start removes them, not in /tmp."""
    asyncio.run(_created(db_path))
    folder = tmp_path / "feedback.db.export-1"
    folder.mkdir()
    made: list[Path] = []
    real_create = openpyxl_writer.create_temporary_file

    def recording(suffix: str = "") -> str:
        name = real_create(suffix)
        made.append(Path(name))
        return name

    monkeypatch.setattr(openpyxl_writer, "create_temporary_file", recording)
    monkeypatch.setattr(tempfile, "tempdir", None)  # restored after the worker sets it
    monkeypatch.setattr(sys, "argv", ["export_worker", str(db_path), "xlsx", str(folder)])
    export_worker.main()
    assert len(made) == 4  # one per sheet
    assert {path.parent for path in made} == {folder}


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
        await write_export(db.path, "csv", tmp_path, asyncio.Event())
    assert str(failure.value) == "the export process exited with 1 (ValueError)"
    [said] = caplog.records
    assert said.levelno == logging.DEBUG and "Иван Петров" in said.getMessage()


@pytest.mark.parametrize("output", [b"", b"not json", b'{"files": ["a.csv"]}', b"[1, 2]"])
async def test_a_process_that_gives_no_account_of_its_files_is_an_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: bytes
) -> None:
    _child_runs(monkeypatch, f"import sys; sys.stdout.buffer.write({output!r})")
    with pytest.raises(ExportFailed, match=r"exited with 0 \(no error\)"):
        await write_export(db.path, "csv", tmp_path, asyncio.Event())


async def test_a_stop_ends_the_process_at_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned = sleeping_children(monkeypatch)
    stopping = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, stopping.set)
    async with asyncio.timeout(5):
        with pytest.raises(ExportStopped):
            await write_export(db.path, "csv", tmp_path, stopping)
    assert spawned[0].returncode is not None  # killed and reaped


async def test_a_cancelled_export_ends_its_process_before_it_returns(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned = sleeping_children(monkeypatch)
    export = asyncio.ensure_future(write_export(db.path, "csv", tmp_path, asyncio.Event()))
    await asyncio.sleep(0.3)
    export.cancel()
    async with asyncio.timeout(5):
        with pytest.raises(asyncio.CancelledError):
            await export
    assert spawned[0].returncode is not None


def test_the_worker_refuses_a_format_it_does_not_write(db_path: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export_worker.write_files(db_path, "pdf", tmp_path)
