"""The Mini App on the bot's HTTP server: its page and static files under WEBAPP_URL's path,
and its JSON under `<path>data/`, each answer to a staff member's signed `initData` only.

Errors have the intake API's shape, `{"error": {"code", "message"}}`: 400 for a bad
parameter, 401 for missing, forged or expired `initData`, 403 for a customer or a stranger
(and for an admin changing a setting), 404 for an unknown alert or lead.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from core.owner_settings import RUNTIME, SettingError, shown
from core.scores import DETRACTOR_MAX, PASSIVE_MIN, PROMOTER_MIN
from intake.api import error_response, json_response, read_json_object
from intake.api_errors import ApiError
from intake.api_service import dump
from storage import alerts, answer_table, leads, stores
from storage.leads import LeadStatus
from storage.paging import Cursor
from webapp import payloads
from webapp.access import MAX_AGE, Refused, Viewer, viewer_of
from webapp.figures import DEFAULT_PERIOD, PERIODS, TREND_WEEKS, Figures
from webapp.services import PageContext
from webapp.trend_svg import trend_svg

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
ANSWERS_PAGE = 50
ALERTS_PAGE = 20
LEADS_PAGE = 20
BODY_LIMIT = 4 * 1024
NPS_GROUPS = {
    "all": (0, 10),
    "promoters": (PROMOTER_MIN, 10),
    "passives": (PASSIVE_MIN, PROMOTER_MIN - 1),
    "detractors": (0, DETRACTOR_MAX),
}
SECURITY_HEADERS = {
    # Nothing from anywhere else: no CDN, no Telegram script (the page reads its launch
    # parameters from the URL), and only Telegram may frame it.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'self' https://web.telegram.org"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

Handler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def mount_path(webapp_url: str) -> str:
    """WEBAPP_URL's path with one trailing slash: `/` for https://app.example.com."""
    path = urlsplit(webapp_url).path.rstrip("/")
    return f"{path}/"


