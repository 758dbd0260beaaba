"""Files known to the emulator: uploads from the bot and media sent by users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None
    mime_type: str | None

    @property
    def size(self) -> int:
        return len(self.content)


class FileStore:
    """file_id -> bytes, plus the file_path getFile hands out for downloads."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(
        self,
        content: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        number = len(self._by_id) + 1
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        stored = StoredFile(
            file_id=f"{kind.upper()}-{number}-{secrets.token_hex(8)}",
            file_unique_id=f"U{number}{secrets.token_hex(4)}",
            content=content,
            file_path=f"{kind}s/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def photo_sizes(stored: StoredFile, width: int = 1280, height: int = 720) -> list[dict[str, Any]]:
    """A one-size PhotoSize list (Telegram sends several; one is enough for bots)."""
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": stored.size,
        }
    ]


def document_object(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document
