"""A lead as a message: who, what they bought, what they wrote, its status and its buttons."""

from __future__ import annotations

from datetime import tzinfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.formats import moment, money, zone_name
from bot.people import person_link
from bot.texts import t, t_html
from storage.leads import LeadStatus, LeadView
from storage.models import MAX_ROW_ID

MAX_TEXT = 1000

BUTTONS = (
    (LeadStatus.CONTACTED, "btn_lead_contacted"),
    (LeadStatus.WON, "btn_lead_won"),
    (LeadStatus.LOST, "btn_lead_lost"),
)


class LeadCallback(CallbackData, prefix="lead"):
    lead_id: int = Field(ge=1, le=MAX_ROW_ID)
    status: LeadStatus


class LeadsPage(CallbackData, prefix="leads"):
    """ "Older leads": the page below lead `before`, of the open ones or of all."""

    everything: bool
    before: int = Field(ge=1, le=MAX_ROW_ID)


def render(view: LeadView, language: str, tz: tzinfo, who: str | None) -> str:
    """`who`: the staff member who set the current status."""
    lines = [t(language, f"lead_title_{view.kind}", id=view.id)]
    customer = person_link(
        language,
        first_name=view.customer_first_name,
        last_name=view.customer_last_name,
        username=view.customer_username,
        telegram_id=view.customer_telegram_id,
    )
    if view.kind == "referral":
        lines.append(t_html(language, "lead_recommended_by", customer=customer))
        if view.contact_name or view.contact_phone or view.contact_telegram_id:
            contact = person_link(
                language, first_name=view.contact_name, telegram_id=view.contact_telegram_id
            )
            lines.append(t_html(language, "lead_person", person=contact))
            if view.contact_phone:
                lines.append(t(language, "lead_phone", phone=view.contact_phone))
    else:
        lines.append(t_html(language, "lead_customer", customer=customer))
        if view.customer_phone:
            lines.append(t(language, "lead_phone", phone=view.customer_phone))
    if view.order_id or view.store or view.amount_minor is not None:
        amount = "—"
        if view.amount_minor is not None and view.currency:
            amount = money(view.amount_minor, view.currency, language)
        lines.append(
            t(
                language,
                "lead_purchase",
                order=view.order_id or "—",
                store=view.store or "—",
                amount=amount,
            )
        )
    when = moment(view.created_at, tz, language)
    lines.append(t(language, "lead_time", time=when, zone=zone_name(tz, language)))
    if view.text:
        lines.append(t(language, "lead_text", text=_clip(view.text)))
    elif view.kind != "referral" or not (view.contact_name or view.contact_phone):
        lines.append(t(language, "lead_text_erased"))
    lines.append(_status(view, language, tz, who))
    return "\n".join(lines)


def _status(view: LeadView, language: str, tz: tzinfo, who: str | None) -> str:
    if view.status is LeadStatus.OPEN or view.status_at is None:
        return t(language, "lead_status_open")
    return t(
        language,
        f"lead_status_{view.status}",
        who=who or "—",
        time=moment(view.status_at, tz, language),
    )


def keyboard(view: LeadView, language: str) -> InlineKeyboardMarkup:
    """Contacted, Won, Not interested: all three always, so a slip can be corrected; the
    text says which one is current."""
    builder = InlineKeyboardBuilder()
    for status, label in BUTTONS:
        builder.button(
            text=t(language, label), callback_data=LeadCallback(lead_id=view.id, status=status)
        )
    builder.adjust(3)
    return builder.as_markup()


def more_keyboard(page: LeadsPage, language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "btn_leads_more"), callback_data=page)
    return builder.as_markup()


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
