"""The sandbox's web page: play the customer and the owner side by side, against the real bot
and the emulator, in a browser, with no Telegram account.

Each side is an emulated user (sandbox.driver.EmulatedUser): the page shows their chats as
the emulator holds them and sends what the person types or presses as that user. Owners'
Mini App buttons open the bot's own dashboard with `initData` signed as Telegram signs it.
Everything stays on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.driver import EmulatedUser
from sandbox.errors import EmulatorError
from sandbox.messages import StoredMessage
from sandbox.observed import BotMessage

STATIC = Path(__file__).parent / "playground"
PHONE = "+79001234567"
"""The number a player shares when the bot asks for one."""


def _buttons(message: StoredMessage) -> list[list[dict[str, str]]]:
    rows = (message.inline_markup or {}).get("inline_keyboard", [])
    shown = []
    for row in rows:
        shown_row = []
        for button in row:
            if "web_app" in button:
                shown_row.append({"text": button["text"], "web_app": button["web_app"]["url"]})
            elif "url" in button:
                shown_row.append({"text": button["text"], "url": button["url"]})
            else:
                shown_row.append({"text": button["text"]})
        shown.append(shown_row)
    return shown


def _keyboard(message: StoredMessage) -> list[dict[str, Any]]:
    markup = message.reply_markup or {}
    return [
        {"text": b["text"], "contact": bool(b.get("request_contact"))}
        if isinstance(b, dict)
        else {"text": str(b), "contact": False}
        for row in markup.get("keyboard", [])
        for b in row
    ]


def _shown(message: StoredMessage) -> dict[str, Any]:
    contact = message.media.get("contact")
    return {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "text": message.text if message.text is not None else message.caption,
        "photo": message.photo is not None,
        "document": message.document_name,
        "contact": f"{contact['first_name']} {contact['phone_number']}" if contact else None,
        "buttons": _buttons(message),
        "keyboard": _keyboard(message),
        "edited": message.edit_count > 0,
    }


class Playground:
    def __init__(self, people: dict[str, EmulatedUser]) -> None:
        self._people = people

    def _who(self, request: web.Request, body: dict[str, Any] | None = None) -> EmulatedUser:
        name = (body or {}).get("who") or request.match_info.get("who", "")
        if name not in self._people:
            raise web.HTTPBadRequest(text=f"who is one of {', '.join(self._people)}")
        return self._people[name]

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def state(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                name: {
                    "id": user.id,
                    "first_name": user.first_name,
                    "messages": [_shown(m) for m in user.chat_messages()],
                }
                for name, user in self._people.items()
            }
        )

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self._who(request, body)
        text = str(body.get("text", "")).strip()
        if not text:
            raise web.HTTPBadRequest(text="write something to send")
        user.send_text(text)
        return web.json_response({"ok": True})

    async def press(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self._who(request, body)
        try:
            user.press(user.message(int(body["message_id"])), str(body["label"]))
        except (EmulatorError, KeyError, ValueError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"ok": True})

    async def share_phone(self, request: web.Request) -> web.Response:
        user = self._who(request, await request.json())
        user.send_contact(PHONE)
        return web.json_response({"ok": True})

    async def open_app(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self._who(request, body)
        return web.json_response({"url": user.open_web_app(str(body["url"]))})

    def _message(self, request: web.Request) -> BotMessage:
        try:
            return self._who(request).message(int(request.match_info["message_id"]))
        except (EmulatorError, ValueError):
            raise web.HTTPNotFound() from None

    async def photo(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message.photo is None:
            raise web.HTTPNotFound()
        return web.Response(body=message.photo, content_type="image/png")

    async def document(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message.document is None:
            raise web.HTTPNotFound()
        name = message.document_name or "file"
        return web.Response(
            body=message.document,
            content_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def playground_app(people: dict[str, EmulatedUser]) -> web.Application:
    """`people`: the sides of the page by name (customer, owner)."""
    page = Playground(people)
    app = web.Application()
    app.router.add_get("/", page.index)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/state", page.state)
    app.router.add_post("/send", page.send)
    app.router.add_post("/press", page.press)
    app.router.add_post("/share-phone", page.share_phone)
    app.router.add_post("/open-app", page.open_app)
    app.router.add_get("/photo/{who}/{message_id}", page.photo)
    app.router.add_get("/document/{who}/{message_id}", page.document)
    return app
