import io
import re
import struct

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from intake.qr import (
    PAYLOAD_PREFIX,
    STORE_CODE,
    QrPayloadError,
    QrTarget,
    make_payload,
    qr_png,
    read_payload,
)

SECRET = b"counter-secret-0123456789"
OTHER_SECRET = b"another-shop-secret"
TELEGRAM_START = re.compile(r"[A-Za-z0-9_-]{1,64}")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LARGEST = QrTarget(store="S" * 16, order_id="O-" * 10, amount_minor=10**12 - 1)
ALPHANUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

stores = st.text(alphabet=ALPHANUM, min_size=1, max_size=16)
orders = st.text(alphabet=ALPHANUM + "-", min_size=1, max_size=20)
amounts = st.integers(min_value=1, max_value=10**12 - 1)


@st.composite
def targets(draw: st.DrawFn) -> QrTarget:
    store = draw(stores)
    order_id = draw(st.none() | orders)
    amount = draw(st.none() | amounts) if order_id is not None else None
    return QrTarget(store=store, order_id=order_id, amount_minor=amount)


@pytest.mark.parametrize(
    "target",
    [
        QrTarget("shop1"),
        QrTarget("shop1", "A-1001"),
        QrTarget("shop1", "A-1001", 150050),
        QrTarget("X", "1", 1),
        QrTarget("Shop1", "1001"),  # all-digit order id is still an order id, not an amount
        LARGEST,
    ],
)
def test_round_trip(target: QrTarget) -> None:
    payload = make_payload(SECRET, target)
    assert TELEGRAM_START.fullmatch(payload)
    assert payload.startswith(f"{PAYLOAD_PREFIX}_")
    assert read_payload(SECRET, payload) == target


def test_layout_is_readable_and_deterministic() -> None:
    target = QrTarget("shop1", "A-1001", 150050)
    payload = make_payload(SECRET, target)
    assert payload.startswith("q_shop1_A-1001_150050_")
    assert len(payload) == len("q_shop1_A-1001_150050_") + 11
    assert make_payload(SECRET, target) == payload
    assert make_payload(SECRET, QrTarget("shop1")).startswith("q_shop1_")
    assert len(make_payload(SECRET, QrTarget("shop1"))) == len("q_shop1_") + 11


def test_largest_target_fits_telegram_limit_exactly() -> None:
    payload = make_payload(SECRET, LARGEST)
    assert len(payload) == 64
    assert read_payload(SECRET, payload) == LARGEST


def test_store_codes_are_case_sensitive() -> None:
    lower = make_payload(SECRET, QrTarget("shop"))
    upper = make_payload(SECRET, QrTarget("SHOP"))
    assert lower != upper
    assert read_payload(SECRET, upper) == QrTarget("SHOP")


def test_signature_from_another_secret_is_rejected() -> None:
    for target in (QrTarget("shop1"), QrTarget("shop1", "A1"), QrTarget("shop1", "A1", 5)):
        assert read_payload(SECRET, make_payload(OTHER_SECRET, target)) is None


def test_field_boundaries_do_not_collide() -> None:
    # Same concatenated text, different split: the signatures must differ.
    a = make_payload(SECRET, QrTarget("a", "bc"))
    b = make_payload(SECRET, QrTarget("ab", "c"))
    assert a[-11:] != b[-11:]
    forged = "q_ab_c_" + a[-11:]
    assert read_payload(SECRET, forged) is None
    # An order of digits must not be confused with an amount.
    with_amount = make_payload(SECRET, QrTarget("s", "o", 12))
    assert with_amount[-11:] != make_payload(SECRET, QrTarget("s", "o12"))[-11:]


def test_moving_the_signature_onto_other_fields_is_rejected() -> None:
    sig = make_payload(SECRET, QrTarget("shop1", "A1", 100))[-11:]
    for body in ("q_shop1", "q_shop1_A1", "q_shop1_A1_1000", "q_shop1_A1_10", "q_shop2_A1_100"):
        assert read_payload(SECRET, f"{body}_{sig}") is None


def _swap_sig(payload: str, body: str) -> str:
    """`body` with the signature of `payload` attached, to check parsing before verification."""
    return f"{body}_{payload[-11:]}"


@pytest.mark.parametrize(
    "body",
    [
        "r_shop1",  # wrong prefix
        "Q_shop1",
        "ref_shop1",
        "q",  # no store
        "q_",
        "q__A1",
        "q_shop1_A1_100_7",  # too many fields
        "q_sh.op_A1",  # invalid characters
        "q_shop1_A 1",
        "q_shop1_A1_0",  # zero amount
        "q_shop1_A1_0100",  # leading zero
        "q_shop1_A1_1000000000000",  # 10**12
        "q_shop1_A1_-5",
        "q_shop1_A1_1e3",
        "q_shop1_A1_١٠٠",  # non-ASCII digits
        "q_shop1__100",  # amount without order
        "q_" + "S" * 17,  # store too long
        "q_shop1_" + "O" * 21,  # order too long
    ],
)
def test_malformed_payloads_are_rejected(body: str) -> None:
    assert read_payload(SECRET, _swap_sig(make_payload(SECRET, QrTarget("shop1")), body)) is None


@pytest.mark.parametrize(
    "payload",
    ["", "q", "q_", "_" * 12, "q_shop1", "q_shop1_", "q_shop1\n", "start", "x" * 65, "q_" * 40],
)
def test_garbage_is_rejected(payload: str) -> None:
    assert read_payload(SECRET, payload) is None


def test_overlong_payload_is_rejected_even_if_otherwise_valid() -> None:
    payload = make_payload(SECRET, LARGEST)
    assert read_payload(SECRET, payload + "A") is None
    assert read_payload(SECRET, "q_" + payload) is None


