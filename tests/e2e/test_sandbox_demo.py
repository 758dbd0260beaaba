"""`make run` without a token: the scripted survey runs and its transcript is printed."""

from __future__ import annotations

from sandbox.demo import run_demo


async def test_demo_prints_a_complete_survey() -> None:
    lines: list[str] = []
    await run_demo(lines.append)
    transcript = "\n".join(lines)
    assert "Olga → bot: /purchase" in transcript
    assert "Anna pressed [9]" in transcript
    assert "Anna shared contact Ivan" in transcript
    assert "Thank you for your feedback" in transcript
    assert "6 answers stored in SQLite" in transcript
