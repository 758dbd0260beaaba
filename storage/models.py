"""What the tables hold, as typed records, and the fixed order of survey questions."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.clock import from_db


class Question(StrEnum):
    """The fixed question set; values are stored and travel in callback data."""

    NPS = "nps"
    CSAT = "csat"
    SATISFIED = "sat"
    FIX = "fix"
    UPSELL = "upsell"
    REFERRAL = "ref"


DONE = "done"
"""The `step` of a survey with nothing left to ask."""

MAX_ROW_ID = 2**63 - 1  # SQLite's INTEGER range; Telegram ids fit in it too


class Choice(StrEnum):
    """Button answers that are not scores."""

    YES = "yes"
    NO = "no"
    SKIP = "skip"  # "What should we fix?" left without an answer
    CONTACT = "contact"
    TEXT = "text"


def next_step(question: Question, choice: Choice | None = None) -> str:
    """Where the survey goes after `question` is answered with `choice`."""
    if question is Question.SATISFIED:
        return Question.FIX if choice is Choice.NO else Question.UPSELL
    order = {
        Question.NPS: Question.CSAT,
        Question.CSAT: Question.SATISFIED,
        Question.FIX: Question.UPSELL,
        Question.UPSELL: Question.REFERRAL,
        Question.REFERRAL: DONE,
    }
    return order[question]


class SurveyStatus(StrEnum):
    WAITING = "waiting"  # for a customer known only by phone, until they open the bot
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    COMPLETED = "completed"
    EXPIRED = "expired"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the customer said "don't ask me again"


def _time(value: str | None) -> datetime | None:
    return from_db(value) if value else None


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    telegram_user_id: int | None
    first_name: str | None
    last_name: str | None
    username: str | None
    language: str
    referral_code: str
    referred_by: int | None
    started_at: datetime | None
    blocked_at: datetime | None
    phone: str | None = None
    opted_out_at: datetime | None = None  # said "don't ask me again"

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None

    @classmethod
    def from_row(cls, row: sqlite3.Row, prefix: str = "") -> Customer:
        """From a row of `customers`, or from columns named `prefix` + field in a join."""
        return cls(
            id=row[prefix + "id"],
            telegram_user_id=row[prefix + "telegram_user_id"],
            first_name=row[prefix + "first_name"],
            last_name=row[prefix + "last_name"],
            username=row[prefix + "username"],
            language=row[prefix + "language"],
            referral_code=row[prefix + "referral_code"],
            referred_by=row[prefix + "referred_by"],
            started_at=_time(row[prefix + "started_at"]),
            blocked_at=_time(row[prefix + "blocked_at"]),
            phone=row[prefix + "phone"],
            opted_out_at=_time(row[prefix + "opted_out_at"]),
        )


@dataclass(frozen=True, slots=True)
class Purchase:
    id: int
    customer_id: int
    order_id: str | None
    amount_minor: int | None  # None for a visit recorded from a counter QR code
    currency: str
    store: str | None
    source: str
    purchased_at: datetime
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Purchase:
        return cls(
            id=row["id"],
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            amount_minor=row["amount_minor"],
            currency=row["currency"],
            store=row["store"],
            source=row["source"],
            purchased_at=from_db(row["purchased_at"]),
            recorded_at=from_db(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class Survey:
    id: int
    customer_id: int
    purchase_id: int | None
    status: SurveyStatus
    step: str
    due_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    prompt_message_id: int | None

    @property
    def question(self) -> Question | None:
        """The question waiting for an answer, or None when the survey is done."""
        return None if self.step == DONE else Question(self.step)

    @classmethod
    def from_row(cls, row: sqlite3.Row, prefix: str = "") -> Survey:
        """From a row of `surveys`, or from columns named `prefix` + field in a join."""
        return cls(
            id=row[prefix + "id"],
            customer_id=row[prefix + "customer_id"],
            purchase_id=row[prefix + "purchase_id"],
            status=SurveyStatus(row[prefix + "status"]),
            step=row[prefix + "step"],
            due_at=from_db(row[prefix + "due_at"]),
            sent_at=_time(row[prefix + "sent_at"]),
            completed_at=_time(row[prefix + "completed_at"]),
            prompt_message_id=row[prefix + "prompt_message_id"],
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer; which fields are set depends on the question."""

    question: Question
    score: int | None = None
    choice: Choice | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A person a customer recommends, shared as a Telegram contact."""

    name: str
    phone: str | None
    telegram_user_id: int | None
