"""Property-based, end to end: CSV files of garbage sent to the bot, and intake API bodies of
every wrong shape, each get a clear answer; what they report imported is what is stored,
and the database stays consistent (checked after each example by `in_fresh_bot`).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.e2e.conftest import Harness
from tests.e2e.steps import FRESH_BOT_EXAMPLES, in_fresh_bot, rows, served_api

HEADER = "order_id;amount;telegram_user_id;phone;store;purchased_at\n"
CELLS = st.sampled_from(
    ["", "C-1", "C-2", "1500", "1500,50", "-3", "1e9", "0", "+7 900 111-22-33", "424242",
     '"', '";"', "\n", "\r", "=cmd()", "2026-11-20 10:00", "31.02.2026", "<b>x</b>", "\x00"]
) | st.text(max_size=12)  # fmt: skip
GOOD_ROWS = st.builds(
    "{};{};;+7 900 111-22-33;shop;".format,
    st.sampled_from(["C-1", "C-2", "C-3"]),  # few: duplicates within and across files
    st.sampled_from(["1500", "700,5", "10"]),
)
ROWS = st.lists(
    st.lists(CELLS, min_size=1, max_size=7).map(";".join) | GOOD_ROWS, min_size=1, max_size=8
)
CSV_FILES = (
    st.binary(max_size=300)
    | st.text(max_size=300).map(str.encode)
    | st.builds(lambda text: (HEADER + text).encode(), st.text(max_size=300))
    | ROWS.map(lambda lines: (HEADER + "\n".join(lines)).encode())
    | ROWS.map(lambda lines: (HEADER + "\n".join(lines)).encode("cp1251", "replace"))
)
IMPORTED = re.compile(r"purchases imported: (\d+)")

API_TOKEN = "garbage-token"
FIELDS = ["order_id", "amount", "currency", "purchased_at", "store", "telegram_user_id", "phone",
          "customer_id", "purchases"]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
GOOD = {"order_id": "G-1", "amount": "10.00", "phone": "+79001234567"}
GOOD_VALUES = st.sampled_from(["G-1", "G-2", "G-3", "12.50", 7, "RUB", "shop"])
NEAR_GOOD = st.builds(  # a valid purchase with a field or two changed, or none
    lambda changes: {**GOOD, **changes},
    st.dictionaries(st.sampled_from(FIELDS[:8]), GOOD_VALUES | JSON_VALUES, max_size=2),
)
OBJECTS = NEAR_GOOD | st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=10), JSON_VALUES, max_size=7
)
BODIES = (
    OBJECTS.map(json.dumps)
    | JSON_VALUES.map(json.dumps)
    | st.lists(OBJECTS | JSON_VALUES, max_size=5).map(
        lambda items: json.dumps({"purchases": items})
    )
    | st.text(max_size=100)
).map(str.encode) | st.binary(max_size=100)
PATHS = st.sampled_from(["/api/purchases", "/api/purchases/batch"])


@pytest.mark.timeout(120)
@FRESH_BOT_EXAMPLES
@given(files=st.lists(CSV_FILES, min_size=4, max_size=8))
def test_garbage_csv_files_get_a_clear_answer_and_import_what_they_say(files: list[bytes]) -> None:
    asyncio.run(in_fresh_bot(lambda harness: _send_files(harness, files)))


async def _send_files(harness: Harness, files: list[bytes]) -> None:
    admin, reported = harness.admin, 0
    for content in files:
        admin.send_document(filename="purchases.csv", content=content)
        reply = (await admin.next_message(timeout=10)).text or ""
        assert "went wrong" not in reply, reply
        imported = IMPORTED.search(reply)
        assert imported or "was not imported" in reply, reply
        reported += int(imported.group(1)) if imported else 0
    await harness.emulator.wait_idle()
    assert admin.pending_messages() == []
    assert await rows(harness, "SELECT COUNT(*) FROM purchases") == [(reported,)]


@pytest.mark.timeout(120)
@FRESH_BOT_EXAMPLES
@given(calls=st.lists(st.tuples(PATHS, BODIES), min_size=20, max_size=40))
def test_api_bodies_of_every_wrong_shape_get_a_json_answer_never_a_500(
    calls: list[tuple[str, bytes]],
) -> None:
    asyncio.run(in_fresh_bot(lambda harness: _post_all(harness, calls), api_token=API_TOKEN))


async def _post_all(harness: Harness, calls: list[tuple[str, bytes]]) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"}
    created = 0
    async with served_api(harness) as session:
        for path, body in calls:
            async with session.post(path, data=body, headers=headers) as response:
                answer = await _json_answer(response)
            if response.status == 201:
                created += 1
            elif path.endswith("batch") and response.status == 200:
                created += answer["created"]
            elif response.status != 200:  # 200 on a single purchase: a replay
                assert 400 <= response.status < 500, (response.status, answer)
                error = answer["error"]
                assert set(error) == {"code", "message", "field"} and error["message"]
    assert await rows(harness, "SELECT COUNT(*) FROM purchases") == [(created,)]


async def _json_answer(response: aiohttp.ClientResponse) -> Any:
    assert response.content_type == "application/json"
    return json.loads(await response.text())
