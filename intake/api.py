"""The HTTP intake API: `POST /api/purchases` and `POST /api/purchases/batch`.

Served by the bot's own process, on the HTTP server of bot/process/http_server.py, which
adds /healthz and the webhook to the application `create_api(...)` returns. Every
answer is JSON, errors included: `{"error": {"code", "message", "field"}}`. Requests under
`/api/` need `Authorization: Bearer <API_TOKEN>`; with no token configured they are all
refused. Logs carry method, route and status; the till's order id (free text: it may be a
phone or an e-mail) only at DEBUG, like any personal data.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import Counter
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from core.clock import Clock
from core.logs import log_failure
from core.settings import Settings
from intake.api_errors import (
    HTTP_ERROR,
    INTERNAL_ERROR,
    INVALID_JSON,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    ApiError,
)
from intake.api_service import PurchaseIntake, dump
from intake.api_validation import order_id_of, validate_batch
from storage.database import Database
from storage.intake import DispatchSoon
from storage.live_settings import LiveSettings

log = logging.getLogger(__name__)

SINGLE_MAX_BYTES = 64 * 1024
BATCH_MAX_BYTES = 2 * 1024 * 1024
READ_CHUNK = 64 * 1024
API_PREFIX = "/api/"

# What the access log line says about a request beyond its route and status: counts and
# positions, never an order id.
LOG_DETAIL = web.RequestKey("intake_log_detail", str)
# The order id a request is about, logged at DEBUG only: a till may use a phone or an e-mail.
LOG_ORDER = web.RequestKey("intake_log_order", str)
# A request that comes once per customer action (a webhook update): logged at DEBUG when it
# succeeds, so an owner's log is not a line per button press.
ROUTINE = web.RequestKey("intake_routine_request", bool)
# A request logged at DEBUG whatever its answer: a health check every 30 s (a failing one
# logs what failed itself).
QUIET = web.RequestKey("intake_quiet_request", bool)

_STATUS_CODES = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED, 413: TOO_LARGE}


class ApiHTTPError(Exception):
    """Raised by request handling to answer with an `ApiError` at once."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def create_api(
    *,
    db: Database,
    settings: LiveSettings,
    clock: Clock,
    dispatch_soon: DispatchSoon,
) -> web.Application:
    """The intake API as an aiohttp application, sharing the bot's database and clock.

    A purchase whose survey is due at once calls `dispatch_soon`. Every route added to the
    application later answers in the same JSON shape and is logged the same way.
    """
    intake = PurchaseIntake(db, settings, clock, dispatch_soon)
    handlers = _Handlers(intake)
    app = web.Application(
        middlewares=[_errors_and_access_log, _auth(settings.base)],
        # The per-endpoint limits are enforced while reading; this is the outer bound.
        client_max_size=BATCH_MAX_BYTES,
    )
    app.router.add_post("/api/purchases", handlers.purchase)
    app.router.add_post("/api/purchases/batch", handlers.batch)
    return app


