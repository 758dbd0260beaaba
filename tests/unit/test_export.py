import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from analytics.export import MAX_SHEET_NAME, Table, to_csv, with_local_times

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


# --- what the caller can get wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", "x" * (MAX_SHEET_NAME + 1), "a/b", "a:b", "what?", "[x]", "a*", "a\\b", "'x"]
)
def test_bad_table_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        Table(name, ["a"], [])


def test_ragged_rows_are_refused() -> None:
    table = Table("t", ["a", "b"], [[1, 2], [3]])
    with pytest.raises(ValueError, match="row 2"):
        to_csv(table)


def test_naive_datetimes_are_refused() -> None:
    table = Table("t", ["at"], [[datetime(2024, 1, 1)]])
    with pytest.raises(ValueError):
        to_csv(table)


def test_unknown_cell_types_are_refused() -> None:
    table = Table("t", ["x"], [[object()]])
    with pytest.raises(TypeError):
        to_csv(table)


def test_csv_has_the_owners_local_time_beside_each_utc_one() -> None:
    at = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
    table = Table("p", ["id", "purchased_at_utc", "sent_at_utc"], [[1, at, None]])
    rows = read_csv(to_csv(with_local_times(table, MOSCOW)))
    assert rows == [
        ["id", "purchased_at_utc", "purchased_at_local", "sent_at_utc", "sent_at_local"],
        ["1", "2026-12-05 21:30:00", "2026-12-06 00:30:00", "", ""],
    ]
    plain = Table("q", ["id"], [[1]])
    assert with_local_times(plain, MOSCOW) is plain
