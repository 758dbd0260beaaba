"""The owners' Telegram Mini App: a dashboard served by the bot's own HTTP server.

Plain HTML, CSS and JavaScript in `static/` (no build step, nothing from a CDN), and JSON
endpoints under the same path that answer only to Telegram's signed `initData` of an owner
or an admin. `bot/process/http_server.py` mounts it under WEBAPP_URL's path.
"""