def json_response(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=text,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(error.status, dump(error.body()), headers)


@web.middleware
async def _errors_and_access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes the JSON error shape; one log line per request."""
    try:
        response = await handler(request)
    except ApiHTTPError as refusal:
        response = error_response(refusal.error, _auth_headers(refusal.error))
    except web.HTTPException as http_error:
        response = _from_http_exception(http_error)
    except Exception as error:  # its message may quote the body; the order id is below
        log_failure(
            log,
            error,
            "intake API on %s %s (%s)",
            request.method,
            _route(request),
            request.get(LOG_DETAIL, "-"),
        )
        response = error_response(
            ApiError(500, INTERNAL_ERROR, "Something went wrong on our side; please retry")
        )
    routine = request.get(QUIET, False) or (request.get(ROUTINE, False) and response.status == 200)
    level = logging.DEBUG if routine else logging.INFO
    log.log(
        level,
        "%s %s %s %s",
        request.method,
        _route(request),
        response.status,
        request.get(LOG_DETAIL, "-"),
    )
    if LOG_ORDER in request:
        log.debug(
            "%s %s %s was order %s",
            request.method,
            _route(request),
            response.status,
            request[LOG_ORDER],
        )
    return response


def _route(request: web.Request) -> str:
    """The matched route, never the raw path (a client might put personal data in it)."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "(no route)"


def _from_http_exception(http_error: web.HTTPException) -> web.Response:
    status = http_error.status
    code = _STATUS_CODES.get(status, HTTP_ERROR)
    message = {
        NOT_FOUND: "There is no such endpoint; see docs/openapi.yaml",
        METHOD_NOT_ALLOWED: "This endpoint does not accept this HTTP method",
        TOO_LARGE: "The request body is too large",
    }.get(code, http_error.reason)
    headers = {"Allow": http_error.headers["Allow"]} if "Allow" in http_error.headers else None
    return error_response(ApiError(status, code, message), headers)


def _auth_headers(error: ApiError) -> dict[str, str] | None:
    return {"WWW-Authenticate": "Bearer"} if error.status == 401 else None


def _auth(settings: Settings) -> Middleware:
    expected = settings.api_token.get_secret_value().strip().encode("utf-8")

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(API_PREFIX) and not authorized(
            request.headers.get("Authorization"), expected
        ):
            raise ApiHTTPError(
                ApiError(
                    401,
                    UNAUTHORIZED,
                    "Send Authorization: Bearer <API_TOKEN> with the token set in the bot's "
                    "settings (the API is off while API_TOKEN is empty)",
                )
            )
        return await handler(request)

    return auth


def authorized(header: str | None, expected: bytes) -> bool:
    """A constant-time check of `Bearer <token>`; always False while no token is configured."""
    if not expected or header is None:
        return False
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode("utf-8", "replace"), expected)


async def read_json_object(request: web.Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object, or an `ApiHTTPError` (415, 413 or 400)."""
    charset = (request.charset or "utf-8").lower()
    if request.content_type != "application/json" or charset not in {"utf-8", "utf8"}:
        raise ApiHTTPError(
            ApiError(
                415,
                UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON with Content-Type: application/json",
            )
        )
    body = await _read_bounded(request, limit)
    try:
        value = json.loads(
            body.decode("utf-8-sig"),
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_duplicates,
        )
    except UnicodeDecodeError:
        raise _invalid_json("The body is not valid UTF-8") from None
    except json.JSONDecodeError as error:
        raise _invalid_json(
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise _invalid_json(f"The body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise _invalid_json("The body must be a JSON object")
    return value


async def _read_bounded(request: web.Request, limit: int) -> bytes:
    """Read at most `limit` bytes; stop early (413) rather than buffer a huge body."""
    too_large = ApiHTTPError(
        ApiError(413, TOO_LARGE, f"The request body is larger than {limit // 1024} KiB")
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _invalid_json(message: str) -> ApiHTTPError:
    return ApiHTTPError(ApiError(400, INVALID_JSON, message))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("an object has the same key twice")
    return value


class _Handlers:
    def __init__(self, intake: PurchaseIntake) -> None:
        self._intake = intake

    async def purchase(self, request: web.Request) -> web.Response:
        raw = await read_json_object(request, SINGLE_MAX_BYTES)
        request[LOG_ORDER] = order_id_of(raw) or "-"
        reply = await self._intake.submit(raw)
        return json_response(reply.status, reply.text)

    async def batch(self, request: web.Request) -> web.Response:
        raw = await read_json_object(request, BATCH_MAX_BYTES)
        items = validate_batch(raw)
        if isinstance(items, ApiError):
            raise ApiHTTPError(items)
        results: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            # Items are independent and already committed ones stay: a retried batch replays.
            request[LOG_DETAIL] = f"batch item {index}"
            request[LOG_ORDER] = order_id_of(item) or "-"
            reply = await self._intake.submit(item)
            results.append({"index": index, "status": reply.status, "body": reply.body()})
        counts = Counter(result["status"] for result in results)
        summary = {
            "created": counts[201],
            "replayed": counts[200],
            "conflicts": counts[409],
            "rejected": counts[422],
        }
        request[LOG_DETAIL] = "batch of {} items: {}".format(
            len(results), ", ".join(f"{name} {count}" for name, count in summary.items())
        )
        request.pop(LOG_ORDER, None)  # the last item's: not what the whole batch was about
        return json_response(200, dump({"results": results, **summary}))
