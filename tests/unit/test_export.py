import csv
import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from analytics.export import MAX_SHEET_NAME, Table, to_csv, to_xlsx

MOSCOW = ZoneInfo("Europe/Moscow")
BOM = b"\xef\xbb\xbf"
HEADERS = ["id", "комментарий", "score", "csat", "answered_at (UTC)", "day"]
ANSWERED = datetime(2024, 11, 2, 15, 30, 45, 123456, tzinfo=MOSCOW)  # 12:30:45 UTC
ROWS: list[list[object]] = [
    [1, "Всё отлично, спасибо!", 10, 4.5, ANSWERED, date(2024, 11, 2)],
    [2, 'Сказали "подождите", ждал 20 минут', 3, None, ANSWERED, None],
    [3, "первая строка\nвторая строка", -5, 1.0, None, date(2024, 1, 31)],
]
DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "+7 900 000-00-00",
    "-плохо обслужили",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def sheet(data: bytes, name: str) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[name]
    assert isinstance(worksheet, Worksheet)
    return worksheet


# --- CSV ------------------------------------------------------------------------------------


def test_csv_round_trip_keeps_russian_commas_quotes_and_newlines() -> None:
    data = to_csv(Table("surveys", HEADERS, ROWS))
    assert data.startswith(BOM)
    assert not data[len(BOM) :].startswith(BOM)
    assert read_csv(data) == [
        HEADERS,
        ["1", "Всё отлично, спасибо!", "10", "4.5", "2024-11-02 12:30:45", "2024-11-02"],
        ["2", 'Сказали "подождите", ждал 20 минут', "3", "", "2024-11-02 12:30:45", ""],
        ["3", "первая строка\nвторая строка", "-5", "1.0", "", "2024-01-31"],
    ]


def test_csv_uses_semicolons_and_crlf() -> None:
    data = to_csv(Table("t", ["a", "b"], [[1, 2], [3, 4]]))
    assert data == BOM + b"a;b\r\n1;2\r\n3;4\r\n"


def test_csv_formula_guard_prefixes_text_but_not_numbers() -> None:
    rows = [[text, -5] for text in DANGEROUS] + [["plain - text", -1.5]]
    parsed = read_csv(to_csv(Table("t", ["text", "number"], rows)))
    assert parsed[1:] == [["'" + text, "-5"] for text in DANGEROUS] + [["plain - text", "-1.5"]]


def test_csv_keeps_control_characters() -> None:
    parsed = read_csv(to_csv(Table("t", ["text"], [["a\x00b\x1fc"]])))
    assert parsed[1] == ["a\x00b\x1fc"]


