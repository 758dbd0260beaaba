import csv
import html
import io
import re
import string
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.staff.csv_upload import problem_text
from bot.texts import LANGUAGES, forms
from intake.csv_import import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    CsvFileError,
    CsvImport,
    CsvProblem,
    CsvPurchase,
    parse_purchases_csv,
)

MOSCOW = ZoneInfo("Europe/Moscow")
Quoting = Literal[0, 1, 2, 3]  # csv.QUOTE_*
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def parse(text: str | bytes, *, currency: str = "RUB", tz: tzinfo = MOSCOW) -> CsvImport:
    data = text.encode() if isinstance(text, str) else text
    return parse_purchases_csv(data, default_currency=currency, timezone=tz, now=NOW)


def words(problem: CsvProblem, language: str = "en") -> str:
    """The problem as the staff member reads it: rendered by the bot, HTML entities undone."""
    assert problem.key.startswith("csv_err_")
    for each in LANGUAGES:  # the values fill exactly the placeholders, in every language
        for form in forms(each, problem.key):
            names = {name for _, name, _, _ in string.Formatter().parse(form)}
            assert set(problem.values) == names - {None}
    text = html.unescape(problem_text(language, problem))
    assert "\n" not in text and "\r" not in text
    return text


def file_problem(text: str | bytes) -> CsvProblem:
    with pytest.raises(CsvFileError) as caught:
        parse(text)
    return caught.value.problem


def file_error(text: str | bytes, language: str = "en") -> str:
    return words(file_problem(text), language)


def rejected(result: CsvImport, language: str = "en") -> list[tuple[int, str]]:
    return [(rejection.line, words(rejection.problem, language)) for rejection in result.rejected]


def reasons(text: str, language: str = "en") -> list[tuple[int, str]]:
    return rejected(parse(text), language)


def purchase(
    line: int,
    order_id: str,
    amount_minor: int,
    *,
    currency: str = "RUB",
    purchased_at: datetime | None = None,
    store: str | None = None,
    telegram_user_id: int | None = None,
    phone: str | None = None,
    customer_id: int | None = None,
) -> CsvPurchase:
    return CsvPurchase(
        line=line,
        order_id=order_id,
        amount_minor=amount_minor,
        currency=currency,
        purchased_at=purchased_at,
        store=store,
        telegram_user_id=telegram_user_id,
        phone=phone,
        customer_id=customer_id,
    )


# --- well-formed files ---------------------------------------------------------------------


def test_comma_file() -> None:
    result = parse(
        "order_id,amount,currency,purchased_at,store,telegram_user_id,phone,customer_id\n"
        "A-1,1500,,2024-05-01 10:00,Main street,123456789,,\n"
        "A-2,99.90,usd,,,,+7 900 123-45-67,\n"
        "A-3,300,JPY,,,,,42\n"
    )
    assert result == CsvImport(
        rows=[
            purchase(
                2,
                "A-1",
                150000,
                purchased_at=datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
                store="Main street",
                telegram_user_id=123456789,
            ),
            purchase(3, "A-2", 9990, currency="USD", phone="+79001234567"),
            purchase(4, "A-3", 300, currency="JPY", customer_id=42),
        ],
        rejected=[],
        duplicates_in_file=[],
    )


def test_semicolon_file_with_decimal_comma() -> None:
    result = parse(
        "order_id;amount;phone\r\nS1;1500,50;8 (900) 123-45-67\r\nS2;1 200,5;+79001234568\r\n"
    )
    assert result.rows == [
        purchase(2, "S1", 150050, phone="+79001234567"),
        purchase(3, "S2", 120050, phone="+79001234568"),
    ]
    assert result.rejected == []


def test_decimal_comma_in_a_comma_file_must_be_quoted() -> None:
    result = parse('order_id,amount,telegram_user_id\nQ1,"1500,50",7\nQ2,1500,50,7\n')
    assert result.rows == [purchase(2, "Q1", 150050, telegram_user_id=7)]
    assert rejected(result) == [
        (
            3,
            "the header has 3 fields, this line 4; a value containing ',' must be in double quotes",
        )
    ]


