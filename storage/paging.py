"""Keyset paging: a page ends at a row's (time, id), the next starts just below it, so
the thousandth page costs what the first does."""

from __future__ import annotations

from dataclasses import dataclass

from core.clock import from_db

NEWEST = ("~", 2**63 - 1)
"""Above every stored timestamp and id: where the first page starts."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends: the stored time and id of its last row."""

    stamp: str
    row_id: int

    def token(self) -> str:
        return f"{self.stamp}~{self.row_id}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """ValueError for anything `token` did not make."""
        stamp, _, row_id = token.partition("~")
        from_db(stamp)  # a ValueError unless it is one of our timestamps
        return cls(stamp, int(row_id))


def start_of(cursor: Cursor | None) -> tuple[str, int]:
    return (cursor.stamp, cursor.row_id) if cursor is not None else NEWEST
