"""The packages import one way only: each layer uses the layers below it, never one above.

Read from the code itself (every import statement of every module, with `ast`, also those
inside functions and under TYPE_CHECKING), so a new import that goes up a layer fails here
with the module, the line and the layers named. docs/architecture.md draws the same layers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("analytics",),
    ("storage",),
    ("intake", "hooks"),
    ("webapp",),
    ("bot", "scheduler"),
    ("bot.app",),
    ("bot.__main__",),
    ("sandbox",),
    ("bench",),
)
"""From the bottom up. Groups on one level are peers: neither imports the other.

core: what everything shares (settings, logging, the clock, schedules, periods, score rules);
analytics: pure figures; storage: SQLite; intake: purchases from outside the chat; hooks:
the outgoing webhooks' signing and delivery; webapp:
the owners' dashboard (a Mini App), given what only the bot can do as functions; bot: the
Telegram side; scheduler: the periodic jobs; bot.app: the app that wires everything;
bot.__main__: the process's commands (`python -m bot`); sandbox: the emulator and the
demo, users of the app (`make run` runs the bot through it); bench: benchmarks.
"""

PLUMBING = "bot.process"
FEATURES = ("bot.survey", "bot.customers", "bot.staff", "bot.reports")
"""Inside the Telegram side, the process plumbing serves every feature and knows none."""


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def _group(module: str) -> str | None:
    """The most specific group `module` belongs to (`bot.app` before `bot`)."""
    groups = [group for level in LAYERS for group in level]
    matches = [g for g in groups if module == g or module.startswith(g + ".")]
    return max(matches, key=len) if matches else None


def _level(group: str) -> int:
    return next(index for index, level in enumerate(LAYERS) if group in level)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> list[Import]:
    found = []
    for top in {group.split(".")[0] for level in LAYERS for group in level}:
        for path in sorted((ROOT / top).rglob("*.py")):
            module = _module_name(path)
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    # `from bot import app` imports the module bot.app, not only bot
                    names = [f"{node.module}.{alias.name}" for alias in node.names]
                else:
                    continue
                for name in names:
                    if _group(name) is not None:
                        found.append(Import(module, name, node.lineno))
    return found


def _upward(found: Import) -> str | None:
    """Why the import breaks the layers, or None if it keeps them."""
    mine, theirs = _group(found.importer), _group(found.imported)
    assert mine is not None and theirs is not None
    if mine == theirs or theirs == mine.split(".")[0]:
        if found.importer.startswith(PLUMBING + ".") and found.imported.startswith(FEATURES):
            return f"{PLUMBING} serves the features and imports none of them"
        return None
    if _level(theirs) < _level(mine):
        return None
    if _level(theirs) == _level(mine):
        return f"{mine} and {theirs} are peers and import neither"
    return f"{theirs} is a layer above {mine}"


def test_every_project_package_has_a_layer() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}
    placed = {group.split(".")[0] for level in LAYERS for group in level}
    assert packages <= placed, f"give {sorted(packages - placed)} a layer in LAYERS"


def test_no_import_goes_up_a_layer() -> None:
    broken = [
        f"{found.importer}:{found.line} imports {found.imported}: {reason}"
        for found in _imports()
        if (reason := _upward(found)) is not None
    ]
    assert not broken, "imports that go up a layer:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("storage.surveys", "core.clock", True),
        ("core.settings", "storage.intake", False),
        ("bot.survey.handlers", "bot.process.webhook", True),
        ("bot.process.webhook", "bot.survey.handlers", False),
        ("scheduler.jobs", "bot.survey.conversation", False),
        ("bot.app", "scheduler.jobs", True),
        ("bot.__main__", "sandbox.demo", False),
        ("sandbox.demo", "bot.app", True),
        ("bot.reports.digest", "bot.app", False),
    ],
)
def test_the_rule_itself(importer: str, imported: str, allowed: bool) -> None:
    assert (_upward(Import(importer, imported, 1)) is None) is allowed
