"""/reward: owners choose what comes with the thank-you — nothing, one promo code, or a pool."""

from __future__ import annotations

import logging
import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.roles import Roles
from bot.texts import t, t_html
from core.clock import Clock
from storage import rewards
from storage.database import Database
from storage.rewards import Reward, RewardMode

log = logging.getLogger(__name__)

CODE = re.compile(r"\S{1,64}")
SEPARATORS = re.compile(r"[\s,;]+")


async def reward_command(
    message: Message,
    command: CommandObject,
    db: Database,
    roles: Roles,
    clock: Clock,
    language: str,
) -> None:
    """`/reward`, `/reward code <CODE>`, `/reward pool <codes>`, `/reward off`,
    `/reward referral on|off`."""
    assert message.from_user is not None
    user_id = message.from_user.id
    if not roles.is_owner(user_id):
        await message.answer(t(language, "reward_owners_only"))
        return
    action, _, rest = (command.args or "").strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    if not action:
        reward = await rewards.current(db.reader)
        await message.answer(_status(reward, language) + "\n\n" + t(language, "reward_hint"))
        return
    if action == "referral" and rest.lower() in ("on", "off"):
        on = rest.lower() == "on"
        async with db.transaction() as conn:
            await rewards.set_for_referrals(conn, on)
            reward = await rewards.current(conn)
        key = "reward_referral_on" if on else "reward_referral_off"
        text = t_html(language, key, pool=_pool(reward, language))
    elif action == "off" and not rest:
        async with db.transaction() as conn:
            await rewards.set_mode(conn, RewardMode.OFF)
        text = t(language, "reward_off_set")
    elif action == "code" and rest:
        if not CODE.fullmatch(rest):
            await message.answer(t(language, "reward_bad_code", code=rest[:100]))
            return
        async with db.transaction() as conn:
            await rewards.set_mode(conn, RewardMode.CODE, rest)
        text = t(language, "reward_code_set", code=rest)
    elif action == "pool" and (codes := _pool_codes(rest)):
        bad = next((code for code in codes if not CODE.fullmatch(code)), None)
        if bad is not None:
            await message.answer(t(language, "reward_bad_code", code=bad[:100]))
            return
        async with db.transaction() as conn:
            added = await rewards.add_codes(conn, codes, user_id, clock())
            await rewards.set_mode(conn, RewardMode.POOL)
            reward = await rewards.current(conn)
        text = t_html(
            language,
            "reward_pool_added",
            added=str(added),
            skipped=str(len(codes) - added),
            pool=_pool(reward, language),
        )
    else:
        await message.answer(t(language, "reward_usage"))
        return
    log.info("reward set to %s by staff %s", action, user_id)
    await message.answer(text)


def _pool_codes(text: str) -> list[str]:
    """The codes of `/reward pool …`, each once, in the order given."""
    return list(dict.fromkeys(code for code in SEPARATORS.split(text) if code))


def _status(reward: Reward, language: str) -> str:
    referral = t(
        language,
        "reward_status_referral_on" if reward.for_referrals else "reward_status_referral_off",
    )
    if reward.mode is RewardMode.CODE:
        return t(language, "reward_status_code", code=reward.code or "") + referral
    key = "reward_status_pool" if reward.mode is RewardMode.POOL else "reward_status_off"
    return t_html(language, key, pool=_pool(reward, language)) + referral


def _pool(reward: Reward, language: str) -> str:
    if not reward.free and not reward.issued:
        return ""
    text = t(language, "reward_pool_counts", free=reward.free, issued=reward.issued)
    if reward.mode is RewardMode.POOL and not reward.free:
        text += t(language, "reward_pool_empty_now")
    return text


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="reward")
    router.message.register(reward_command, Command("reward"))
    return router
