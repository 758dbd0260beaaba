"""What the survey says: the owners' own wording where they gave one, the catalogue's if not.

The question set stays fixed (so the figures stay comparable); only the words change, per
language. An owner's wording is plain text: it is escaped and shown as written.
"""

from __future__ import annotations

import html
from datetime import datetime

from bot.texts import t
from storage import custom_texts
from storage.custom_texts import CustomText
from storage.database import Database
from storage.models import Question

THANKS = "thanks"
KEYS = (*(question.value for question in Question), THANKS)
"""The texts owners may reword: each question (by its stored name) and the thank-you."""

MAX_LENGTH = 1000
"""Room left in Telegram's 4,096 characters for the lead, the answer and the referral link."""


def catalogue_key(key: str) -> str:
    return THANKS if key == THANKS else f"q_{key}"


class Wording:
    """Loaded once at start-up; changes go to the database and to this copy together."""

    def __init__(self) -> None:
        self._custom: dict[tuple[str, str], CustomText] = {}

    async def load(self, db: Database) -> None:
        texts = await custom_texts.all_texts(db.reader)
        self._custom = {(text.key, text.language): text for text in texts}

    def custom(self, key: str, language: str) -> CustomText | None:
        return self._custom.get((key, language))

    def text(self, key: str, language: str) -> str:
        """The HTML a customer sees for `key` (a question's name or `thanks`)."""
        custom = self.custom(key, language)
        return html.escape(custom.text) if custom else t(language, catalogue_key(key))

    def question(self, question: Question, language: str) -> str:
        return self.text(question.value, language)

    async def change(
        self, db: Database, key: str, language: str, text: str, by: int, now: datetime
    ) -> None:
        custom = CustomText(key, language, text, by, now)
        async with db.transaction() as conn:
            await custom_texts.put(conn, custom)
        self._custom[(key, language)] = custom

    async def reset(self, db: Database, key: str, language: str) -> bool:
        """Back to the catalogue's wording; False if it was the catalogue's already."""
        async with db.transaction() as conn:
            removed = await custom_texts.remove(conn, key, language)
        self._custom.pop((key, language), None)
        return removed
