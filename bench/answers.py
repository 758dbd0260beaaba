"""Answer capture: customers pressing answer buttons, the real bot recording them.

    .venv/bin/python -m bench.answers --customers 1200 --paced-rate 200 --mode polling
    .venv/bin/python -m bench.answers --customers 1200 --paced-rate 200 --mode webhook
    .venv/bin/python -m bench.answers --customers 1200 --paced-rate 200 --mode webhook-floor
    .venv/bin/python -m bench.answers --customers 1200 --paced-rate 200 --unpaced [--events 1000]

Setup (not measured): every customer has a survey whose first question the bot sends
through its scheduler. Then, in the emulator's own process (standing in for Telegram):

* paced: each customer presses "9" under the NPS question, at --paced-rate presses per
  second; update-to-reply is the time from a press entering the update queue to the bot's
  next question arriving for that chat (p50/p99);
* burst: every customer presses "5" under the CSAT question at once; throughput is the
  answers recorded per second, from the first press to the last reply.

--mode polling is how `python -m bot` runs by default (getUpdates batches, each handled
at once across chats); --mode webhook has the emulator POST each update to the bot's
WEBHOOK_URL with Telegram's default of 40 connections at once. --mode floor is the same
presses answered by a bare aiogram bot (polling, no database) making the same three Bot
API calls per answer as the real one: what aiogram itself costs on this machine, the
ceiling any bot on this stack meets. --mode webhook-floor is that bot served as a webhook
by aiogram's own handler (each update answered once handled).

--events N registers a webhook endpoint (a receiver in a process of its own, answering 204)
and, as the presses begin, writes N `survey.completed` events to the outbox: the bot delivers
them, signed, while it records the answers. Compared with the same run without, it shows what
delivering webhooks costs the answer path.

Since [flow] every reply passes the outbound gate at SEND_RATE (30 here, Telegram's limit for a
bot) and the emulator answers 429 beyond 30 a second, so a run measures that limit: two calls
per answer, 15 answers a second at best. --unpaced lifts both (the gate's rate raised past
reach, the emulator's limit off) to measure what the bot itself takes per answer, as the runs
before [flow] did.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import socket
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bench.dispatch import TOKEN, _wait_all_sent, seeded_app
from bench.intake import sqlite_single_writer_rate
from bench.webhook_receiver import queue_events, receiving
from bot.process.aiogram_session import KeptResponseModelsSession
from bot.process.warm_up import warm_up
from bot.process.webhook import webhook_path
from sandbox import BotAPIEmulator, EmulatedUser

UNPACED_RATE = 100_000.0
"""--unpaced: the gate's grid this fine paces nothing; the emulator then answers no 429."""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _press_all(
    emulator: BotAPIEmulator, users: list[EmulatedUser], label: str, rate: float | None
) -> dict[str, Any]:
    """Press `label` under each user's latest question; measure until every reply is in."""
    targets = []
    for user in users:
        latest = [m for m in user.drain() if label in m.button_labels]
        targets.append((user, latest[-1]))
    pressed_at: dict[int, float] = {}
    sends_before = len(emulator.calls("sendMessage"))
    cpu_before = time.process_time()
    started = time.monotonic()
    for index, (user, message) in enumerate(targets):
        if rate is not None:
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        user.press(message, label)
        pressed_at[user.chat_id] = time.monotonic()
        if index % 50 == 0:
            await asyncio.sleep(0)  # let the server answer the bot meanwhile

    def replies() -> dict[int, float]:
        first: dict[int, float] = {}
        for call in emulator.calls("sendMessage"):
            chat = call.params.get("chat_id")
            if chat in pressed_at and call.time > pressed_at[chat] and chat not in first:
                first[chat] = call.time
        return first

    # Checked five times a second, not on every change: the stand-in's loop stays free. Every
    # chat's own reply, not a count of sends: another message (a nudge) must not end the wait.
    expected = sends_before + len(users)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (  # noqa: ASYNC110
        len(emulator.calls("sendMessage")) < expected or len(replies()) < len(users)
    ):
        await asyncio.sleep(0.2)
    wall = time.monotonic() - started
    emulator_cpu = time.process_time() - cpu_before
    answered = replies()
    latencies = [answered[chat] - pressed_at[chat] for chat in answered]
    span = max(answered.values()) - min(pressed_at.values())
    return {
        "answers": len(answered),
        "answers_per_second": round(len(answered) / span, 1),
        "p50_ms": round(1000 * _percentile(latencies, 0.50), 1),
        "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
        "emulator_cpu_per_wall_second": round(emulator_cpu / wall, 2),
    }


def _serve_emulator(conn: Connection, customers: int, paced_rate: float, unpaced: bool) -> None:
    async def serve() -> None:
        limit = {"global_rate_limit": None} if unpaced else {}
        async with BotAPIEmulator(token=TOKEN, bot_username="bench_bot", **limit) as emulator:
            users = [emulator.create_user(first_name="Bench") for _ in range(customers)]
            for user in users:
                user.mark_started()
            gc.freeze()  # as in bench.dispatch: the stand-in's GC pauses are not the bot's
            gc.disable()
            conn.send((emulator.base_url, [user.id for user in users]))
            await asyncio.to_thread(conn.recv)  # every first question is out
            paced = await _press_all(emulator, users, "9", paced_rate)
            burst = await _press_all(emulator, users, "5", None)
            conn.send({"paced": paced, "burst": burst})
            await asyncio.to_thread(conn.recv)  # the bot has stopped: now the server may go

    asyncio.run(serve())


