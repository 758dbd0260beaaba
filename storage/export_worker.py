"""`python -m storage.export_worker DATABASE FORMAT FOLDER`: one export's files, written into
FOLDER from one snapshot of DATABASE, and their names and row counts as JSON on stdout.

The bot writes its exports in this short-lived process (bot/reports/export_process.py says why).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TypedDict

from analytics.export import write_csv, write_xlsx
from storage import exports

EXPORT_FORMATS = ("xlsx", "csv")
"""The first is what `/export` alone gives."""


class WrittenExport(TypedDict):
    files: list[str]
    """Names inside the folder, in the order they are sent."""
    surveys: int
    purchases: int
    referrals: int
    leads: int


def write_files(database: Path, export_format: str, folder: Path) -> WrittenExport:
    """One XLSX workbook, or one CSV file per table."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export_format!r}")
    with exports.snapshot(database) as tables:
        if export_format == "xlsx":
            names = ["feedback.xlsx"]
            counts = write_xlsx(tables, folder / names[0])
        else:
            names, counts = [], []
            for table in tables:
                names.append(f"{table.name}.csv")
                with (folder / names[-1]).open("wb") as target:
                    counts.append(write_csv(table, target))
    surveys, purchases, referrals, leads = counts
    return {
        "files": names,
        "surveys": surveys,
        "purchases": purchases,
        "referrals": referrals,
        "leads": leads,
    }


def main() -> None:
    database, export_format, folder = sys.argv[1:]
    # openpyxl writes each sheet to a temporary file first, named by itself: in the export's
    # folder they are removed with it, or at the bot's next start if this process is killed.
    tempfile.tempdir = folder
    written = write_files(Path(database), export_format, Path(folder))
    json.dump(written, sys.stdout)


if __name__ == "__main__":
    main()
