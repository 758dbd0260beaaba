"""`python -m analytics.theme_worker`: the themes of written answers, read in a child process.

JSON on stdin: the dictionary and the answers (`request`); JSON on stdout: each answer's
themes and telling words. The Russian dictionaries of pymorphy3 take about 30 MB once
loaded, and Python never gives that back: the bot reads answers here, in a process that
ends with the batch (bot/process/theme_process.py), so its own footprint stays what its
work needs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from analytics.themes import Normaliser, Theme, ThemeMatcher, Topics


def request(themes: Sequence[Theme], answers: Sequence[tuple[int, str]]) -> bytes:
    """What the worker reads on stdin."""
    encoded = [[theme.key, theme.names, list(theme.entries)] for theme in themes]
    return json.dumps({"themes": encoded, "answers": list(answers)}, ensure_ascii=False).encode()


def read_answers(asked: dict[str, Any]) -> list[list[Any]]:
    themes = [Theme(key, dict(names), tuple(entries)) for key, names, entries in asked["themes"]]
    matcher = ThemeMatcher(themes, Normaliser())
    read = []
    for answer_id, text in asked["answers"]:
        topics = matcher.topics(text)
        read.append([answer_id, list(topics.themes), list(topics.words)])
    return read


def answers_read(output: bytes) -> list[tuple[int, Topics]]:
    """The worker's stdout, back as each answer's topics."""
    return [
        (int(answer_id), Topics(tuple(themes), tuple(words)))
        for answer_id, themes, words in json.loads(output)
    ]


def main() -> None:
    asked = json.load(sys.stdin.buffer)
    json.dump(read_answers(asked), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
