"""The aiohttp application: routes Bot API calls and file downloads to the shared state."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any

from aiohttp import web

from sandbox import methods_bot, methods_messages, methods_updates
from sandbox.errors import ApiError, bad_request
from sandbox.faults import FaultKind
from sandbox.observed import RecordedRequest, UploadedFile
from sandbox.params import decode_params
from sandbox.state import EmulatorState, Handler

# lower-cased name -> (canonical name, handler): Telegram matches method names case-insensitively
_HANDLERS: dict[str, tuple[str, Handler]] = {
    name.lower(): (name, handler)
    for module in (methods_bot, methods_messages, methods_updates)
    for name, handler in module.METHODS.items()
}
_log = logging.getLogger(__name__)


def _handler_for(requested: str) -> tuple[str, Handler | None]:
    """The method's canonical name and handler; the name as given and None if unknown."""
    return _HANDLERS.get(requested.lower(), (requested, None))


_MAX_BODY = 64 * 1024 * 1024
_SHUTDOWN_TIMEOUT = 1.0


class ApiServer:
    """HTTP front end; all behaviour lives in the method handlers and EmulatorState."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        state.webhook.reply_runner = self.run_webhook_reply
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll ends when the bot drops the connection
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_TIMEOUT, access_log=None
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound_port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle_method(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method_name, handler = _handler_for(request.match_info["method"])
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self._state.bot.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            params = await read_params(request)
            fault = self._state.faults.next_for(method_name)
            if fault is not None and fault.kind in (FaultKind.DROP, FaultKind.HANG):
                self._state.requests.append(RecordedRequest(method_name, params, arrived, 0))
                self._state.changed()
                if fault.kind is FaultKind.HANG:
                    await _until_hung_up(request, fault.seconds)
                if request.transport is not None:
                    request.transport.close()  # no answer at all, as when a connection breaks
                return web.Response(status=500)  # never reaches the bot
            if fault is not None and fault.kind is FaultKind.SERVER_ERROR:
                raise ApiError(fault.status, "Bad Gateway")
            if fault is not None and fault.kind is FaultKind.RETRY_AFTER:
                seconds = int(fault.seconds)
                raise ApiError(
                    429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
                )
            result = await self._run(method_name, handler, params)
            if fault is not None and fault.kind is FaultKind.SLOW:
                await asyncio.sleep(fault.seconds)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.status, exc.payload()
        except Exception as exc:  # an emulator bug: report it to the bot like Telegram's 500
            _log.exception("emulator failed on %s", method_name)
            error = ApiError(500, f"Internal Server Error: {type(exc).__name__}: {exc}")
            status, body = error.status, error.payload()
        self._state.requests.append(RecordedRequest(method_name, params, arrived, status))
        self._state.changed()
        return web.json_response(body, status=status)

    async def _run(self, method_name: str, handler: Handler, params: dict[str, Any]) -> Any:
        if method_name in methods_messages.RATE_LIMITED:
            self._state.check_rate_limit()
        result = handler(self._state, params)
        return await result if inspect.isawaitable(result) else result

    async def run_webhook_reply(self, reply: dict[str, Any]) -> None:
        """Run the Bot API call a bot put in its answer to a webhook request, as Telegram
        does: `method` names it, the other fields are its parameters, and its result (or
        error) goes nowhere but the emulator's request log."""
        arrived = time.monotonic()
        method_name, handler = _handler_for(str(reply.get("method", "")))
        params: dict[str, Any] = {}
        status = 200
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            params = decode_params({k: v for k, v in reply.items() if k != "method"})
            await self._run(method_name, handler, params)
        except ApiError as exc:
            status = exc.status
        except Exception:
            _log.exception("emulator failed on %s from a webhook reply", method_name)
            status = 500
        call = RecordedRequest(method_name, params, arrived, status, in_webhook_reply=True)
        self._state.requests.append(call)
        self._state.changed()

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._state.bot.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        stored = self._state.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )


async def read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, urlencoded or multipart) into decoded params.

    Multipart files become UploadedFile, including those referenced as "attach://<name>".
    """
    raw: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return decode_params(raw)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if isinstance(body, dict):
            raw.update(body)
        return decode_params(raw)
    uploads: dict[str, UploadedFile] = {}
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            # aiohttp closes the temp file when the request finishes
            uploads[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
        else:
            raw[key] = value
    for key, value in list(raw.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            raw[key] = uploads.pop(value.removeprefix("attach://"), value)
    raw.update(uploads)
    return decode_params(raw)


async def _until_hung_up(request: web.Request, seconds: float) -> None:
    """Hold a request unanswered for `seconds`, or until the bot gives up on it first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if request.transport is None or request.transport.is_closing():
            return
        await asyncio.sleep(0.05)