class BadParameter(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    return error_response(ApiError(status, code, message, field), NO_STORE)


def _json(value: dict[str, Any]) -> web.Response:
    return json_response(200, dump(value), NO_STORE)


class _Pages:
    def __init__(self, context: PageContext, base: str) -> None:
        self._context = context
        self._base = base
        self._db = context.db
        self._figures = Figures(context.db, context.live_settings, context.clock)
        self._index = (STATIC / "index.html").read_text(encoding="utf-8")

    async def stop(self, http: web.Application) -> None:
        await self._figures.close()  # a recomputation in the background

    # --- the page -----------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        html = self._index.replace("{{base}}", self._base)
        return web.Response(
            text=html, content_type="text/html", charset="utf-8", headers=SECURITY_HEADERS
        )

    # --- access -------------------------------------------------------------------------------

    def staff(
        self, handler: Handler, *, owners_only: bool = False
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def checked(request: web.Request) -> web.StreamResponse:
            try:
                viewer = viewer_of(
                    request.headers.get("Authorization"),
                    token=self._context.token,
                    roles=self._context.bot.roles,
                    now=self._context.clock(),
                    max_age=MAX_AGE,
                )
                if owners_only and not viewer.is_owner:
                    raise Refused(403, "forbidden", "Only the business's owners change settings")
                return await handler(request, viewer)
            except Refused as refusal:
                return _error(refusal.status, refusal.code, refusal.message)
            except BadParameter as bad:
                return _error(400, "bad_request", bad.message, bad.field)

        return checked

    async def _language(self, viewer: Viewer) -> str:
        return await self._context.bot.language(viewer.user_id, viewer.language_code)

    async def _store(self, request: web.Request) -> str | None:
        name = request.query.get("store", "").strip()
        if not name:
            return None
        if name not in await stores.names(self._db.reader):
            raise BadParameter("store", f"There is no store {name!r}")
        return name

    # --- what the page reads ------------------------------------------------------------------

    async def me(self, request: web.Request, viewer: Viewer) -> web.Response:
        settings = self._context.live_settings.current
        names = await stores.names(self._db.reader)
        return _json(
            {
                "user": {"id": viewer.user_id, "first_name": viewer.first_name},
                "role": str(viewer.role),
                "language": await self._language(viewer),
                "timezone": settings.timezone,
                "currency": settings.currency,
                "stores": [{"key": key, "name": name} for key, name in names.items()],
                "periods": list(PERIODS),
                "default_period": DEFAULT_PERIOD,
                "weeks": list(TREND_WEEKS),
            }
        )

    async def overview(self, request: web.Request, viewer: Viewer) -> web.Response:
        choice = request.query.get("period", DEFAULT_PERIOD)
        if choice not in PERIODS:
            raise BadParameter("period", f"period is one of {', '.join(PERIODS)}")
        figures = await self._figures.overview(choice, await self._store(request))
        counts = await alerts.state_counts(self._db.reader)
        return _json({**figures, "alerts_now": counts})

    async def trend(self, request: web.Request, viewer: Viewer) -> web.Response:
        weeks = request.query.get("weeks", str(TREND_WEEKS[0]))
        if weeks not in {str(count) for count in TREND_WEEKS}:
            raise BadParameter("weeks", f"weeks is one of {', '.join(map(str, TREND_WEEKS))}")
        points = await self._figures.trend(int(weeks), await self._store(request))
        language = await self._language(viewer)
        title = self._context.bot.words(language, "dashboard_trend_title")
        return _json(
            {
                "points": [
                    {
                        "week_start": point.week_start.isoformat(),
                        "nps": point.nps,
                        "answers": point.total,
                        "csat": point.csat_average,
                    }
                    for point in points
                ],
                "svg": trend_svg(points, language, title),
            }
        )

    async def alert_list(self, request: web.Request, viewer: Viewer) -> web.Response:
        state = request.query.get("state", "open")
        if state not in alerts.ALERT_STATES:
            raise BadParameter("state", f"state is one of {', '.join(alerts.ALERT_STATES)}")
        views, cursor = await alerts.listing(self._db.reader, state, _cursor(request), ALERTS_PAGE)
        return _json(
            {
                "alerts": [await self._alert(view) for view in views],
                "next": cursor.token() if cursor else None,
                "counts": await alerts.state_counts(self._db.reader),
            }
        )

    async def _alert(self, view: alerts.AlertView) -> dict[str, Any]:
        name = self._context.bot.staff_name
        handler = await name(view.claimed_by) if view.claimed_by is not None else None
        resolver = await name(view.resolved_by) if view.resolved_by is not None else None
        return payloads.alert(view, handler, resolver)

    async def alert_action(self, request: web.Request, viewer: Viewer) -> web.Response:
        alert_id = _id(request)
        if await alerts.get(self._db.reader, alert_id) is None:
            return _error(404, "not_found", f"There is no alert {alert_id}")
        if request.match_info["action"] == "claim":
            changed = await self._context.bot.claim_alert(alert_id, viewer.user_id)
        else:
            changed = await self._context.bot.resolve_alert(alert_id, viewer.user_id)
        view = await alerts.get(self._db.reader, alert_id)
        assert view is not None
        counts = await alerts.state_counts(self._db.reader)
        return _json({"changed": changed, "alert": await self._alert(view), "counts": counts})

    async def lead_list(self, request: web.Request, viewer: Viewer) -> web.Response:
        which = request.query.get("status", "open")
        if which not in ("open", "all"):
            raise BadParameter("status", "status is open or all")
        before = request.query.get("before", "")
        if before and not before.isdigit():
            raise BadParameter("before", "before is a lead's id")
        views = await leads.page(
            self._db.reader,
            open_only=which == "open",
            before=int(before) if before else None,
            limit=LEADS_PAGE + 1,
        )
        currency = self._context.live_settings.current.currency
        shown_views = views[:LEADS_PAGE]
        return _json(
            {
                "leads": [payloads.lead(view, currency) for view in shown_views],
                "next": str(shown_views[-1].id) if len(views) > LEADS_PAGE else None,
                "open": await leads.count(self._db.reader, open_only=True),
            }
        )

    async def lead_status(self, request: web.Request, viewer: Viewer) -> web.Response:
        lead_id = _id(request)
        body = await read_json_object(request, BODY_LIMIT)
        try:
            status = LeadStatus(str(body.get("status")))
        except ValueError:
            raise BadParameter("status", f"status is one of {', '.join(LeadStatus)}") from None
        if await leads.get(self._db.reader, lead_id) is None:
            return _error(404, "not_found", f"There is no lead {lead_id}")
        async with self._db.transaction() as conn:
            changed = await leads.set_status(
                conn, lead_id, status, viewer.user_id, self._context.clock()
            )
        view = await leads.get(self._db.reader, lead_id)
        assert view is not None
        currency = self._context.live_settings.current.currency
        still_open = await leads.count(self._db.reader, open_only=True)
        return _json(
            {"changed": changed, "lead": payloads.lead(view, currency), "open": still_open}
        )

    async def answers(self, request: web.Request, viewer: Viewer) -> web.Response:
        group = request.query.get("nps", "all")
        if group not in NPS_GROUPS:
            raise BadParameter("nps", f"nps is one of {', '.join(NPS_GROUPS)}")
        tz = self._context.live_settings.current.tz
        start = _day(request, "from")
        end = _day(request, "to")
        low, high = NPS_GROUPS[group]
        where = answer_table.Filter(
            nps_min=low,
            nps_max=high,
            store_key=await self._store(request),
            start=datetime.combine(start, time(), tz) if start else None,
            end=datetime.combine(end + timedelta(days=1), time(), tz) if end else None,
            search=request.query.get("q", ""),
        )
        rows, cursor = await answer_table.page(
            self._db.reader, where, _cursor(request), ANSWERS_PAGE
        )
        return _json(
            {
                "rows": [
                    {
                        "survey_id": row.survey_id,
                        "answered_at": payloads.moment(row.answered_at),
                        "customer": {
                            "first_name": row.first_name,
                            "last_name": row.last_name,
                            "username": row.username,
                        },
                        "store": row.store,
                        "nps": row.nps,
                        "csat": row.csat,
                        "satisfied": row.satisfied,
                        "fix": row.fix,
                        "upsell": row.upsell,
                        "referral": row.referral,
                    }
                    for row in rows
                ],
                "next": cursor.token() if cursor else None,
            }
        )

    async def export(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        kind = request.query.get("format", "xlsx")
        if kind not in ("csv", "xlsx"):
            raise BadParameter("format", "format is csv or xlsx")
        language = await self._language(viewer)
        stamp = self._context.clock().astimezone(self._context.live_settings.current.tz)
        name = f"feedback-{stamp:%Y-%m-%d}"
        async with self._context.bot.export(kind, language) as paths:
            if kind == "xlsx":
                path, filename = paths[0], f"{name}.xlsx"
            else:
                path, filename = paths[0].with_name(f"{name}.zip"), f"{name}.zip"
                _zip(paths, path)
            response = web.StreamResponse(
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Content-Length": str(path.stat().st_size),
                    "Cache-Control": "no-store",
                }
            )
            await response.prepare(request)
            with path.open("rb") as file:
                while chunk := file.read(256 * 1024):
                    await response.write(chunk)
            await response.write_eof()
        log.info("export (%s) downloaded by staff %s", kind, viewer.user_id)
        return response

    async def settings(self, request: web.Request, viewer: Viewer) -> web.Response:
        return _json(await self._settings(viewer))

    async def _settings(self, viewer: Viewer) -> dict[str, Any]:
        live = self._context.live_settings
        language = await self._language(viewer)
        words = self._context.bot.words
        return {
            "editable": viewer.is_owner,
            "settings": [
                {
                    "name": name,
                    "value": shown(live.current, name),
                    "default": shown(live.base, name),
                    "changed": name in live.overrides,
                    "description": words(language, f"setting_{name}"),
                    "format": words(language, f"setting_format_{name}"),
                }
                for name in RUNTIME
            ],
        }

    async def change_setting(self, request: web.Request, viewer: Viewer) -> web.Response:
        body = await read_json_object(request, BODY_LIMIT)
        name, value = body.get("name"), body.get("value")
        if name not in RUNTIME:
            raise BadParameter("name", f"name is one of {', '.join(RUNTIME)}")
        if not isinstance(value, str) or not value.strip():
            raise BadParameter("value", "value is the new value as text")
        live = self._context.live_settings
        try:
            await live.change(self._db, name, value.strip(), viewer.user_id, self._context.clock())
        except SettingError as error:
            language = await self._language(viewer)
            hint = self._context.bot.words(language, f"setting_format_{name}")
            log.debug("setting %s refused: %s", name, error)
            raise BadParameter("value", f"{error} ({hint})") from None
        log.info("setting %s changed by staff %s from the dashboard", name, viewer.user_id)
        await self._context.bot.setting_changed(name)
        return _json(await self._settings(viewer))


def _id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise BadParameter("id", "an id is a whole number")
    return int(text)


def _cursor(request: web.Request) -> Cursor | None:
    token = request.query.get("after", "")
    if not token:
        return None
    try:
        return Cursor.parse(token)
    except ValueError:
        raise BadParameter("after", "after is the `next` of the page before") from None


def _day(request: web.Request, field: str) -> date | None:
    text = request.query.get(field, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(field, f"{field} is a date such as 2026-12-31") from None


def _zip(paths: list[Path], target: Path) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, arcname=path.name)


def add_webapp_routes(http: web.Application, context: PageContext) -> str:
    """Mount the Mini App under WEBAPP_URL's path; that path."""
    base = mount_path(context.live_settings.base.webapp_url)
    pages = _Pages(context, base)
    staff, owners = pages.staff, partial(pages.staff, owners_only=True)
    routes = http.router
    routes.add_get(base, pages.index)
    if base != "/":
        routes.add_get(base.rstrip("/"), pages.index)
    routes.add_static(f"{base}static", STATIC, append_version=False)
    data = f"{base}data/"
    routes.add_get(f"{data}me", staff(pages.me))
    routes.add_get(f"{data}overview", staff(pages.overview))
    routes.add_get(f"{data}trend", staff(pages.trend))
    routes.add_get(f"{data}alerts", staff(pages.alert_list))
    routes.add_post(f"{data}alerts/{{id}}/{{action:claim|resolve}}", staff(pages.alert_action))
    routes.add_get(f"{data}leads", staff(pages.lead_list))
    routes.add_post(f"{data}leads/{{id}}", staff(pages.lead_status))
    routes.add_get(f"{data}answers", staff(pages.answers))
    routes.add_get(f"{data}export", staff(pages.export))
    routes.add_get(f"{data}settings", staff(pages.settings))
    routes.add_post(f"{data}settings", owners(pages.change_setting))
    http.on_cleanup.append(pages.stop)
    return base
