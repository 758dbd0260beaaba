"""Recording one answer: the rules that make each answer count exactly once.

Everything happens in one write transaction: the update id is claimed, the survey is
checked (it belongs to whoever answers, it is waiting for this very question), the
answer is stored and the survey moves on. A repeat, a stale button or a forged one
changes nothing and says why.

This is the bot's hottest write, so the transaction is one call
(`Database.run_transaction`), its queries plain sqlite3 calls on the event loop's own
connection: no trip to another thread while the database is free.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum

from core.alert_rules import AlertRules
from storage import alerts, answers, leads, outbox, referrals, surveys, updates
from storage.database import Database
from storage.models import (
    Answer,
    Choice,
    Contact,
    Customer,
    Question,
    Survey,
    SurveyStatus,
    next_step,
)


class Outcome(Enum):
    RECORDED = "recorded"
    DUPLICATE_UPDATE = "duplicate_update"  # the same Telegram update came again
    NOT_YOURS = "not_yours"  # a survey of another customer
    NOT_WAITING = "not_waiting"  # that question is answered already, or the survey is over
    NO_SURVEY = "no_survey"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: Outcome
    survey: Survey | None = None  # the survey after the answer, when recorded
    customer: Customer | None = None
    answered_prompt_id: int | None = None  # the message that asked the answered question
    alert_id: int | None = None  # the detractor alert this answer opened

    @property
    def update_claimed(self) -> bool:
        """The answering update's id is stored: claimed now, or by its first delivery."""
        return self.outcome in (Outcome.RECORDED, Outcome.DUPLICATE_UPDATE)


async def record(
    db: Database,
    *,
    update_id: int,
    telegram_user_id: int,
    survey_id: int,
    answer: Answer,
    now: datetime,
    alert_rules: AlertRules,
    contact: Contact | None = None,
) -> AnswerResult:
    """Store `answer` once; an answer `alert_rules` name opens the survey's alert."""
    return await db.run_transaction(
        _record, update_id, telegram_user_id, survey_id, answer, now, alert_rules, contact
    )


def _record(
    conn: sqlite3.Connection,
    update_id: int,
    telegram_user_id: int,
    survey_id: int,
    answer: Answer,
    now: datetime,
    alert_rules: AlertRules,
    contact: Contact | None,
) -> AnswerResult:
    survey, customer = _survey_and_customer(conn, survey_id, telegram_user_id)
    if survey is None or survey.status in (SurveyStatus.EXPIRED, SurveyStatus.FAILED):
        return AnswerResult(Outcome.NO_SURVEY)
    if customer is None or survey.customer_id != customer.id:
        return AnswerResult(Outcome.NOT_YOURS)
    if survey.question is not answer.question:
        return AnswerResult(Outcome.NOT_WAITING, survey, customer)
    if not updates.claim(conn, update_id, now):
        return AnswerResult(Outcome.DUPLICATE_UPDATE, survey, customer)
    to_step = next_step(answer.question, answer.choice)
    updated = surveys.advance(conn, survey.id, answer.question, to_step, now)
    if updated is None:
        return AnswerResult(Outcome.NOT_WAITING, survey, customer)
    answer_id = answers.insert(conn, survey.id, answer, now)
    alert_id = None
    if alert_rules.raises(answer.question, answer.score):
        alert_id = alerts.open_for(conn, survey.id, answer, now)
    if answer.question is Question.REFERRAL:
        referral = _referral(customer, survey, answer, contact)
        if referral is not None:
            referral_id = referrals.add_in_thread(conn, referral, now)
            leads.open_in_thread(conn, "referral", answer_id, now, referral_id)
    elif (kind := leads.kind_of(answer.question)) and answer.text and answer.text.strip():
        leads.open_in_thread(conn, kind, answer_id, now)
    if updated.status is SurveyStatus.COMPLETED:
        outbox.record_in_thread(conn, outbox.Event("survey.completed", survey.id), now)
    return AnswerResult(Outcome.RECORDED, updated, customer, survey.prompt_message_id, alert_id)


def _columns(model: type[Survey] | type[Customer], table: str) -> str:
    return ", ".join(f"{table}.{field.name} AS {table}_{field.name}" for field in fields(model))


_SURVEY_AND_CUSTOMER = f"""
    SELECT {_columns(Survey, "s")}, {_columns(Customer, "c")}
    FROM (SELECT ? AS survey_id, ? AS telegram_user_id) AS asked
    LEFT JOIN surveys AS s ON s.id = asked.survey_id
    LEFT JOIN customers AS c ON c.telegram_user_id = asked.telegram_user_id"""


def _survey_and_customer(
    conn: sqlite3.Connection, survey_id: int, telegram_user_id: int
) -> tuple[Survey | None, Customer | None]:
    """The survey answered and the customer answering, in one query."""
    row = conn.execute(_SURVEY_AND_CUSTOMER, (survey_id, telegram_user_id)).fetchone()
    survey = Survey.from_row(row, "s_") if row["s_id"] is not None else None
    customer = Customer.from_row(row, "c_") if row["c_id"] is not None else None
    return survey, customer


def _referral(
    customer: Customer, survey: Survey, answer: Answer, contact: Contact | None
) -> referrals.NewReferral | None:
    """The person a referral answer names: a shared contact or a typed note; None for "no"."""
    if answer.choice is Choice.CONTACT and contact is not None:
        return referrals.NewReferral(
            customer.id,
            "contact",
            survey_id=survey.id,
            name=contact.name,
            phone=contact.phone,
            telegram_user_id=contact.telegram_user_id,
        )
    if answer.choice is Choice.TEXT and answer.text:
        return referrals.NewReferral(customer.id, "text", survey_id=survey.id, note=answer.text)
    return None
