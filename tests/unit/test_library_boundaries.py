"""Libraries are used through their public API; the adaptations that are not say so.

aiosqlite's private `_execute`, `_conn` and `_thread` were once reached into (storage has a
thread of its own for that now); pydantic and aiogram are adapted in two named modules of
bot/process, each with its own test (test_lazy_aiogram_types.py, test_session.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGES = ("core", "analytics", "storage", "intake", "bot", "scheduler", "sandbox", "bench")
AIOSQLITE_PRIVATE = {"_execute", "_conn", "_connection", "_thread", "_tx", "_connector"}


def _private_uses(path: Path) -> list[str]:
    """`x._execute`-like uses in `path`, where x is not the object's own `self`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in AIOSQLITE_PRIVATE
            and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
        ):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


def test_no_module_reaches_into_aiosqlite() -> None:
    uses = [
        use
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        for use in _private_uses(p)
    ]
    assert not uses, "private attributes of another object:\n" + "\n".join(uses)


def test_the_check_finds_such_a_use(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("async def f(writer, call):\n    await writer._execute(call, writer._conn)\n")
    assert _private_uses(sample) == ["sample.py:2 ._execute", "sample.py:2 ._conn"]
