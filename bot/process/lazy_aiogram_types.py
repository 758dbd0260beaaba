"""Import aiogram with its Telegram types built on first use instead of at import.

aiogram declares its ~440 types with pydantic's ``defer_build=True`` and then builds every
one of them at the end of ``aiogram/types/__init__.py`` (``model_rebuild`` with a shared
namespace of all type names, so forward references resolve). Each build compiles a
validator for the model's whole nested tree: on the project's machine that loop is most of
the 3.5 s and 165 MiB ``import aiogram`` costs, for types the bot never sees.

`import_aiogram()` lets that loop only record the namespace it passes, then puts the names
into each type module's globals, which is where pydantic looks when a deferred model is
first used. A type is then built once, the first time the bot validates it (an ``Update``
takes about 0.1 s), and behaves exactly as before. If a future aiogram stops calling
``model_rebuild`` that way, nothing is deferred and the import is simply eager again.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

TYPES_PACKAGE = "aiogram.types"


def import_aiogram() -> None:
    """Import aiogram (once per process) with its type models left to build lazily."""
    if TYPES_PACKAGE in sys.modules:
        return  # already imported, eagerly or not: nothing to change
    namespace: dict[str, Any] = {}
    eager_rebuild = BaseModel.__dict__["model_rebuild"]

    def record_namespace(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        types_namespace = kwargs.get("_types_namespace")
        if cls.__module__.startswith(TYPES_PACKAGE + ".") and types_namespace is not None:
            namespace.update(types_namespace)
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
