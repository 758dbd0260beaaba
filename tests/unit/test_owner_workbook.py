"""The workbook an owner filters and pivots: the owner's words, Excel's own types."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from analytics.export import MAX_SHEET_NAME, Table, to_csv
from analytics.owner_workbook import Presentation, write_owner_xlsx
from bot.reports.export_words import presentation
from tests.unit.test_export import ANSWERED, DANGEROUS, HEADERS, ROWS, read_csv

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _plain(tables: Sequence[Table], timezone: str = "UTC") -> Presentation:
    """The machine names as they are: what is tested is how cells are written."""
    return Presentation(
        language="en",
        timezone=timezone,
        sheet_names={"about": "About", **{table.name: table.name for table in tables}},
        headers={},
        meanings={},
        values={},
        about=["Export"],
        about_headers=("Sheet", "Column", "Meaning"),
    )


def to_xlsx(tables: Sequence[Table], shown: Presentation | None = None) -> bytes:
    buffer = io.BytesIO()
    write_owner_xlsx(tables, buffer, shown or _plain(tables))
    return buffer.getvalue()


def sheet(data: bytes, name: str) -> Worksheet:
    worksheet = load_workbook(io.BytesIO(data))[name]
    assert isinstance(worksheet, Worksheet)
    return worksheet


def rows_of(data: bytes, name: str) -> list[list[object]]:
    return [list(row) for row in sheet(data, name).iter_rows(values_only=True)]


def test_cells_keep_their_types_and_times_show_the_owners_clock() -> None:
    purchases = Table("purchases", ["order", "amount"], [["A-1", 1500]])
    data = to_xlsx([Table("surveys", HEADERS, ROWS), purchases])
    assert load_workbook(io.BytesIO(data)).sheetnames == ["About", "surveys", "purchases"]
    assert rows_of(data, "surveys") == [
        HEADERS,
        [
            1,
            "Всё отлично, спасибо!",
            10,
            4.5,
            datetime(2024, 11, 2, 12, 30, 45),
            datetime(2024, 11, 2),
        ],
        [2, 'Сказали "подождите", ждал 20 минут', 3, None, datetime(2024, 11, 2, 12, 30, 45), None],
        [3, "первая строка\nвторая строка", -5, 1.0, None, datetime(2024, 1, 31)],
    ]
    assert sheet(data, "surveys")["E2"].is_date and sheet(data, "surveys")["F2"].is_date
    assert rows_of(data, "purchases") == [["order", "amount"], ["A-1", 1500]]
    moscow = to_xlsx(
        [Table("surveys", HEADERS, ROWS)], _plain([Table("surveys", [], [])], "Europe/Moscow")
    )
    assert rows_of(moscow, "surveys")[1][4] == ANSWERED.replace(tzinfo=None, microsecond=0)


def test_every_sheet_has_a_bold_frozen_header_filters_and_sized_columns() -> None:
    long_text = "слово " * 100
    data = to_xlsx([Table("surveys", ["id", "comment", "x"], [[1, long_text, None], [2, "a", 3]])])
    surveys = sheet(data, "surveys")
    assert all(cell.font.b for cell in surveys[1]) and not surveys["A2"].font.b
    assert surveys.freeze_panes == "A2"
    assert surveys.auto_filter.ref == "A1:C3"
    widths = {key: dim.width for key, dim in surveys.column_dimensions.items()}
    assert widths["A"] < widths["B"] < 61  # capped at 60 characters, not 600


def test_text_is_never_a_formula_as_in_csv() -> None:
    rows = [[text, -5] for text in DANGEROUS]
    worksheet = sheet(to_xlsx([Table("t", ["text", "number"], rows)]), "t")
    for index, text in enumerate(DANGEROUS, start=2):
        cell = worksheet.cell(index, 1)
        assert cell.data_type == "s" and cell.value == ("'" + text).replace("\r", "\n")
        number = worksheet.cell(index, 2)
        assert number.data_type == "n" and number.value == -5
    csv_rows = read_csv(to_csv(Table("t", ["text", "number"], rows)))
    assert [row[0].replace("\r", "\n") for row in csv_rows[1:]] == [
        worksheet.cell(i, 1).value for i in range(2, 8)
    ]


def test_characters_xml_forbids_are_dropped() -> None:
    text = "a\x00b\x08c\x0bd\x0ce\x0ef\x1fg\th\ni\r\nj\rk"
    worksheet = sheet(to_xlsx([Table("t", ["text", "guarded"], [[text, "\x01=1+1"]])]), "t")
    assert worksheet["A2"].value == "abcdefg\th\ni\nj\nk"
    assert worksheet["B2"].value == "'=1+1"  # removing the character must not unmask a formula


def test_an_empty_table_is_its_header_and_a_large_one_every_row() -> None:
    assert rows_of(to_xlsx([Table("referrals", ["who", "whom"], [])]), "referrals") == [
        ["who", "whom"]
    ]
    row: list[object] = [1, "Хорошо, но долго", 9, 4.0, datetime(2024, 1, 1, tzinfo=UTC), None]
    table = Table("surveys", HEADERS, [[index, *row[1:]] for index in range(5_000)])
    worksheet = load_workbook(io.BytesIO(to_xlsx([table])), read_only=True)["surveys"]
    assert [values[0] for values in worksheet.iter_rows(min_row=2, values_only=True)] == list(
        range(5_000)
    )


def test_an_owner_reads_their_own_words_and_money() -> None:
    headers = ["purchase_id", "amount_minor", "currency", "source", "purchased_at_utc"]
    at = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)  # 6 December 00:30 in Moscow
    table = Table("purchases", headers, [[1, 150050, "RUB", "qr", at], [2, 1500, "JPY", "api", at]])
    shown = presentation("ru", "Europe/Moscow", NOW)
    data = to_xlsx([table], shown)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["О выгрузке", "Покупки"]
    purchases = workbook["Покупки"]
    assert [cell.value for cell in purchases[1]] == [
        "Покупка №",
        "Сумма",
        "Валюта",
        "Откуда покупка",
        "Дата покупки",
    ]
    assert [cell.value for cell in purchases[2]] == [
        1,
        1500.5,
        "RUB",
        "QR-код",
        datetime(2026, 12, 6, 0, 30),
    ]
    assert purchases["B2"].number_format == '#,##0.00 "₽"'
    assert purchases["B3"].value == 1500 and purchases["B3"].number_format == '#,##0 "¥"'
    assert purchases["E2"].number_format == "dd.mm.yyyy hh:mm"
    about = [row for row in workbook["О выгрузке"].iter_rows(values_only=True) if row[0]]
    assert about[0][0] == "Выгрузка отзывов на 06.12.2026, 12:00"
    assert "Europe/Moscow" in str(about[1][0])
    assert ("Покупки", "Сумма", "Сумма покупки в её валюте.") in about


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_column_of_the_export_has_a_header_and_a_meaning(language: str) -> None:
    shown = presentation(language, "Europe/Moscow", NOW)
    assert all(shown.headers[c] and shown.meanings[c] for c in shown.headers)
    assert len(set(shown.headers.values())) == len(shown.headers)  # no two alike in a sheet


# --- what the caller can get wrong ----------------------------------------------------------


def test_the_longest_sheet_name_works_and_names_must_differ() -> None:
    name = "я" * MAX_SHEET_NAME
    assert load_workbook(io.BytesIO(to_xlsx([Table(name, ["a"], [])]))).sheetnames[1] == name
    with pytest.raises(ValueError):
        to_xlsx([Table("Surveys", ["a"], []), Table("surveys", ["a"], [])])
    with pytest.raises(ValueError):
        to_xlsx([])


def test_bad_rows_and_cells_are_refused_and_leave_no_temporary_file() -> None:
    before = set(Path(tempfile.gettempdir()).iterdir())
    with pytest.raises(ValueError, match="row 2"):
        to_xlsx([Table("first", ["a"], [[1]]), Table("t", ["a", "b"], [[1, 2], [3]])])
    with pytest.raises(ValueError):
        to_xlsx([Table("t", ["at"], [[datetime(2024, 1, 1)]])])
    with pytest.raises(TypeError):
        to_xlsx([Table("t", ["x"], [[object()]])])
    assert set(Path(tempfile.gettempdir()).iterdir()) <= before


def test_the_bots_bookkeeping_stays_in_the_csv() -> None:
    at = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
    headers = ["purchase_id", "telegram_user_id", "created_at_utc", "store"]
    table = Table("purchases", headers, [[1, 10_000_001, at, "Main"]])
    data = to_xlsx([table], presentation("en", "Europe/Moscow", NOW))
    assert rows_of(data, "Purchases") == [["Purchase #", "Store"], [1, "Main"]]
    assert read_csv(to_csv(table))[0] == headers
