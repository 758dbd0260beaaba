"""The files `/export` sends, written into a folder from one snapshot of the database.

They are written by a child process (storage/export_worker.py). A chain's export takes
minutes of CPU: in a thread of the bot it would hold the interpreter's lock that long and
slow every customer's answer, and the writer's memory would stay with the bot. The child reads
its own snapshot and streams the rows to disk, so memory stays flat however many surveys
there are (bench/footprint.py measures it; docs/performance.md has the figures).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analytics.owner_workbook import Presentation
from bot.process.child_process import ChildStopped, python_child
from storage.export_worker import EXPORT_FORMATS

__all__ = ["EXPORT_FORMATS", "ExportFailed", "ExportFiles", "ExportStopped", "write_export"]

log = logging.getLogger(__name__)

WORKER = ("-m", "storage.export_worker")
"""The child's arguments before the database, format and folder."""


class ExportStopped(Exception):
    """The bot is stopping: the export's process was ended before it finished."""


class ExportFailed(Exception):
    """The export's process failed or gave no account of its files."""


@dataclass(frozen=True, slots=True)
class ExportFiles:
    paths: list[Path]
    surveys: int
    purchases: int
    referrals: int
    leads: int


def _folder_prefix(database: Path) -> str:
    return f"{database.name}.export-"


@contextmanager
def export_folder(database: Path) -> Iterator[Path]:
    """A folder for one export's files beside the database, removed afterwards.

    Beside the database rather than in /tmp: the files hold every customer's data, so they
    stay where that data lives (often not a RAM-backed /tmp), and a folder a kill left
    behind is found and removed at the next start (`remove_stale_export_folders`)."""
    with tempfile.TemporaryDirectory(prefix=_folder_prefix(database), dir=database.parent) as f:
        yield Path(f)


def remove_stale_export_folders(database: Path) -> int:
    """At start, with the database's lock held: no export of this database is running."""
    stale = list(database.parent.glob(_folder_prefix(database) + "*"))
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


async def write_export(
    database: Path,
    export_format: str,
    folder: Path,
    stopping: asyncio.Event,
    shown: Presentation,
) -> ExportFiles:
    """One XLSX workbook in `shown`'s words, or one CSV file per table, into `folder`
    (`shown` also names the owner's time zone).

        ExportStopped once `stopping` is set; the child never outlives this call."""
    words = folder / "words.json"
    words.write_text(json.dumps(shown.to_json(), ensure_ascii=False), encoding="utf-8")
    arguments = (*WORKER, str(database), export_format, str(folder), str(words))
    try:
        async with python_child(arguments, takes_input=False) as child:
            written = await child.finish(stop=stopping)
    except ChildStopped:
        raise ExportStopped from None
    return _written(written.output, written.errors, written.returncode, folder)


def _written(output: bytes, errors: bytes, returncode: int | None, folder: Path) -> ExportFiles:
    try:
        if returncode != 0:
            raise ValueError
        account = json.loads(output)
        paths = [folder / name for name in account["files"]]
        files = ExportFiles(
            paths,
            account["surveys"],
            account["purchases"],
            account["referrals"],
            account["leads"],
        )
    except (ValueError, KeyError, TypeError):
        # An error's message can quote a customer's data: only its type goes above DEBUG.
        last_line = errors.decode(errors="replace").strip().rpartition("\n")[2]
        log.debug("the export process said: %s", last_line)
        kind = last_line.partition(":")[0] or "no error"
        raise ExportFailed(f"the export process exited with {returncode} ({kind})") from None
    return files
