"""aiogram's types, left to build on first use (`bot.process.lazy_aiogram_types`), act as
eagerly built ones, and an upgrade of aiogram or pydantic that stops the deferral fails here.

Each check runs in a fresh interpreter, started as `python -m bot` starts: the adaptation
first, then aiogram.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

LAZY = (
    "from bot.process.lazy_aiogram_types import defer_aiogram_type_builds\n"
    "print(defer_aiogram_type_builds())\n"
)
"""The entry points' call; it prints how many types it left unbuilt."""

UPDATE = {
    "update_id": 7,
    "callback_query": {
        "id": "cb-1",
        "from": {"id": 42, "is_bot": False, "first_name": "Аня", "language_code": "ru"},
        "chat_instance": "ci",
        "data": "s:12:nps:9",
        "message": {
            "message_id": 3,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "Аня"},
            "text": "Насколько вероятно…",
            "entities": [{"type": "bold", "offset": 0, "length": 4}],
            "reply_markup": {"inline_keyboard": [[{"text": "9", "callback_data": "s:12:nps:9"}]]},
        },
    },
}


def _run(code: str, *, lazy: bool = True) -> str:
    """Run `code` in a fresh interpreter, after the entry points' call if `lazy`."""
    program = (LAZY if lazy else "") + textwrap.dedent(code)
    completed = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _parsed_update(*, lazy: bool) -> object:
    out = _run(
        f"""
        from aiogram.types import Update
        update = Update.model_validate_json({json.dumps(UPDATE)!r})
        print(update.model_dump_json(exclude_none=True))
        """,
        lazy=lazy,
    )
    return json.loads(out.splitlines()[-1])


def test_the_deferral_still_works_with_the_installed_aiogram_and_pydantic() -> None:
    """Fails loudly after an upgrade that breaks the adaptation: the bot would still work,
    but `import aiogram` would cost seconds and a hundred megabytes more again."""
    out = _run(
        """
        import aiogram, pydantic
        from aiogram.types import Message
        print(aiogram.__version__, pydantic.VERSION, Message.__pydantic_complete__)
        """
    )
    deferred, versions = out.splitlines()
    aiogram_version, pydantic_version, built = versions.split()
    assert int(deferred) > 300 and built == "False", (
        f"aiogram {aiogram_version} with pydantic {pydantic_version} no longer lets "
        "bot/process/lazy_aiogram_types.py defer its type builds: adapt that module to the "
        "new versions (or drop it and accept the slower import), then widen pyproject's pins"
    )


def test_a_second_call_changes_nothing() -> None:
    out = _run("print(defer_aiogram_type_builds())")
    assert int(out.split()[-1]) == 0


def test_the_types_stay_unbuilt_until_used() -> None:
    out = _run(
        """
        from aiogram.types import Sticker, Update
        print(Sticker.__pydantic_complete__, Update.__pydantic_complete__)
        Update.model_validate({"update_id": 1})
        print(Update.__pydantic_complete__)
        """
    )
    assert out.split()[1:] == ["False", "False", "True"]


def test_an_update_parses_the_same_as_with_an_eager_import() -> None:
    lazy = _parsed_update(lazy=True)
    eager = _parsed_update(lazy=False)
    assert lazy == eager
    assert lazy["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "9",
        "callback_data": "s:12:nps:9",
    }


def test_every_aiogram_type_builds_lazily() -> None:
    out = _run(
        """
        import aiogram.types as types
        from pydantic import BaseModel, ValidationError
        failed = []
        count = 0
        for name in types.__all__:
            model = getattr(types, name)
            if isinstance(model, type) and issubclass(model, BaseModel):
                count += 1
                try:
                    model.model_validate({})  # the first use builds a deferred model
                except ValidationError:
                    pass  # built, and then told the fields it needs
                except Exception as error:
                    failed.append(f"{name}: {error!r}")
                if not model.__pydantic_complete__:
                    failed.append(f"{name}: not built")
        print(count)
        print("\\n".join(failed))
        """
    )
    _, count, *failures = out.splitlines()
    assert int(count) > 300
    assert [line for line in failures if line] == []


def test_the_warm_up_builds_what_answering_needs() -> None:
    out = _run(
        """
        import bot.app
        from aiogram.methods import EditMessageText, SendMessage, Response
        from aiogram.types import Update
        from bot.process.aiogram_session import BotSession
        from bot.process.warm_up import ANSWER_METHODS, warm_up
        warm_up()
        print(Update.__pydantic_complete__, EditMessageText.__pydantic_complete__)
        held = BotSession._response_models
        print(all(m.__returning__ in held for m in ANSWER_METHODS))
        print(held[SendMessage.__returning__] is Response[SendMessage.__returning__])
        """
    )
    assert out.split()[1:] == ["True", "True", "True", "True"]


def test_once_started_the_start_up_objects_are_frozen_and_young_ones_collected_less_often() -> None:
    out = _run(
        """
        import gc
        from bot.process.warm_up import YOUNG_GENERATION_THRESHOLD, tune_garbage_collector
        before = gc.get_threshold()
        tune_garbage_collector()
        after = gc.get_threshold()
        print(gc.get_freeze_count() > 0, after[0] == YOUNG_GENERATION_THRESHOLD > before[0])
        print(after[1:] == before[1:])
        """
    )
    assert out.split()[1:] == ["True", "True", "True"]