def test_utf8_bom_is_ignored() -> None:
    result = parse("\ufefforder_id;amount;telegram_user_id\nB1;10;5\n".encode())
    assert result.rows == [purchase(2, "B1", 1000, telegram_user_id=5)]


def test_quoted_fields_with_delimiters_quotes_and_newlines() -> None:
    result = parse(
        "order_id,store,amount,telegram_user_id\n"
        'Q1,"Shop, on the ""corner""",10,1\n'
        'Q2,"Line one\nline two\r\n  three",20,2\n'
        "Q3,Plain,30,3\n"
    )
    assert result.rows == [
        purchase(2, "Q1", 1000, store='Shop, on the "corner"', telegram_user_id=1),
        purchase(3, "Q2", 2000, store="Line one line two three", telegram_user_id=2),
        purchase(6, "Q3", 3000, store="Plain", telegram_user_id=3),
    ]


def test_russian_headers_any_case_and_spacing() -> None:
    result = parse(
        " Номер_заказа ; СУММА ;Валюта;дата;Магазин;ТЕЛЕФОН\n"
        "R1;2500,00;rub;31.05.2024 18:30;Пекарня;89001234567\n"
        "R2;0;;;;89001234567\n"
        "R3;10;;;;12\n"
    )
    assert result.rows == [
        purchase(
            2,
            "R1",
            250000,
            purchased_at=datetime(2024, 5, 31, 15, 30, tzinfo=UTC),
            store="Пекарня",
            phone="+79001234567",
        )
    ]
    # Reasons name the column as the file spells it.
    assert rejected(result) == [
        (3, "СУММА: '0' is not a positive amount"),
        (4, "ТЕЛЕФОН: '12' is not a valid phone number"),
    ]


def test_unknown_columns_are_ignored_and_headers_are_case_insensitive() -> None:
    result = parse("Comment,ORDER_ID , Amount,Customer_ID,\nhello,X1,5,9,\n")
    assert result.rows == [purchase(2, "X1", 500, customer_id=9)]


def test_default_currency_applies_and_decides_minor_units() -> None:
    result = parse("order_id,amount,customer_id\nJ1,300,1\nJ2,1.5,1\n", currency="jpy")
    assert result.rows == [purchase(2, "J1", 300, currency="JPY", customer_id=1)]
    assert rejected(result) == [(3, "amount: '1.5' is not a positive amount")]


def test_values_are_stripped() -> None:
    result = parse("order_id;amount;phone;store\n  P1  ; 10 ;  +79001234567 ;  \n")
    assert result.rows == [purchase(2, "P1", 1000, phone="+79001234567")]


# --- line numbers ----------------------------------------------------------------------------


