"""aiogram's types, left to build on first use (`bot.process.lazy_aiogram_types`), act eagerly.

Each check runs in a fresh interpreter: the test process itself may have imported aiogram
eagerly already (any module importing aiogram before `bot` does that).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

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


def _run(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _parsed_update(first_import: str) -> object:
    return json.loads(
        _run(
            f"""
            {first_import}
            from aiogram.types import Update
            update = Update.model_validate_json({json.dumps(UPDATE)!r})
            print(update.model_dump_json(exclude_none=True))
            """
        )
    )


def test_the_bot_package_leaves_aiogram_types_unbuilt_until_used() -> None:
    out = _run(
        """
        import bot
        from aiogram.types import Sticker, Update
        print(Sticker.__pydantic_complete__, Update.__pydantic_complete__)
        Update.model_validate({"update_id": 1})
        print(Update.__pydantic_complete__)
        """
    )
    assert out.split() == ["False", "False", "True"]


def test_an_update_parses_the_same_as_with_an_eager_import() -> None:
    lazy = _parsed_update("import bot")
    eager = _parsed_update("import aiogram")
    assert lazy == eager
    assert lazy["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "9",
        "callback_data": "s:12:nps:9",
    }


def test_every_aiogram_type_builds_lazily() -> None:
    out = _run(
        """
        import bot
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
    count, *failures = out.splitlines()
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
    assert out.split() == ["True", "True", "True", "True"]


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
    assert out.split() == ["True", "True", "True"]
