"""`python -m storage.export_worker DATABASE FORMAT FOLDER [WORDS]`: one export's files,
written into FOLDER from one snapshot of DATABASE, and their names and row counts as JSON
on stdout. WORDS is a JSON file of the workbook's headers and words in the owner's language
and the owner's time zone (analytics.owner_workbook.Presentation); CSV files keep the machine
names and UTC, with a `_local` column beside each `_utc` one.

The bot writes its exports in this short-lived process (bot/reports/export_process.py says why).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TypedDict
from zoneinfo import ZoneInfo

from analytics.export import with_local_times, write_csv
from analytics.owner_workbook import Presentation, write_owner_xlsx
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


def write_files(
    database: Path, export_format: str, folder: Path, shown: Presentation | None = None
) -> WrittenExport:
    """One XLSX workbook (in `shown`'s words), or one CSV file per table."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export_format!r}")
    if shown is None:
        raise ValueError("the export needs its words and the owner's time zone")
    with exports.snapshot(database) as tables:
        if export_format == "xlsx":
            names = ["feedback.xlsx"]
            counts = write_owner_xlsx(tables, folder / names[0], shown)
        else:
            names, counts = [], []
            tz = ZoneInfo(shown.timezone)
            for table in tables:
                names.append(f"{table.name}.csv")
                with (folder / names[-1]).open("wb") as target:
                    counts.append(write_csv(with_local_times(table, tz), target))
    surveys, purchases, referrals, leads = counts
    return {
        "files": names,
        "surveys": surveys,
        "purchases": purchases,
        "referrals": referrals,
        "leads": leads,
    }


def main() -> None:
    database, export_format, folder, *words = sys.argv[1:]
    # The workbook's writer keeps each sheet in a temporary file first, named by itself: in
    # the export's folder they go with it, or at the bot's next start if this is killed.
    tempfile.tempdir = folder
    shown = Presentation.from_json(json.loads(Path(words[0]).read_text())) if words else None
    written = write_files(Path(database), export_format, Path(folder), shown)
    json.dump(written, sys.stdout)


if __name__ == "__main__":
    main()