def test_line_numbers_count_blank_lines() -> None:
    result = parse("\norder_id,amount,telegram_user_id\n\nL1,1,1\n   \n,,\nL2,0,1\n\n")
    assert [row.line for row in result.rows] == [4]
    assert rejected(result) == [(7, "amount: '0' is not a positive amount")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_with_any_line_ending(newline: str) -> None:
    lines = ["order_id;amount;customer_id", "", "N1;1;1", "N2;x;1", "", "N3;3;1"]
    result = parse(newline.join(lines) + newline)
    assert [row.line for row in result.rows] == [3, 6]
    assert rejected(result) == [(4, "amount: 'x' is not a positive amount")]


# --- rejections ------------------------------------------------------------------------------

HEADER = "order_id;amount;currency;purchased_at;store;telegram_user_id;phone;customer_id\n"
LONG = "Ы" * 41


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (";1;;;;1;;", "order_id: empty"),
        ("A 1;1;;;;1;;", "order_id: 'A 1' is not 1–64 letters, digits or _ - . / #"),
        ("заказ;1;;;;1;;", "order_id: 'заказ' is not 1–64 letters, digits or _ - . / #"),
        (
            "A" * 65 + ";1;;;;1;;",
            f"order_id: '{'A' * 40}…' is not 1–64 letters, digits or _ - . / #",
        ),
        ("A1;;;;;1;;", "amount: empty"),
        ("A1;0;;;;1;;", "amount: '0' is not a positive amount"),
        ("A1;-5;;;;1;;", "amount: '-5' is not a positive amount"),
        ("A1;12.345;;;;1;;", "amount: '12.345' is not a positive amount"),
        ("A1;100 руб;;;;1;;", "amount: '100 руб' is not a positive amount"),
        ("A1;1;руб;;;1;;", "currency: 'руб' is not a 3-letter code such as RUB"),
        ("A1;1;US;;;1;;", "currency: 'US' is not a 3-letter code such as RUB"),
        (
            "A1;1;;yesterday;;1;;",
            "purchased_at: 'yesterday' is not a date such as 2024-05-31 14:30 or 31.05.2024 14:30",
        ),
        (
            "A1;1;;31.02.2024;;1;;",
            "purchased_at: '31.02.2024' is not a date such as 2024-05-31 14:30 or 31.05.2024 14:30",
        ),
        (
            "A1;1;;2024-05-01 25:00;;1;;",
            "purchased_at: '2024-05-01 25:00' is not a date such as 2024-05-31 14:30 or "
            "31.05.2024 14:30",
        ),
        ("A1;1;;2024-06-03;;1;;", "purchased_at: '2024-06-03' is in the future"),
        ("A1;1;;;" + "S" * 65 + ";1;;", f"store: '{'S' * 40}…' is longer than 64 characters"),
        ("A1;1;;;;abc;;", "telegram_user_id: 'abc' is not a positive whole number"),
        ("A1;1;;;;0;;", "telegram_user_id: '0' is not a positive whole number"),
        ("A1;1;;;;-7;;", "telegram_user_id: '-7' is not a positive whole number"),
        ("A1;1;;;;1.5e9;;", "telegram_user_id: '1.5e9' is not a positive whole number"),
        (
            f"A1;1;;;;{2**63};;",
            f"telegram_user_id: '{2**63}' is not a positive whole number",
        ),
        (
            "A1;1;;;;;;12;5",
            "the header has 8 fields, this line 9; a value containing ';' must be in double quotes",
        ),
        ("A1;1;;;;;;x", "customer_id: 'x' is not a positive whole number"),
        ("A1;1;;;;;12345;", "phone: '12345' is not a valid phone number"),
        (f"A1;1;;;;;{LONG};", f"phone: '{LONG[:40]}…' is not a valid phone number"),
        (
            "A1;1;;;;;;",
            "telegram_user_id, phone, customer_id: empty; one is needed to know who bought",
        ),
        ("A1;1;;;;1", "the header has 8 fields, this line 6"),
    ],
)
def test_rejection_reasons(row: str, reason: str) -> None:
    assert reasons(HEADER + row + "\n") == [(2, reason)]


def test_reasons_are_one_line_even_for_multiline_values() -> None:
    result = parse('order_id,amount,phone\nM1,"12\n34",+79001234567\n')
    assert rejected(result) == [(2, "amount: '12 34' is not a positive amount")]


def test_open_quote_swallowing_lines_is_reported_on_its_first_line() -> None:
    result = parse('order_id,amount,phone\nO1,"10,+79001234567\nO2,20,+79001234568\n')
    assert result.rows == []
    assert rejected(result) == [
        (2, "the header has 3 fields, lines 2–3 have 2; is a quote left open?")
    ]


def test_only_present_identity_columns_are_named() -> None:
    assert reasons("order_id,amount,phone\nA1,1,\n") == [
        (2, "phone: empty; one is needed to know who bought")
    ]


