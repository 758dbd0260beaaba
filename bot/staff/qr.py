"""/qr: a store's signed link as a QR code for the counter or receipts."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.deep_linking import create_start_link

from bot.texts import t
from intake.qr import STORE_CODE, QrTarget, make_payload, qr_png
from storage.database import Database

DEFAULT_STORE = "main"


async def qr(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    qr_secret: bytes,
    language: str,
) -> None:
    """`/qr [store]`: the store's signed deep link as a QR code for the counter or receipts."""
    assert message.from_user is not None
    store = (command.args or DEFAULT_STORE).strip()
    if not STORE_CODE.fullmatch(store):
        await message.answer(t(language, "qr_bad_store"))
        return
    link = await create_start_link(bot, make_payload(qr_secret, QrTarget(store=store)))
    await message.answer_photo(
        BufferedInputFile(qr_png(link), filename=f"qr-{store}.png"),
        caption=t(language, "qr_caption", store=store, link=link),
    )


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="qr")
    router.message.register(qr, Command("qr"))
    return router
