"""Human-readable rendering of chat events for BotAPIEmulator.transcript()."""

from __future__ import annotations

from sandbox.messages import StoredMessage


def describe(message: StoredMessage) -> str:
    """Message content in one string: text or a [media] tag plus caption, then inline buttons."""
    if message.text is not None:
        body = message.text
    else:
        tag = (
            f"document {message.document_name}"
            if message.kind == "document" and message.document_name
            else message.kind
        )
        body = f"[{tag}] {message.caption}" if message.caption else f"[{tag}]"
    markup = message.inline_markup
    if markup:
        labels = " ".join(f"[{b['text']}]" for row in markup["inline_keyboard"] for b in row)
        body = f"{body}  {labels}"
    return body


def bot_sent(name: str, message: StoredMessage) -> str:
    return f"bot → {name}: {describe(message)}"


def bot_edited(name: str, message: StoredMessage) -> str:
    return f"bot edited → {name}: {describe(message)}"


def bot_deleted(name: str, message: StoredMessage) -> str:
    return f"bot deleted → {name}: {describe(message)}"


def user_sent(name: str, message: StoredMessage) -> str:
    if message.kind == "contact":
        contact = message.media["contact"]
        return f"{name} shared contact {contact['first_name']} {contact['phone_number']}"
    return f"{name} → bot: {describe(message)}"


def callback_answered(name: str, text: str, show_alert: bool) -> str:
    return f"bot answered {name}{' (alert)' if show_alert else ''}: {text}"