def test_one_bad_identity_value_rejects_the_row() -> None:
    assert reasons("order_id,amount,telegram_user_id,phone\nA1,1,5,nope\n") == [
        (2, "phone: 'nope' is not a valid phone number")
    ]


def test_non_ascii_digits_are_not_ids() -> None:
    assert reasons("order_id,amount,customer_id\nA1,1,١٢\n") == [
        (2, "customer_id: '١٢' is not a positive whole number")
    ]


# --- duplicates ------------------------------------------------------------------------------


def test_duplicates_first_occurrence_counts() -> None:
    result = parse(
        "order_id,amount,telegram_user_id\nD1,10,1\nD2,20,2\nD1,30,3\nD1,oops,3\nd1,40,4\n"
    )
    assert [(row.line, row.order_id, row.amount_minor) for row in result.rows] == [
        (2, "D1", 1000),
        (3, "D2", 2000),
        (6, "d1", 4000),
    ]
    assert result.duplicates_in_file == [4, 5]
    assert result.rejected == []


def test_a_rejected_first_occurrence_still_claims_its_order_id() -> None:
    result = parse("order_id,amount,telegram_user_id\nD1,0,1\nD1,10,1\n")
    assert result.rows == []
    assert rejected(result) == [(2, "amount: '0' is not a positive amount")]
    assert result.duplicates_in_file == [3]


# --- dates and time zones --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01 10:00", datetime(2024, 5, 1, 7, 0)),
        ("2024-05-01T10:00:30", datetime(2024, 5, 1, 7, 0, 30)),
        ("2024-05-01", datetime(2024, 4, 30, 21, 0)),
        ("01.05.2024", datetime(2024, 4, 30, 21, 0)),
        ("01.05.2024 10:00", datetime(2024, 5, 1, 7, 0)),
        ("1.5.2024 9:05:07", datetime(2024, 5, 1, 6, 5, 7)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01t10:00:00z", datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01T10:00:00+05:00", datetime(2024, 5, 1, 5, 0)),
        ("2024-05-01T10:00:00.250-0100", datetime(2024, 5, 1, 11, 0, 0, 250000)),
        ("2024-05-01 10:00+02", datetime(2024, 5, 1, 8, 0)),
    ],
)
def test_purchased_at_formats_in_moscow(text: str, expected: datetime) -> None:
    (row,) = parse(f"order_id,amount,purchased_at,customer_id\nT1,1,{text},1\n").rows
    assert row.purchased_at == expected.replace(tzinfo=UTC)
    assert row.purchased_at is not None and row.purchased_at.tzinfo is UTC


def test_naive_times_follow_the_given_time_zone() -> None:
    data = "order_id,amount,purchased_at,customer_id\nT1,1,2024-01-15 12:00,1\n"
    new_york = parse(data, tz=ZoneInfo("America/New_York")).rows[0].purchased_at
    fixed = parse(data, tz=timezone(timedelta(hours=5, minutes=30))).rows[0].purchased_at
    assert new_york == datetime(2024, 1, 15, 17, 0, tzinfo=UTC)
    assert fixed == datetime(2024, 1, 15, 6, 30, tzinfo=UTC)


def test_future_tolerance_is_one_day() -> None:
    # NOW is 2024-06-01 12:00 UTC, i.e. 15:00 in Moscow.
    result = parse(
        "order_id;amount;purchased_at;customer_id\n"
        "F1;1;02.06.2024 15:00;1\n"
        "F2;1;02.06.2024 15:00:01;1\n"
        "F3;1;2024-06-02T12:00:00Z;1\n"
    )
    assert [row.order_id for row in result.rows] == ["F1", "F3"]
    assert rejected(result) == [(3, "purchased_at: '02.06.2024 15:00:01' is in the future")]


def test_dates_out_of_range_in_utc_are_rejected_not_raised() -> None:
    result = parse("order_id,amount,purchased_at,customer_id\nE1,1,0001-01-01,1\n")
    assert rejected(result)[0][1].startswith("purchased_at: '0001-01-01' is not a date")


