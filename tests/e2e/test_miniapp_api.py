"""[miniapp]: the dashboard's JSON, its access rules and the /dashboard button, over real HTTP."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox import EmulatedUser
from sandbox.web_app import sign_init_data
from storage import answer_table
from tests.e2e.conftest import TOKEN, Harness
from tests.e2e.steps import press_and_next, purchase, rows, served_api, started_customer
from tests.helpers import free_port

BASE = "/app/"


@pytest.fixture
async def dashboard(harness: Harness) -> Harness:
    port = free_port()
    harness.overrides.update(api_port=str(port), webapp_url=f"http://127.0.0.1:{port}/app")
    await harness.start()
    for staff in (harness.owner, harness.admin):
        staff.send_text("/start")
        await staff.next_message()
    return harness


@pytest.fixture
async def http(dashboard: Harness) -> AsyncIterator[aiohttp.ClientSession]:
    async with served_api(dashboard) as session:
        yield session


def signed(user: EmulatedUser, *, token: str = TOKEN, age: float = 0) -> dict[str, str]:
    person = {"id": user.id, "first_name": user.first_name, "language_code": user.language_code}
    init_data = sign_init_data(token, person, auth_date=int(time.time() - age))
    return {"Authorization": f"tma {init_data}"}


async def get(
    http: aiohttp.ClientSession, path: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with http.get(BASE + path, headers=headers or {}) as response:
        return response.status, await response.json()


async def post(
    http: aiohttp.ClientSession, path: str, headers: dict[str, str], body: object = None
) -> tuple[int, Any]:
    async with http.post(BASE + path, headers=headers, json=body or {}) as response:
        return response.status, await response.json()


async def _survey(
    harness: Harness, name: str, nps: str, *, fix: str = "", wish: str = ""
) -> EmulatedUser:
    """A survey answered to its end: scores, "100% satisfied?" No, then the written answers."""
    customer = await started_customer(harness, first_name=name, language_code="ru")
    await purchase(harness, customer)
    message = await customer.next_message()
    for label in (nps, "4", "Нет"):
        message = await press_and_next(customer, message, label)
    for words, skip in ((fix, "Пропустить"), (wish, "Нет, спасибо")):
        if words:
            customer.send_text(words)
        else:
            customer.press(message, skip)
        message = await customer.next_message()
    await press_and_next(customer, message, "Нет")
    return customer


# --- access ---------------------------------------------------------------------------------


async def test_only_staff_with_fresh_signed_init_data_are_let_in(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    customer = await started_customer(dashboard)
    assert (await get(http, "data/me"))[0] == 401
    status, body = await get(http, "data/me", signed(dashboard.owner, token="1:forged"))
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    status, body = await get(http, "data/overview", signed(dashboard.owner, age=2 * 86400))
    assert (status, body["error"]["code"]) == (401, "expired")
    status, body = await get(http, "data/overview", signed(customer))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    stranger = dashboard.emulator.create_user(first_name="Eve")
    assert (await get(http, "data/alerts", signed(stranger)))[0] == 403
    status, me = await get(http, "data/me", signed(dashboard.owner))
    assert (status, me["role"], me["language"]) == (200, "owner", "ru")
    status, me = await get(http, "data/me", signed(dashboard.admin))
    assert (status, me["role"], me["language"]) == (200, "admin", "en")


async def test_the_page_and_its_files_need_no_init_data(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    for path in ("/app", "/app/", "/app/static/app.js", "/app/static/app.css"):
        async with http.get(path) as response:
            assert response.status == 200, path
            text = await response.text()
    async with http.get("/app/") as response:
        page = await response.text()
        assert '<base href="/app/">' in page
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "http" not in text.replace("https://web.telegram.org", "")  # nothing from outside


async def test_admins_act_and_only_owners_change_settings(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    change = {"name": "survey_delay", "value": "2h"}
    status, body = await post(http, "data/settings", signed(dashboard.admin), change)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, listing = await get(http, "data/settings", signed(dashboard.admin))
    assert status == 200 and listing["editable"] is False
    status, body = await post(http, "data/settings", signed(dashboard.owner), change)
    assert status == 200
    delay = next(s for s in body["settings"] if s["name"] == "survey_delay")
    assert delay["value"] == "2h" and delay["changed"] is True
    assert dashboard.app is not None
    assert dashboard.app.live_settings.current.survey_delay.total_seconds() == 7200
    assert await rows(dashboard, "SELECT name, value FROM setting_overrides") == [
        ("survey_delay", "2h")
    ]
    status, body = await post(
        http, "data/settings", signed(dashboard.owner), {"name": "survey_delay", "value": "soon"}
    )
    assert (status, body["error"]["field"]) == (400, "value")
    assert dashboard.app.live_settings.current.survey_delay.total_seconds() == 7200


async def test_bad_parameters_get_a_json_error(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    owner = signed(dashboard.owner)
    for path, field in (
        ("data/overview?period=1y", "period"),
        ("data/overview?store=nowhere", "store"),
        ("data/trend?weeks=7", "weeks"),
        ("data/alerts?state=lost", "state"),
        ("data/answers?nps=some", "nps"),
        ("data/answers?from=yesterday", "from"),
        ("data/answers?after=garbage", "after"),
        ("data/export?format=pdf", "format"),
    ):
        status, body = await get(http, path, owner)
        assert (status, body["error"]["field"]) == (400, field), path
    status, body = await post(http, "data/alerts/999/claim", owner)
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, body = await post(http, "data/leads/999", owner, {"status": "won"})
    assert status == 404
    status, body = await post(http, "data/leads/1", owner, {"status": "maybe"})
    assert (status, body["error"]["field"]) == (400, "status")


# --- what it shows ----------------------------------------------------------------------------


async def test_answers_are_searched_filtered_and_paged(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    await _survey(dashboard, "Anna", "10", wish="Доставку на ДОМ")
    await _survey(dashboard, "Boris", "3", fix="курьер опоздал")
    await dashboard.owner.next_message()  # Boris's alert
    await _survey(dashboard, "Vera", "8")
    owner = signed(dashboard.owner)
    status, body = await get(http, "data/answers", owner)
    assert status == 200 and [row["nps"] for row in body["rows"]] == [8, 3, 10]
    assert body["next"] is None
    _, body = await get(http, "data/answers?q=доставку+на+дом", owner)
    assert [(row["customer"]["first_name"], row["upsell"]) for row in body["rows"]] == [
        ("Anna", "Доставку на ДОМ")
    ]
    _, body = await get(http, "data/answers?nps=detractors", owner)
    assert [(row["nps"], row["fix"], row["csat"]) for row in body["rows"]] == [
        (3, "курьер опоздал", 4)
    ]
    assert dashboard.app is not None
    reader = dashboard.app.db.reader
    first, cursor = await answer_table.page(reader, answer_table.Filter(), None, 2)
    assert [row.nps for row in first] == [8, 3] and cursor is not None
    _, body = await get(http, f"data/answers?after={cursor.token()}", owner)
    assert [row["nps"] for row in body["rows"]] == [10] and body["next"] is None


async def test_a_lead_is_worked_from_the_page(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    await _survey(dashboard, "Anna", "9", wish="торт на заказ")
    admin = signed(dashboard.admin)
    status, body = await get(http, "data/leads", admin)
    assert status == 200 and body["open"] == 1
    (lead,) = body["leads"]
    assert (lead["kind"], lead["text"], lead["status"]) == ("upsell", "торт на заказ", "open")
    status, body = await post(http, f"data/leads/{lead['id']}", admin, {"status": "won"})
    assert (status, body["changed"], body["lead"]["status"], body["open"]) == (200, True, "won", 0)
    assert await rows(dashboard, "SELECT status, status_by FROM leads") == [
        ("won", dashboard.admin.id)
    ]
    _, body = await get(http, "data/leads", admin)
    assert body["leads"] == [] and body["open"] == 0


async def test_the_overview_and_trend_count_what_the_bot_stored(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    await _survey(dashboard, "Anna", "10")
    await _survey(dashboard, "Boris", "2")
    owner = signed(dashboard.owner)
    status, body = await get(http, "data/overview?period=7d", owner)
    assert status == 200
    assert body["nps"] == {
        "score": 0.0,
        "promoters": 1,
        "passives": 0,
        "detractors": 1,
        "total": 2,
    }
    assert body["csat"]["average"] == 4 and body["surveys"]["sent"] == 2
    assert body["alerts_now"] == {"open": 1, "claimed": 0}
    status, trend = await get(http, "data/trend?weeks=52", owner)
    assert status == 200 and len(trend["points"]) == 52
    assert trend["points"][-1]["answers"] == 2 and trend["points"][0]["answers"] == 0
    assert trend["svg"].startswith("<svg") and "NPS и CSAT по неделям" in trend["svg"]


async def test_the_export_downloads_from_the_page(
    dashboard: Harness, http: aiohttp.ClientSession
) -> None:
    await _survey(dashboard, "Anna", "10", wish="торт")
    async with http.get(BASE + "data/export?format=csv", headers=signed(dashboard.admin)) as got:
        assert got.status == 200
        assert got.headers["Content-Disposition"].endswith('.zip"')
        archive = zipfile.ZipFile(io.BytesIO(await got.read()))
    names = archive.namelist()
    assert "surveys.csv" in names and "leads.csv" in names
    assert "торт" in archive.read("surveys.csv").decode("utf-8-sig")
    async with http.get(BASE + "data/export?format=xlsx", headers=signed(dashboard.owner)) as got:
        assert got.status == 200 and (await got.read()).startswith(b"PK")


# --- the button -------------------------------------------------------------------------------


async def test_staff_get_the_dashboard_as_a_button_and_as_their_menu(dashboard: Harness) -> None:
    dashboard.admin.send_text("/dashboard")
    reply = await dashboard.admin.next_message()
    url = dashboard.app.settings.webapp_url if dashboard.app else ""
    assert reply.web_app_url("Dashboard") == url
    for staff in (dashboard.owner, dashboard.admin):
        button = staff.menu_button()
        assert button["type"] == "web_app" and button["web_app"]["url"] == url
    customer = await started_customer(dashboard)
    assert customer.menu_button()["type"] != "web_app"
    customer.send_text("/dashboard")
    assert "staff" in ((await customer.next_message()).text or "")


async def test_without_webapp_url_dashboard_says_how_to_turn_it_on(running: Harness) -> None:
    running.owner.send_text("/dashboard")
    reply = await running.owner.next_message()
    assert "WEBAPP_URL" in (reply.text or "") and reply.button_labels == []
