"""The files `/export` sends, written into a folder from one snapshot of the database.

Rows go from the database to the file as they are read, so memory stays flat however many
surveys there are (bench/footprint.py measures it on 200,000)."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analytics.export import write_csv, write_xlsx
from storage import exports

EXPORT_FORMATS = ("xlsx", "csv")
"""The first is what `/export` alone gives."""


@dataclass(frozen=True, slots=True)
class ExportFiles:
    paths: list[Path]
    surveys: int
    purchases: int
    referrals: int


def _folder_prefix(database: Path) -> str:
    return f"{database.name}.export-"


@contextmanager
def export_folder(database: Path) -> Iterator[Path]:
    """A folder for one export's files beside the database, removed afterwards.

    Beside the database rather than in /tmp: the files hold every customer's data, so they
    stay where that data lives (often not a RAM-backed /tmp), and a folder a kill left
    behind is found and removed at the next start (`remove_stale_export_folders`)."""
    with tempfile.TemporaryDirectory(prefix=_folder_prefix(database), dir=database.parent) as f:
        yield Path(f)


def remove_stale_export_folders(database: Path) -> int:
    """At start, with the database's lock held: no export of this database is running."""
    stale = list(database.parent.glob(_folder_prefix(database) + "*"))
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


def write_export(
    database: Path, export_format: str, folder: Path, stop: threading.Event
) -> ExportFiles:
    """One XLSX workbook, or one CSV file per table. Blocking: run it in a thread.

    ExportStopped once `stop` is set."""
    with exports.snapshot(database, stop) as tables:
        if export_format == "xlsx":
            workbook = folder / "feedback.xlsx"
            counts = write_xlsx(tables, workbook)
            paths = [workbook]
        else:
            paths, counts = [], []
            for table in tables:
                path = folder / f"{table.name}.csv"
                with path.open("wb") as target:
                    counts.append(write_csv(table, target))
                paths.append(path)
    surveys, purchases, referrals = counts
    return ExportFiles(paths, surveys, purchases, referrals)
