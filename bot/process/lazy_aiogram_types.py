"""Adapts aiogram's import to pydantic: its Telegram types are built on first use, not at import.

aiogram declares its ~440 types with pydantic's ``defer_build=True`` and then builds every
one of them at the end of ``aiogram/types/__init__.py`` (``model_rebuild`` with a shared
namespace of all type names, so forward references resolve). Each build compiles a
validator for the model's whole nested tree: that loop is most of what ``import aiogram``
costs in time and memory, for types the bot never sees (docs/performance.md has figures).

`defer_aiogram_type_builds()` lets that loop only record the namespace it passes, then puts
the names into each type module's globals, which is where pydantic looks when a deferred
model is first used. A type is then built once, the first time the bot validates it, and
behaves exactly as before.

It reaches into both libraries (it replaces ``BaseModel.model_rebuild`` while aiogram is
imported), so pyproject pins aiogram and pydantic to the minor versions it was tested with,
and tests/unit/test_lazy_aiogram_types.py fails loudly if an upgrade stops it from deferring
anything: the bot would still work, with the slow import back.

Called once, by each process's entry point (`python -m bot`, `python -m sandbox`, the test
suite, the benchmarks), before anything imports aiogram. Importing this module does nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

TYPES_PACKAGE = "aiogram.types"


def defer_aiogram_type_builds() -> int:
    """Import aiogram with its type models left to build on first use; how many were left.

    0 when aiogram was imported already in this process (eagerly or not), or when this
    aiogram no longer builds its types through `model_rebuild` as described above.
    """
    if TYPES_PACKAGE in sys.modules:
        return 0
    namespace: dict[str, Any] = {}
    deferred: set[type[BaseModel]] = set()
    eager_rebuild = BaseModel.__dict__["model_rebuild"]

    def record_namespace(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        types_namespace = kwargs.get("_types_namespace")
        if cls.__module__.startswith(TYPES_PACKAGE + ".") and types_namespace is not None:
            namespace.update(types_namespace)
            deferred.add(cls)
            return None
        return eager_rebuild.__func__(cls, *args, **kwargs)  # type: ignore[no-any-return]

    BaseModel.model_rebuild = classmethod(record_namespace)  # type: ignore[method-assign,assignment]
    try:
        import aiogram  # noqa: F401  (the import is the point)
    finally:
        BaseModel.model_rebuild = eager_rebuild  # type: ignore[method-assign]
    for name, module in list(sys.modules.items()):
        if name.startswith(TYPES_PACKAGE + ".") and module is not None:
            for type_name, value in namespace.items():
                module.__dict__.setdefault(type_name, value)
    return len(deferred)
