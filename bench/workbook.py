"""Which library writes the owner's workbook faster: the same cells, two writers.

    .venv/bin/python -m bench.workbook --rows 200000

A surveys sheet of `--rows` rows as the export holds it (22 columns: ids, names, an amount
with its currency's format, four datetimes, scores, free text), written once by the
bot's own writer (analytics.owner_workbook, XlsxWriter in constant memory) and once by
openpyxl in write-only mode with the same number formats. Only writing is timed: the
rows are made before. The whole export, database reading included, is bench/footprint.py's.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analytics.export import Table
from analytics.owner_workbook import Presentation, write_owner_xlsx
from storage.exports import SURVEY_HEADERS

MONEY_FORMAT = '#,##0.00 "₽"'
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"


def make_rows(count: int) -> list[list[object]]:
    rng = random.Random(1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows: list[list[object]] = []
    for index in range(count):
        at = start + timedelta(minutes=index)
        rows.append(
            [
                index,
                "completed",
                index // 3,
                10_000_000 + index,
                "Анна",
                "Петрова",
                "anna",
                "+79001234567",
                f"O{index}",
                "Main street",
                rng.randint(100, 90_000_000),
                "RUB",
                at,
                at + timedelta(hours=2),
                at + timedelta(hours=2, minutes=10),
                rng.randint(0, 10),
                rng.randint(1, 5),
                "yes",
                "холодный кофе" if index % 5 == 0 else None,
                "десерты" if index % 7 == 0 else "no",
                "no",
                at + timedelta(hours=2, minutes=10),
            ]
        )
    return rows


def with_xlsxwriter(rows: list[list[object]], target: Path) -> None:
    shown = Presentation(
        language="ru",
        timezone="Europe/Moscow",
        sheet_names={"about": "About", "surveys": "Surveys"},
        headers={},
        meanings={},
        values={},
        about=["Bench"],
        about_headers=("Sheet", "Column", "Meaning"),
    )
    write_owner_xlsx([Table("surveys", SURVEY_HEADERS, rows)], target, shown)


def with_openpyxl(rows: list[list[object]], target: Path) -> None:
    from zoneinfo import ZoneInfo

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    moscow = ZoneInfo("Europe/Moscow")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Surveys")
    sheet.freeze_panes = "A2"
    sheet.append(list(SURVEY_HEADERS))
    for row in rows:
        cells: list[object] = []
        for column, value in enumerate(row):
            if isinstance(value, datetime):
                local = value.astimezone(moscow).replace(tzinfo=None)
                cell = WriteOnlyCell(sheet, value=local)
                cell.number_format = DATETIME_FORMAT
                cells.append(cell)
            elif column == 10 and isinstance(value, int):
                cell = WriteOnlyCell(sheet, value=value / 100)
                cell.number_format = MONEY_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    sheet.auto_filter.ref = f"A1:V{len(rows) + 1}"
    workbook.save(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    rows = make_rows(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        for name, write in (("xlsxwriter", with_xlsxwriter), ("openpyxl", with_openpyxl)):
            target = Path(folder) / f"{name}.xlsx"
            begun = time.perf_counter()
            write(rows, target)
            seconds = time.perf_counter() - begun
            size = target.stat().st_size / 2**20
            print(f"{name}: {seconds:.1f} s for {args.rows} rows, {size:.1f} MiB")


if __name__ == "__main__":
    main()
