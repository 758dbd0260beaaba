"""aiogram's objects, their post-init flattened (bot.bot_context), know their bot as before."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, Update, User
from pydantic import PrivateAttr

from bot.bot_context import _remember_bot, flatten_bot_context

TOKEN = "42:" + "a" * 35

UPDATE = {
    "update_id": 7,
    "callback_query": {
        "id": "cb-1",
        "from": {"id": 42, "is_bot": False, "first_name": "Аня"},
        "chat_instance": "ci",
        "data": "a:12:csat:5",
        "message": {
            "message_id": 3,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "Аня"},
            "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
            "text": "Насколько вы довольны?",
            "entities": [{"type": "bold", "offset": 0, "length": 4}],
        },
    },
}


def test_aiogram_types_and_methods_set_their_bot_in_one_call() -> None:
    for cls in (Update, Message, User, Chat, SendMessage):
        assert cls.__dict__["model_post_init"] is _remember_bot, cls.__name__


def test_every_object_parsed_from_an_update_knows_the_bot() -> None:
    bot = Bot(TOKEN)
    update = Update.model_validate(UPDATE, context={"bot": bot})
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    message = query.message
    objects: list[Any] = [update, query, query.from_user, message, message.chat]
    objects += [message.from_user, *(message.entities or [])]
    assert [item.bot for item in objects] == [bot] * len(objects)
    assert message.__pydantic_private__ == {"_bot": bot}


def test_without_a_bot_in_the_context_there_is_none_until_one_is_bound() -> None:
    bot = Bot(TOKEN)
    message = Message.model_validate(UPDATE["callback_query"]["message"])
    assert message.bot is None and message.chat.bot is None
    assert message.as_(bot).bot is bot
    built = SendMessage(chat_id=1, text="hi")
    assert built.bot is None and Chat.model_construct(id=1, type="private").bot is None
    assert message.model_copy().bot is bot


def test_a_subclass_made_later_gets_the_same_private_state_through_pydantic() -> None:
    class LaterUser(User):
        pass

    bot = Bot(TOKEN)
    data = {"id": 1, "is_bot": False, "first_name": "A"}
    later = LaterUser.model_validate(data, context={"bot": bot})
    flat = User.model_validate(data, context={"bot": bot})
    assert later.__pydantic_private__ == flat.__pydantic_private__ == {"_bot": bot}


def test_a_subclass_made_later_keeps_private_attributes_of_its_own() -> None:
    class NotedUser(User):
        _note: int = PrivateAttr(default=5)

    bot = Bot(TOKEN)
    noted = NotedUser.model_validate({"id": 1, "is_bot": False, "first_name": "A"})
    assert noted.__pydantic_private__ == {"_note": 5, "_bot": None}
    assert NotedUser(id=2, is_bot=False, first_name="B").as_(bot)._note == 5


def test_a_class_with_its_own_post_init_keeps_it() -> None:
    seen: list[object] = []

    class NotedUser(User):
        def model_post_init(self, context: Any, /) -> None:
            super().model_post_init(context)
            seen.append(self.bot)

    assert flatten_bot_context() == 0  # aiogram's are flat already; this one has its own
    bot = Bot(TOKEN)
    data = {"id": 1, "is_bot": False, "first_name": "A"}
    user = NotedUser.model_validate(data, context={"bot": bot})
    assert seen == [bot] and user.bot is bot