def test_now_defaults_to_the_current_time() -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    result = parse_purchases_csv(
        f"order_id,amount,purchased_at,customer_id\nN1,1,2020-01-01,1\nN2,1,{tomorrow},1\n".encode(),
        default_currency="RUB",
        timezone=UTC,
    )
    assert [row.order_id for row in result.rows] == ["N1"]
    assert [rejection.line for rejection in result.rejected] == [3]


def test_programming_errors_are_not_file_errors() -> None:
    with pytest.raises(ValueError, match="default_currency"):
        parse_purchases_csv(b"x", default_currency="рубли", timezone=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_purchases_csv(b"x", default_currency="RUB", timezone=UTC, now=datetime(2024, 1, 1))


# --- file errors -----------------------------------------------------------------------------


def test_cp1251_is_refused_with_a_hint() -> None:
    message = file_error("order_id;сумма;телефон\nA1;1;+79001234567\n".encode("cp1251"))
    assert message.startswith("the file is not UTF-8 text (first bad byte on line 1)")
    assert '"CSV UTF-8"' in message


def test_utf16_is_refused_as_not_utf8() -> None:
    message = file_error("order_id,amount,phone\nA1,1,+79001234567\n".encode("utf-16"))
    assert "not UTF-8" in message and '"CSV UTF-8"' in message


def test_nul_bytes_are_refused() -> None:
    assert "NUL" in file_error(b"order_id,amount,phone\nA1,1\x00,+79001234567\n")


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", b"\xef\xbb\xbf", b";;;\n,,\n"])
def test_empty_file(data: bytes) -> None:
    assert file_error(data) == "the file is empty"


@pytest.mark.parametrize(
    "data", ["order_id,amount,phone", "order_id,amount,phone\n", "order_id;amount;phone\n\n;;\n"]
)
def test_header_only(data: str) -> None:
    assert file_error(data) == "the file has a header but no purchases under it"


def test_too_many_bytes() -> None:
    data = b"order_id,amount,phone\n" + b"#" * MAX_CSV_BYTES
    assert "over the 5 MiB limit" in file_error(data)


def test_row_limit() -> None:
    header = "order_id,amount,telegram_user_id\n"
    rows = "".join(f"R{index},1,1\n" for index in range(MAX_CSV_ROWS))
    assert len(parse(header + rows).rows) == MAX_CSV_ROWS
    message = file_error(header + rows + "R-last,1,1\n")
    assert message == "the file has more than 10,000 purchases; split it into smaller files"


def test_missing_required_columns_are_named_with_the_accepted_ones() -> None:
    message = file_error("id,sum,phone\n1,2,3\n")
    assert message.startswith("the header lacks the columns order_id, amount; accepted columns: ")
    for name in ("order_id", "amount", "currency", "purchased_at", "store", "customer_id"):
        assert name in message
    for alias in ("номер_заказа", "сумма", "валюта", "дата", "магазин", "телефон"):
        assert alias in message
    assert file_error("order_id,phone\nA1,+79001234567\n").startswith(
        "the header lacks the column amount; "
    )


def test_tab_separated_header_gets_a_hint() -> None:
    assert "not tabs" in file_error("order_id\tamount\tphone\nA1\t1\t+79001234567\n")


def test_header_without_identity_columns() -> None:
    assert file_error("order_id,amount,store\nA1,1,Main\n") == (
        "the header needs at least one of the columns telegram_user_id, phone, customer_id "
        "to know who bought"
    )


def test_column_given_twice() -> None:
    assert file_error("order_id,amount,сумма,phone\nA1,1,1,+79001234567\n") == (
        "the header has the column amount twice"
    )


def test_overlong_field_is_a_file_error() -> None:
    message = file_error('order_id,amount,phone\nA1,1,"' + "9" * 200_000 + "\n")
    assert message.startswith("line 2 cannot be read as CSV")


# --- in Russian ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "russian"),
    [
        (b"", "файл пустой"),
        (b"order_id,amount,phone\n", "в файле есть заголовок, но под ним нет ни одной покупки"),
        (
            "order_id;сумма\nA1;1\n".encode("cp1251"),
            "файл не в кодировке UTF-8 (первый неверный байт — в строке 1); пересохраните его как "
            "«CSV UTF-8» (в Excel: Файл → Сохранить как → CSV UTF-8)",
        ),
        (b"order_id,amount,phone,amount\nA1,1,,1\n", "в заголовке дважды указана колонка amount"),
        (
            b"id,sum,phone\n1,2,3\n",
            "в заголовке нет колонок order_id, amount; допустимые колонки: order_id, amount, "
            "currency, purchased_at, store, telegram_user_id, phone, customer_id; "
            "русские названия: номер_заказа (order_id), сумма (amount), валюта (currency), "
            "дата (purchased_at), магазин (store), телефон (phone).",
        ),
    ],
)
def test_file_problems_in_russian(data: bytes, russian: str) -> None:
    assert file_error(data, "ru") == russian
    assert file_error(data, "en") != russian


