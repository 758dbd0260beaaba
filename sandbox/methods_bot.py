"""Bot-level methods: identity, commands, profile texts, webhook settings, files, chats."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.errors import bad_request
from sandbox.params import optional_str, require
from sandbox.state import EmulatorState, Handler
from sandbox.webhook import DEFAULT_MAX_CONNECTIONS, acceptable_url

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def get_me(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    return {
        **state.bot.api_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def returns_true(state: EmulatorState, params: dict[str, Any]) -> bool:
    return True


# --- commands ------------------------------------------------------------------------------


def commands_key(params: dict[str, Any]) -> tuple[str, str]:
    """(scope JSON with sorted keys, or "default"; language code or "")."""
    scope = params.get("scope")
    if scope is None or scope == "":
        scope_key = "default"
    elif not isinstance(scope, dict):
        raise bad_request("can't parse BotCommandScope JSON object")
    elif scope.get("type") == "default":
        scope_key = "default"
    else:
        scope_key = json.dumps(scope, sort_keys=True, separators=(",", ":"))
    return scope_key, optional_str(params, "language_code") or ""


def set_my_commands(state: EmulatorState, params: dict[str, Any]) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = commands_key(params)
    if commands:
        state.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        state.commands.pop(key, None)
    return True


def get_my_commands(state: EmulatorState, params: dict[str, Any]) -> list[dict[str, Any]]:
    return list(state.commands.get(commands_key(params), []))


def delete_my_commands(state: EmulatorState, params: dict[str, Any]) -> bool:
    state.commands.pop(commands_key(params), None)
    return True


# --- profile texts (description, short description, name) ----------------------------------


def _profile_setter(field: str) -> Handler:
    def handler(state: EmulatorState, params: dict[str, Any]) -> bool:
        key = (field, optional_str(params, "language_code") or "")
        value = optional_str(params, field)
        if value:
            state.profile_texts[key] = value
        else:
            state.profile_texts.pop(key, None)
        return True

    return handler


def _profile_getter(field: str) -> Handler:
    def handler(state: EmulatorState, params: dict[str, Any]) -> dict[str, str]:
        language = optional_str(params, "language_code") or ""
        texts = state.profile_texts
        return {field: texts.get((field, language)) or texts.get((field, ""), "")}

    return handler


# --- webhook -------------------------------------------------------------------------------


def set_webhook(state: EmulatorState, params: dict[str, Any]) -> bool:
    url = optional_str(params, "url") or ""
    if url and not acceptable_url(url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = optional_str(params, "secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    if params.get("drop_pending_updates") is True:
        state.updates.drop_pending()
    max_connections = params.get("max_connections", DEFAULT_MAX_CONNECTIONS)
    if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    state.updates.set_allowed(params.get("allowed_updates"))
    state.webhook.configure(url, secret, max_connections)
    return True


def delete_webhook(state: EmulatorState, params: dict[str, Any]) -> bool:
    if params.get("drop_pending_updates") is True:
        state.updates.drop_pending()
    state.webhook.configure("", None)
    return True


def get_webhook_info(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": state.webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": state.updates.pending_count,
        **({"max_connections": state.webhook.max_connections} if state.webhook.url else {}),
        **({"last_error_message": state.webhook.last_error} if state.webhook.last_error else {}),
    }


# --- the chat's menu button ----------------------------------------------------------------

_MENU_BUTTONS = ("default", "commands", "web_app")


def set_chat_menu_button(state: EmulatorState, params: dict[str, Any]) -> bool:
    button = params.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTONS:
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        url = (button.get("web_app") or {}).get("url")
        if not button.get("text") or not isinstance(url, str) or not url.startswith("http"):
            raise bad_request("BUTTON_URL_INVALID")
    chat_id = state.known_chat(params).user_id if "chat_id" in params else None
    state.menu_buttons[chat_id] = button
    return True


def get_chat_menu_button(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    chat_id = state.known_chat(params).user_id if "chat_id" in params else None
    return state.menu_buttons.get(chat_id) or state.menu_buttons.get(None) or {"type": "commands"}


# --- files and chats -----------------------------------------------------------------------


def get_file(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    stored = state.files.get(str(require(params, "file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


def get_chat(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    return state.known_chat(params).api_full_info()


METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "logOut": returns_true,
    "close": returns_true,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": _profile_setter("description"),
    "getMyDescription": _profile_getter("description"),
    "setMyShortDescription": _profile_setter("short_description"),
    "getMyShortDescription": _profile_getter("short_description"),
    "setMyName": _profile_setter("name"),
    "getMyName": _profile_getter("name"),
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getFile": get_file,
    "getChat": get_chat,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
