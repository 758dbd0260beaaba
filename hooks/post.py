"""One signed POST to a receiver, and how it went.

The session ignores every proxy: PROXY_URL is the way to Telegram alone, and the process's
HTTP(S)_PROXY variables are not read either (`trust_env=False`); a receiver is reached
directly. A request has 10 s in all; a redirect is not followed (the receiver's address is
to be fixed, not guessed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp

TIMEOUT_SECONDS = 10.0
USER_AGENT = "feedback-bot-webhooks/1"
ANSWER_SHOWN = 120
"""How much of a refusing receiver's answer goes into the error /hooks shows."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int | None  # None: no HTTP answer at all
    error: str | None  # None: delivered (2xx)
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.error is None

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver asks for no more deliveries."""
        return self.status == 410


def new_session(timeout: float = TIMEOUT_SECONDS) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )


async def post(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], body: bytes
) -> Response:
    started = time.monotonic()

    def done(status: int | None, error: str | None) -> Response:
        return Response(status, error, time.monotonic() - started)

    try:
        async with session.post(url, data=body, headers=headers, allow_redirects=False) as answer:
            if 200 <= answer.status < 300:
                return done(answer.status, None)
            said = (await answer.content.read(ANSWER_SHOWN)).decode("utf-8", "replace")
            said = " ".join(said.split())
            return done(answer.status, f"HTTP {answer.status}" + (f": {said}" if said else ""))
    except TimeoutError:
        return done(None, f"no answer within {session.timeout.total:g} s")
    except aiohttp.ClientError as error:
        return done(None, f"cannot reach the receiver: {error or type(error).__name__}")
    except (OSError, ValueError) as error:  # a malformed address, a refused socket
        return done(None, f"cannot reach the receiver: {error}")