def test_trailing_newline_is_rejected() -> None:
    payload = make_payload(SECRET, QrTarget("shop1", "A1"))
    assert read_payload(SECRET, payload + "\n") is None
    assert read_payload(SECRET, payload[:-1] + "\n") is None


def test_empty_secret() -> None:
    with pytest.raises(QrPayloadError):
        make_payload(b"", QrTarget("shop1"))
    assert read_payload(b"", make_payload(SECRET, QrTarget("shop1"))) is None


@pytest.mark.parametrize(
    "target",
    [
        QrTarget(""),
        QrTarget("S" * 17),
        QrTarget("shop_1"),
        QrTarget("shop-1"),
        QrTarget("shöp"),
        QrTarget("shop1", ""),
        QrTarget("shop1", "O" * 21),
        QrTarget("shop1", "A_1"),
        QrTarget("shop1", "A 1"),
        QrTarget("shop1", None, 100),
        QrTarget("shop1", "A1", 0),
        QrTarget("shop1", "A1", -1),
        QrTarget("shop1", "A1", 10**12),
        QrTarget("shop1", "A1", True),
        QrTarget("shop1", "A1", 1.5),  # type: ignore[arg-type]
        QrTarget("shop1", "A1", "100"),  # type: ignore[arg-type]
        QrTarget(1),  # type: ignore[arg-type]
    ],
)
def test_invalid_targets_raise(target: QrTarget) -> None:
    with pytest.raises(QrPayloadError):
        make_payload(SECRET, target)


def test_payload_error_is_a_value_error_with_a_reason() -> None:
    with pytest.raises(ValueError, match="order id"):
        make_payload(SECRET, QrTarget("shop1", "A_1"))


def test_store_code_pattern() -> None:
    assert STORE_CODE.fullmatch("Shop01")
    assert STORE_CODE.fullmatch("S" * 16)
    for bad in ("", "S" * 17, "shop_1", "shop-1", "shop 1", "shöp"):
        assert not STORE_CODE.fullmatch(bad)


@given(st.text(max_size=80))
def test_read_payload_never_raises(text: str) -> None:
    assert read_payload(SECRET, text) is None


@given(targets())
def test_any_valid_target_round_trips_within_limit(target: QrTarget) -> None:
    payload = make_payload(SECRET, target)
    assert TELEGRAM_START.fullmatch(payload)
    assert read_payload(SECRET, payload) == target
    assert read_payload(OTHER_SECRET, payload) is None


@given(targets(), st.data())
def test_any_single_character_change_is_rejected(target: QrTarget, data: st.DataObject) -> None:
    payload = make_payload(SECRET, target)
    i = data.draw(st.integers(min_value=0, max_value=len(payload) - 1), label="position")
    replacement = data.draw(
        st.characters(codec="utf-8").filter(lambda c: c != payload[i])
        | st.sampled_from(ALPHANUM + "_-").filter(lambda c: c != payload[i]),
        label="replacement",
    )
    changed = payload[:i] + replacement + payload[i + 1 :]
    assert read_payload(SECRET, changed) is None


@given(targets(), st.data())
def test_any_single_character_deletion_or_insertion_is_rejected(
    target: QrTarget, data: st.DataObject
) -> None:
    payload = make_payload(SECRET, target)
    i = data.draw(st.integers(min_value=0, max_value=len(payload)), label="position")
    c = data.draw(st.sampled_from(ALPHANUM + "_-"), label="inserted")
    assert read_payload(SECRET, payload[:i] + c + payload[i:]) is None
    if i < len(payload):
        assert read_payload(SECRET, payload[:i] + payload[i + 1 :]) is None


def _png_chunks(png: bytes) -> dict[bytes, bytes]:
    chunks: dict[bytes, bytes] = {}
    pos = len(PNG_SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        chunks[kind] = chunks.get(kind, b"") + png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return chunks


def test_qr_png_is_a_png_of_the_right_size() -> None:
    link = "https://t.me/shop_feedback_bot?start=" + make_payload(SECRET, LARGEST)
    png = qr_png(link)
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 200
    chunks = _png_chunks(png)
    assert {b"IHDR", b"IDAT", b"IEND"} <= chunks.keys()
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    code = segno.make_qr(link, error="m", boost_error=False)
    assert code.designator.endswith("-M")
    assert not code.is_micro
    modules = code.symbol_size(border=4)
    assert (width, height) == (modules[0] * 8, modules[1] * 8)


def test_qr_png_encodes_exactly_the_link() -> None:
    link = "https://t.me/shop_feedback_bot?start=" + make_payload(SECRET, QrTarget("shop1"))
    code = segno.make_qr(link, error="m", boost_error=False)
    assert code.mode == "byte"
    expected = io.BytesIO()
    code.save(expected, kind="png", scale=8, border=4)
    assert qr_png(link) == expected.getvalue()
    other = "https://t.me/shop_feedback_bot?start=" + make_payload(SECRET, QrTarget("shop2"))
    assert qr_png(other) != qr_png(link)


def test_qr_png_scale() -> None:
    link = "https://t.me/b?start=q_x"
    small, large = qr_png(link, scale=2), qr_png(link, scale=10)
    w_small = struct.unpack(">I", _png_chunks(small)[b"IHDR"][:4])[0]
    w_large = struct.unpack(">I", _png_chunks(large)[b"IHDR"][:4])[0]
    assert w_large == 5 * w_small
    with pytest.raises(ValueError):
        qr_png(link, scale=0)
    with pytest.raises(ValueError):
        qr_png("")