def test_row_problems_in_russian() -> None:
    result = parse(
        "Номер_заказа;Сумма;Телефон;telegram_user_id\nA1;0;;1\nA2;5;12;\nA3;5;;\nA4;5;;1;x\n"
    )
    russian = [
        (2, "Сумма: «0» — это не сумма больше нуля"),
        (3, "Телефон: «12» — это не похоже на номер телефона"),
        (
            4,
            "telegram_user_id, Телефон: пусто; "
            "нужно заполнить хотя бы одно, чтобы знать, кто купил",
        ),
        (
            5,
            "полей должно быть столько же, сколько в заголовке (4), а их 5; "
            "значение, в котором есть «;», нужно взять в двойные кавычки",
        ),
    ]
    assert rejected(result, "ru") == russian
    english = rejected(result, "en")
    assert english[0] == (2, "Сумма: '0' is not a positive amount")
    assert all(en != ru for en, ru in zip(english, russian, strict=True))


def test_quantities_follow_the_readers_number_format() -> None:
    too_many = CsvProblem("csv_err_too_many_rows", {"count": MAX_CSV_ROWS})
    assert "more than 10,000 purchases" in words(too_many)
    assert "больше 10\xa0000 покупок" in words(too_many, "ru")
    too_big = CsvProblem("csv_err_too_big", {"size": 6.1, "limit": 5})
    assert (
        words(too_big) == "the file is 6.1 MiB, over the 5 MiB limit; split it into smaller files"
    )
    assert words(too_big, "ru").startswith("файл весит 6,1 МБ, а можно не больше 5 МБ")


def test_problems_the_bot_adds_are_worded_too() -> None:
    over = CsvProblem("csv_err_over_limit", {"limit": 5})
    assert (words(over), words(over, "ru")) == ("the file is over 5 MiB", "файл больше 5 МБ")
    unknown = CsvProblem("csv_err_unknown_customer")
    assert words(unknown) == "customer: no customer with that id has opened the bot"
    assert words(unknown, "ru") != words(unknown)


def test_cell_text_is_escaped_for_telegram_html() -> None:
    (rejection,) = parse("order_id,amount,phone\nA1,<b>1</b>,+79001234567\n").rejected
    assert problem_text("ru", rejection.problem) == (
        "amount: «&lt;b&gt;1&lt;/b&gt;» — это не сумма больше нуля"
    )


# --- properties ------------------------------------------------------------------------------