def test_csv_of_an_empty_table_is_the_header() -> None:
    assert to_csv(Table("referrals", ["who", "whom"], [])) == BOM + b"who;whom\r\n"


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_round_trip() -> None:
    data = to_xlsx(
        [Table("surveys", HEADERS, ROWS), Table("purchases", ["order", "amount"], [["A-1", 1500]])]
    )
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["surveys", "purchases"]
    surveys = sheet(data, "surveys")
    values = [list(row) for row in surveys.iter_rows(values_only=True)]
    assert values == [
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
    assert surveys["E2"].is_date and surveys["F2"].is_date
    assert [list(r) for r in sheet(data, "purchases").iter_rows(values_only=True)] == [
        ["order", "amount"],
        ["A-1", 1500],
    ]


def test_xlsx_header_is_bold_and_frozen_and_columns_are_sized() -> None:
    long_text = "слово " * 100
    data = to_xlsx([Table("surveys", ["id", "comment", "x"], [[1, long_text, None]])])
    surveys = sheet(data, "surveys")
    assert all(cell.font.b for cell in surveys[1])
    assert not surveys["A2"].font.b
    assert surveys.freeze_panes == "A2"
    widths = {key: dim.width for key, dim in surveys.column_dimensions.items()}
    assert widths["A"] < widths["B"] <= 60
    assert widths["B"] == 60  # capped, not 600 characters wide


def test_xlsx_formula_guard_matches_csv() -> None:
    rows = [[text, -5] for text in DANGEROUS]
    data = to_xlsx([Table("t", ["text", "number"], rows)])
    worksheet = sheet(data, "t")
    for index, text in enumerate(DANGEROUS, start=2):
        cell = worksheet.cell(index, 1)
        assert cell.data_type == "s"
        assert cell.value == ("'" + text).replace("\r", "\n")  # XML has no bare CR
        number = worksheet.cell(index, 2)
        assert number.data_type == "n" and number.value == -5
    csv_rows = read_csv(to_csv(Table("t", ["text", "number"], rows)))
    assert [row[0].replace("\r", "\n") for row in csv_rows[1:]] == [
        worksheet.cell(i, 1).value for i in range(2, 8)
    ]


def test_xlsx_drops_characters_xml_forbids() -> None:
    text = "a\x00b\x08c\x0bd\x0ce\x0ef\x1fg\th\ni\r\nj\rk"
    data = to_xlsx([Table("t", ["text", "guarded"], [[text, "\x01=1+1"]])])
    worksheet = sheet(data, "t")
    assert worksheet["A2"].value == "abcdefg\th\ni\nj\nk"  # tab and line ends are allowed
    assert worksheet["B2"].value == "'=1+1"  # removing the character must not unmask a formula


def test_xlsx_of_an_empty_table_is_the_header() -> None:
    data = to_xlsx([Table("referrals", ["who", "whom"], [])])
    assert [list(r) for r in sheet(data, "referrals").iter_rows(values_only=True)] == [
        ["who", "whom"]
    ]


def test_xlsx_holds_every_row_of_a_large_table() -> None:
    row: list[object] = [1, "Хорошо, но долго", 9, 4.0, datetime(2024, 1, 1, tzinfo=UTC), None]
    table = Table("surveys", HEADERS, [[index, *row[1:]] for index in range(5_000)])
    sheet = load_workbook(io.BytesIO(to_xlsx([table])), read_only=True)["surveys"]
    ids = [values[0] for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == list(range(5_000))


# --- what the caller can get wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", "x" * (MAX_SHEET_NAME + 1), "a/b", "a:b", "what?", "[x]", "a*", "a\\b", "'x"]
)
def test_bad_table_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        Table(name, ["a"], [])


def test_longest_allowed_name_works() -> None:
    name = "я" * MAX_SHEET_NAME
    assert load_workbook(io.BytesIO(to_xlsx([Table(name, ["a"], [])]))).sheetnames == [name]


def test_sheet_names_must_differ() -> None:
    with pytest.raises(ValueError):
        to_xlsx([Table("Surveys", ["a"], []), Table("surveys", ["a"], [])])
    with pytest.raises(ValueError):
        to_xlsx([])


def openpyxl_temp_files() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("openpyxl.*"))


def test_ragged_rows_are_refused() -> None:
    table = Table("t", ["a", "b"], [[1, 2], [3]])
    with pytest.raises(ValueError, match="row 2"):
        to_csv(table)
    before = openpyxl_temp_files()
    with pytest.raises(ValueError, match="row 2"):
        to_xlsx([Table("first", ["a"], [[1]]), table])
    assert openpyxl_temp_files() <= before  # no half-written sheet left on disk


def test_naive_datetimes_are_refused() -> None:
    table = Table("t", ["at"], [[datetime(2024, 1, 1)]])
    with pytest.raises(ValueError):
        to_csv(table)
    with pytest.raises(ValueError):
        to_xlsx([table])


def test_unknown_cell_types_are_refused() -> None:
    table = Table("t", ["x"], [[object()]])
    with pytest.raises(TypeError):
        to_csv(table)
    with pytest.raises(TypeError):
        to_xlsx([table])
