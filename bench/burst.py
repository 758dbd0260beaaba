"""The morning rush: surveys held overnight by quiet hours go out at once while customers
answer, every message through the outbound gate against Telegram's 30 messages a second.

    .venv/bin/python -m bench.burst --surveys 500 --send-rate 29

Every customer has started the bot and has one survey due, held back by quiet hours. Then
the owner lifts quiet hours (as the morning does) and the real app sends the backlog while
each customer, in the emulator's process, answers the whole survey as soon as each question
arrives, after a few hundred milliseconds of "thinking" per step: scores on buttons, a
"No" to "100% satisfied?" now and then with a written answer of what to fix, a written wish
now and then. The emulator, a process of its own like Telegram's servers, enforces 30
messages a second over every sending and editing method and counts every 429 it serves.

Reported: 429s served, surveys completed, the time from a tap (or a written answer) to the
next question (p50, p95, p99), how much of Telegram's 30 messages a second the gate used
from the first message to the last, and the Bot API calls that count against that limit
per completed survey.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import random
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.dispatch import TELEGRAM_LIMIT, TOKEN, seeded_app
from bot.app import FeedbackApp
from core.clock import utc_now
from sandbox import BotAPIEmulator, EmulatedUser

COUNTED = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
THINK_SECONDS = (0.2, 0.5)
"""How long a customer looks at a question before answering: uniform in this range."""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


STEP_TIMEOUT = 600.0
"""Seconds a customer waits for the bot's next message before the run counts as failed."""


async def _answer_survey(user: EmulatedUser, rng: random.Random, latencies: list[float]) -> bool:
    """Answer every question the moment it arrives (after thinking); True once thanked."""
    message = await user.next_message(timeout=STEP_TIMEOUT)
    while message.buttons:
        await asyncio.sleep(rng.uniform(*THINK_SECONDS))
        labels = message.button_labels
        if "10" in labels:  # NPS
            user.press(message, str(rng.choice(range(11))))
        elif "5" in labels:  # CSAT
            user.press(message, str(rng.choice(range(1, 6))))
        elif labels == ["Yes", "No"]:  # 100% satisfied?
            user.press(message, "No" if rng.random() < 0.3 else "Yes")
        elif labels == ["Skip"] or (labels == ["No, thanks"] and rng.random() < 0.5):
            user.send_text("The queue at the till was long")  # what to fix, or a wish
        else:
            user.press(message, labels[0])  # No, thanks / No
        answered = time.monotonic()
        message = await user.next_message(timeout=STEP_TIMEOUT)
        latencies.append(time.monotonic() - answered)
    return "Thank you" in (message.text or "")


def _serve_emulator(conn: Connection, surveys: int, seed: int) -> None:
    """The child process: the emulator and its customers, then a report."""

    async def serve() -> None:
        async with BotAPIEmulator(
            token=TOKEN, bot_username="bench_bot", global_rate_limit=TELEGRAM_LIMIT
        ) as emulator:
            users = [
                emulator.create_user(first_name="Bench", language_code="en") for _ in range(surveys)
            ]
            for user in users:
                user.mark_started()
            gc.freeze()  # the stand-in's own pauses are not the bot's (see bench.dispatch)
            gc.disable()
            conn.send((emulator.base_url, [user.id for user in users]))
            latencies: list[float] = []
            rng = random.Random(seed)
            answering = [
                asyncio.create_task(_answer_survey(user, random.Random(rng.random()), latencies))
                for user in users
            ]
            thanked = await asyncio.gather(*answering, return_exceptions=True)
            await asyncio.to_thread(conn.recv)  # the bot has recorded everything
            counted = [call.time for call in emulator.requests if call.method in COUNTED]
            accepted = [
                call.time
                for call in emulator.requests
                if call.method in COUNTED and call.status == 200
            ]
            conn.send(
                {
                    "latencies": latencies,
                    "thanked": sum(result is True for result in thanked),
                    "failed": [repr(r) for r in thanked if isinstance(r, BaseException)][:3],
                    "served_429": emulator.served_429,
                    "counted_calls": len(counted),
                    "accepted": accepted,
                }
            )

    asyncio.run(serve())


async def _completed(app: FeedbackApp) -> int:
    rows = await app.db.reader.execute_fetchall(
        "SELECT COUNT(*) FROM surveys WHERE status = 'completed' AND prompt_message_id IS NOT NULL"
    )
    return int(next(iter(rows))[0])


async def _run_bot(base_url: str, user_ids: list[int], send_rate: float) -> float:
    """Seed the held surveys, start the app, lift quiet hours; seconds until all are done."""
    now = utc_now()  # the app runs on UTC here
    night = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"
    with tempfile.TemporaryDirectory() as workdir:
        app = await seeded_app(
            base_url,
            Path(workdir) / "bench.db",
            user_ids,
            send_rate,
            {"quiet_hours": night, "timezone": "UTC", "survey_throttle_days": 0},
        )
        polling = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
        await asyncio.sleep(2)  # a tick or two: quiet hours hold every survey back
        assert await _completed(app) == 0
        started = time.monotonic()
        await app.live_settings.change(app.db, "quiet_hours", "off", 0, utc_now())  # morning
        async with asyncio.timeout(len(user_ids) * 12 / send_rate + 120):
            while await _completed(app) < len(user_ids):  # noqa: ASYNC110  (polls the database)
                await asyncio.sleep(0.5)
        seconds = time.monotonic() - started
        await app.stop()
        await polling
    return seconds


def run(surveys: int, send_rate: float, seed: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    emulator = context.Process(target=_serve_emulator, args=(child, surveys, seed), daemon=True)
    emulator.start()
    try:
        base_url, user_ids = parent.recv()
        seconds = asyncio.run(_run_bot(base_url, user_ids, send_rate))
        parent.send("report")
        report = parent.recv()
    finally:
        emulator.join(timeout=60)
        if emulator.is_alive():
            emulator.kill()
    accepted = report["accepted"]
    span = accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0
    used = (len(accepted) - 1) / span if span else 0.0
    latencies = report["latencies"]
    return {
        "surveys": surveys,
        "send_rate": send_rate,
        "seconds_to_the_last_thank_you": round(seconds, 1),
        "served_429": report["served_429"],
        "surveys_completed": report["thanked"],
        "customer_failures": report["failed"],
        "next_question_p50_seconds": round(_percentile(latencies, 0.50), 3),
        "next_question_p95_seconds": round(_percentile(latencies, 0.95), 3),
        "next_question_p99_seconds": round(_percentile(latencies, 0.99), 3),
        "answers_timed": len(latencies),
        "messages_per_second": round(used, 2),
        "share_of_telegram_limit": round(used / TELEGRAM_LIMIT, 3),
        "counted_calls_per_completed_survey": round(
            report["counted_calls"] / max(report["thanked"], 1), 2
        ),
        "completed_surveys_per_second": round(report["thanked"] / span, 2) if span else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=500)
    parser.add_argument("--send-rate", type=float, default=29.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for key, value in run(args.surveys, args.send_rate, args.seed).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