KNOWN_HEADERS = [
    "order_id",
    "amount",
    "currency",
    "purchased_at",
    "store",
    "telegram_user_id",
    "phone",
    "customer_id",
    "номер_заказа",
    "сумма",
    "телефон",
    "дата",
]
QUOTE = re.compile(r"'(.*)'")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_invariants(data: bytes) -> None:
    """Only CsvFileError escapes; every result is sorted out sanely."""
    try:
        result = parse(data)
    except CsvFileError as error:
        for language in LANGUAGES:
            words(error.problem, language)
        return
    lines = (
        [row.line for row in result.rows]
        + [rejection.line for rejection in result.rejected]
        + result.duplicates_in_file
    )
    assert len(lines) == len(set(lines))
    last_line = len(LINE_BREAK.findall(data.decode("utf-8-sig"))) + 1
    assert all(2 <= line <= last_line for line in lines)
    for rejection in result.rejected:
        reason = words(rejection.problem)
        words(rejection.problem, "ru")
        quoted = QUOTE.search(reason)
        if quoted:
            assert len(quoted.group(1).removesuffix("…")) <= 40
    for row in result.rows:
        assert row.amount_minor > 0 and re.fullmatch(r"[A-Z]{3}", row.currency)
        assert row.telegram_user_id or row.phone or row.customer_id
        assert row.purchased_at is None or row.purchased_at.tzinfo is UTC


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_raise_only_file_errors(data: bytes) -> None:
    check_invariants(data)


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_after_a_valid_header_raise_only_file_errors(data: bytes) -> None:
    check_invariants(b"order_id;amount;currency;purchased_at;store;phone;customer_id\n" + data)


CSV_ISH = st.text(
    alphabet=st.sampled_from(list('0123456789,;."\n\r +-:.TZ#/аA')) | st.characters(codec="utf-8")
)


@FAST
@given(CSV_ISH)
def test_any_text_after_a_valid_header_raises_only_file_errors(text: str) -> None:
    header = "order_id;amount;currency;purchased_at;store;telegram_user_id;phone;customer_id\n"
    check_invariants((header + text).encode())


