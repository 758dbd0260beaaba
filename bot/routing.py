"""The routers, in the order an update meets them.

    survey answer buttons          the busiest update, first and on its own
    failed updates                 the last net for every update
    people                         everything else; handlers get `language` (LanguageOfSender)
      staff                        private chats of owners and admins only, for all below it
        /purchase /qr /stores /themes CSV files    bot/staff/
        /stats /digest /export     bot/reports/
        alert buttons
        /pause /resume /staff /settings /questions /preview /reward /backup
      /start /help "Share my phone"            bot/customers/start.py
      written answers                          bot/survey/handlers.py
      /stop /language /forget                  bot/customers/rights.py
      staff commands from others, unknown commands and buttons   bot/fallback.py

A router belongs to one dispatcher only, so each call builds a fresh tree.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot import fallback
from bot.customers import rights, start
from bot.languages import LanguageOfSender
from bot.process import failed_updates
from bot.reports import alert_buttons, dashboard, export, stats
from bot.roles import IsStaff
from bot.staff import (
    backup,
    csv_upload,
    hooks,
    leads,
    pausing,
    purchase,
    qr,
    questions,
    reward,
    settings,
    staff_list,
    stores,
    themes,
)
from bot.survey import handlers as survey


def routers() -> list[Router]:
    people = Router(name="people")
    language = LanguageOfSender()
    people.message.middleware(language)
    people.callback_query.middleware(language)
    people.include_routers(
        _staff(),
        start.build_router(),
        survey.build_router(),
        rights.build_router(),
        fallback.build_router(),
    )
    return [survey.build_answer_router(), failed_updates.build_router(), people]


def _staff() -> Router:
    """Owners' and admins' commands and buttons; to anyone else they do not exist here, and
    the fallback says they are for staff."""
    router = Router(name="staff")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsStaff())
    router.callback_query.filter(IsStaff())
    router.include_routers(
        purchase.build_router(),
        qr.build_router(),
        stores.build_router(),
        themes.build_router(),
        leads.build_router(),
        csv_upload.build_router(),
        stats.build_router(),
        dashboard.build_router(),
        export.build_router(),
        alert_buttons.build_router(),
        pausing.build_router(),
        staff_list.build_router(),
        settings.build_router(),
        questions.build_router(),
        reward.build_router(),
        backup.build_router(),
        hooks.build_router(),
    )
    return router