async def _measured(conn: Connection) -> dict[str, Any]:
    """Let the presses begin; the emulator's report, with this process's CPU per answer."""
    conn.send("go")
    cpu_before = time.process_time()
    report: dict[str, Any] = await asyncio.to_thread(conn.recv)
    cpu = time.process_time() - cpu_before
    answers = report["paced"]["answers"] + report["burst"]["answers"]
    report["bot_cpu_ms_per_answer"] = round(1000 * cpu / answers, 2)
    return report


def _floor_keyboard(labels: list[str]) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(text=label, callback_data=f"a:{label}") for label in labels]
    return InlineKeyboardMarkup(inline_keyboard=[row[:6], row[6:]] if len(row) > 6 else [row])


async def _run_floor(
    conn: Connection, base_url: str, user_ids: list[int], mode: str
) -> dict[str, Any]:
    """A bare aiogram bot: per press, answerCallbackQuery, editMessageText, sendMessage.

    `floor` polls; `webhook-floor` is served the updates by aiogram's own webhook handler,
    which answers each once handled. Either way the three calls are made by the bot (the
    real bot puts answerCallbackQuery in the webhook's answer: the emulator's work is the
    same, the real bot's one request less).
    """
    session = KeptResponseModelsSession(api=TelegramAPIServer.from_base(base_url))
    warm_up()
    bot = Bot(TOKEN, session=session)
    dispatcher = Dispatcher()
    next_question = _floor_keyboard([str(score) for score in range(1, 6)])

    @dispatcher.callback_query()
    async def answered(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        message, chat = query.message, query.from_user.id
        await asyncio.gather(
            bot.answer_callback_query(query.id),
            bot.edit_message_text("Answered", chat_id=chat, message_id=message.message_id),
            bot.send_message(chat, "Next question", reply_markup=next_question),
        )

    first = _floor_keyboard([str(score) for score in range(11)])
    for start in range(0, len(user_ids), 25):  # setup, not measured
        await asyncio.gather(
            *(
                bot.send_message(chat, "How likely…", reply_markup=first)
                for chat in user_ids[start : start + 25]
            )
        )
    if mode == "webhook-floor":
        report = await _floor_webhook(conn, bot, dispatcher)
    else:
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
        )
        report = await _measured(conn)
        await dispatcher.stop_polling()
        await polling
    await session.close()
    conn.send("bye")
    return report


async def _floor_webhook(conn: Connection, bot: Bot, dispatcher: Dispatcher) -> dict[str, Any]:
    settings = _webhook_settings()
    http = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False).register(
        http, path=webhook_path(settings["webhook_url"])
    )
    runner = web.AppRunner(http)
    await runner.setup()
    await web.TCPSite(runner, settings["api_host"], settings["api_port"]).start()
    try:
        await bot.set_webhook(settings["webhook_url"])
        return await _measured(conn)
    finally:
        await runner.cleanup()


def _webhook_settings() -> dict[str, Any]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
        "api_host": "127.0.0.1",
        "api_port": port,
    }


async def _run_bot(
    conn: Connection,
    base_url: str,
    user_ids: list[int],
    mode: str,
    events: int = 0,
    unpaced: bool = False,
) -> dict[str, Any]:
    extra = _webhook_settings() if mode == "webhook" else {}
    with tempfile.TemporaryDirectory() as workdir, receiving(events) as receiver:
        app = await seeded_app(base_url, Path(workdir) / "bench.db", user_ids, 30, extra)
        app.tune_garbage_collector_once_started()  # as `python -m bot` does
        if unpaced:
            app.gate.set_rate(UNPACED_RATE)
        polling = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
        await _wait_all_sent(app, len(user_ids))
        if receiver is not None:
            await queue_events(app, receiver, events)
        report = await _measured(conn)
        if receiver is not None:
            report["webhooks"] = await receiver.report(events)
        stored = await app.db.reader.execute_fetchall("SELECT COUNT(*) FROM answers")
        report["answers_stored"] = next(iter(stored))[0]
        await app.stop()
        await polling
        sqlite_rate = sqlite_single_writer_rate(Path(workdir), 5000)
        report["sqlite_single_writer_rows_per_second"] = round(sqlite_rate, 1)
        report["burst_to_sqlite_ratio"] = round(
            report["burst"]["answers_per_second"] / sqlite_rate, 4
        )
    conn.send("bye")
    return report


def run(
    customers: int, paced_rate: float, mode: str, events: int = 0, unpaced: bool = False
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    emulator = context.Process(
        target=_serve_emulator, args=(child, customers, paced_rate, unpaced), daemon=True
    )
    emulator.start()
    try:
        base_url, user_ids = parent.recv()
        if mode in ("floor", "webhook-floor"):
            report = asyncio.run(_run_floor(parent, base_url, user_ids, mode))
        else:
            report = asyncio.run(_run_bot(parent, base_url, user_ids, mode, events, unpaced))
    finally:
        emulator.join(timeout=30)
        if emulator.is_alive():
            emulator.kill()
    setup = {"mode": mode, "customers": customers, "paced_rate": paced_rate}
    setup |= {"events": events, "unpaced": unpaced}
    return {**setup, **report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1200)
    parser.add_argument("--paced-rate", type=float, default=200.0)
    modes = ("polling", "webhook", "floor", "webhook-floor")
    parser.add_argument("--mode", choices=modes, default="polling")
    parser.add_argument("--events", type=int, default=0, help="webhook events to deliver meanwhile")
    parser.add_argument(
        "--unpaced", action="store_true", help="no 30 msg/s limit, ours or Telegram's"
    )
    args = parser.parse_args()
    report = run(args.customers, args.paced_rate, args.mode, args.events, args.unpaced)
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
