"""The files `/export` sends, written into a folder from one snapshot of the database.

Rows go from the database to the file as they are read, so memory stays flat however many
surveys there are (bench/footprint.py measures it on 200,000)."""

from __future__ import annotations

import threading
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
