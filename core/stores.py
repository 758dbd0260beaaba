"""Store names as tills, QR codes and owners write them, reduced to one key per store.

"Main  Street" from the API, "main-street" from a QR code and "MAIN_STREET" from a CSV
file are one store: the key folds case, ё and every run of spaces, hyphens and underscores.
Names that differ in words ("Main street" and "main") are joined by an owner's alias
(`/stores`), never guessed.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-]+")


def store_key(name: str | None) -> str | None:
    """`Main  Street`, `main-street`, `MAIN_STREET` → `main street`; None for no name."""
    if name is None:
        return None
    folded = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    key = _SEPARATORS.sub(" ", folded).strip()
    return key or None


def display_name(name: str) -> str:
    """A name as written, with its spaces tidied: how a store is shown until renamed."""
    return " ".join(unicodedata.normalize("NFKC", name).split())