@FAST
@given(
    header=st.lists(st.sampled_from(KNOWN_HEADERS) | st.text(max_size=8), min_size=1, max_size=8),
    rows=st.lists(st.lists(st.text(max_size=20), max_size=9), max_size=8),
    delimiter=st.sampled_from([",", ";"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
)
def test_any_text_rows_raise_only_file_errors(
    header: list[str], rows: list[list[str]], delimiter: str, quoting: Quoting
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    check_invariants(buffer.getvalue().encode())


PHONES = {
    "+79001234567": "+79001234567",
    "8 (900) 123-45-67": "+79001234567",
    "79161234567": "+79161234567",
    "+44 20 7946 0958": "+442079460958",
}
DATE_FORMATS = {  # format → how much of the time it keeps
    "%Y-%m-%d %H:%M:%S": "second",
    "%Y-%m-%dT%H:%M": "minute",
    "%d.%m.%Y %H:%M": "minute",
    "%d.%m.%Y": "day",
    "%Y-%m-%d": "day",
}
STORE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r"),
    max_size=64,
)


@st.composite
def valid_rows(draw: st.DrawFn) -> tuple[dict[str, str], CsvPurchase]:
    """One row as written in the file, with the purchase it must become (line filled later)."""
    currency = draw(st.sampled_from(["", "rub", "USD", "JPY"]))
    code = currency.upper() or "RUB"
    minor = draw(st.integers(min_value=1, max_value=10**12))
    if code == "JPY":
        amount = str(minor)
    else:
        whole, cents = divmod(minor, 100)
        amount = f"{whole}{draw(st.sampled_from(['.', ',']))}{cents:02d}"
    local = draw(st.none() | st.datetimes(datetime(2015, 1, 1), datetime(2024, 5, 31)))
    written_at, purchased_at = "", None
    if local is not None:
        form = draw(st.sampled_from(sorted(DATE_FORMATS)))
        kept = local.replace(microsecond=0)
        if DATE_FORMATS[form] != "second":
            kept = kept.replace(second=0)
        if DATE_FORMATS[form] == "day":
            kept = kept.replace(hour=0, minute=0)
        written_at = local.strftime(form)
        purchased_at = (kept - timedelta(hours=3)).replace(tzinfo=UTC)  # Moscow is UTC+3
    store = draw(STORE_TEXT)
    telegram = draw(st.none() | st.integers(min_value=1, max_value=2**63 - 1))
    phone = draw(st.none() | st.sampled_from(sorted(PHONES)))
    customer = draw(st.none() | st.integers(min_value=1, max_value=10**9))
    if telegram is None and phone is None and customer is None:
        customer = 1
    written = {
        "order_id": "",  # filled in by the caller, unique per file
        "amount": amount,
        "currency": currency,
        "purchased_at": written_at,
        "store": store,
        "telegram_user_id": "" if telegram is None else str(telegram),
        "phone": phone or "",
        "customer_id": "" if customer is None else str(customer),
    }
    expected = CsvPurchase(
        line=0,
        order_id="",
        amount_minor=minor,
        currency=code,
        purchased_at=purchased_at,
        store=" ".join(store.split()) or None,
        telegram_user_id=telegram,
        phone=None if phone is None else PHONES[phone],
        customer_id=customer,
    )
    return written, expected


HEADER_SPELLINGS = {
    "order_id": ["order_id", " Order_ID ", "номер_заказа", "НОМЕР_ЗАКАЗА"],
    "amount": ["amount", "AMOUNT", "Сумма"],
    "currency": ["currency", "валюта"],
    "purchased_at": ["purchased_at", "Дата"],
    "store": ["store", "магазин"],
    "telegram_user_id": ["telegram_user_id"],
    "phone": ["phone", "Телефон"],
    "customer_id": ["customer_id", "Customer_Id"],
}


@settings(FAST, max_examples=75)
@given(
    columns=st.permutations(sorted(HEADER_SPELLINGS)),
    spellings=st.lists(st.integers(min_value=0, max_value=3), min_size=8, max_size=8),
    rows=st.lists(valid_rows(), min_size=1, max_size=6),
    order_ids=st.lists(
        st.from_regex(r"[A-Za-z0-9_\-./#]{1,64}", fullmatch=True),
        min_size=6,
        max_size=6,
        unique=True,
    ),
    delimiter=st.sampled_from([",", ";"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    terminator=st.sampled_from(["\r\n", "\n"]),
    blank_lines=st.lists(st.booleans(), min_size=6, max_size=6),
    bom=st.booleans(),
)
def test_valid_rows_round_trip(
    columns: list[str],
    spellings: list[int],
    rows: list[tuple[dict[str, str], CsvPurchase]],
    order_ids: list[str],
    delimiter: str,
    quoting: Quoting,
    terminator: str,
    blank_lines: list[bool],
    bom: bool,
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    names = [
        HEADER_SPELLINGS[column][spelling % len(HEADER_SPELLINGS[column])]
        for column, spelling in zip(columns, spellings, strict=True)
    ]
    writer.writerow(names)
    expected: list[CsvPurchase] = []
    for (written, purchase_), order_id, blank in zip(rows, order_ids, blank_lines, strict=False):
        if blank:
            buffer.write(terminator + delimiter * 3 + terminator)
        line = len(LINE_BREAK.findall(buffer.getvalue())) + 1
        writer.writerow(
            [order_id if column == "order_id" else written[column] for column in columns]
        )
        expected.append(
            CsvPurchase(
                line=line,
                order_id=order_id,
                amount_minor=purchase_.amount_minor,
                currency=purchase_.currency,
                purchased_at=purchase_.purchased_at,
                store=purchase_.store,
                telegram_user_id=purchase_.telegram_user_id,
                phone=purchase_.phone,
                customer_id=purchase_.customer_id,
            )
        )
    data = ("\ufeff" if bom else "") + buffer.getvalue()
    assert parse(data) == CsvImport(rows=expected, rejected=[], duplicates_in_file=[])
