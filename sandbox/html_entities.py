"""Telegram's HTML parse mode: markup -> plain text + MessageEntity dicts.

Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlParseError(ValueError):
    """Markup Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) or raise HtmlParseError."""
    parser = _TelegramHtmlParser(source)
    parser.feed(source)
    parser.close()
    return parser.result()


@dataclass
class _OpenTag:
    tag: str
    entity: dict[str, Any] | None
    offset: int


class _TelegramHtmlParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._parts: list[str] = []
        self._length = 0
        self._stack: list[_OpenTag] = []
        self._entities: list[dict[str, Any]] = []

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        if self._stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self._stack[-1].tag}"'
            )
        entities = sorted(self._entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self._parts), entities

    def _char_index(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _byte_offset(self) -> int:
        return len(self._source[: self._char_index()].encode())

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += utf16_len(text)

    def handle_data(self, data: str) -> None:
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        if name in _NAMED_ENTITIES:
            self._append(_NAMED_ENTITIES[name])
            return
        end = self._char_index() + 1 + len(name)
        terminated = self._source[end : end + 1] == ";"
        self._append(f"&{name};" if terminated else f"&{name}")

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self._append(chr(code))
        except (ValueError, OverflowError):
            self._append(f"&#{name};")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        entity = self._entity_for(tag, dict(attrs))
        self._stack.append(_OpenTag(tag, entity, self._length))

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self._byte_offset()}")
        top = self._stack[-1]
        if top.tag != tag:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{top.tag}>", found "</{tag}>"'
            )
        self._stack.pop()
        length = self._length - top.offset
        if top.entity is not None and length > 0:
            self._entities.append({**top.entity, "offset": top.offset, "length": length})

    def _entity_for(self, tag: str, attrs: dict[str, str | None]) -> dict[str, Any] | None:
        if tag == "code" and self._stack and self._stack[-1].tag == "pre":
            self._merge_code_into_pre(attrs.get("class"))
            return None
        if tag in _SIMPLE_TAGS:
            return {"type": _SIMPLE_TAGS[tag]}
        if tag == "span":
            if attrs.get("class") != "tg-spoiler":
                raise HtmlParseError('Tag "span" must have class "tg-spoiler"')
            return {"type": "spoiler"}
        if tag == "a":
            href = attrs.get("href")
            return {"type": "text_link", "url": href} if href else None
        if tag == "blockquote":
            expandable = "expandable" in attrs
            return {"type": "expandable_blockquote" if expandable else "blockquote"}
        if tag == "tg-emoji":
            emoji_id = attrs.get("emoji-id")
            if not emoji_id:
                raise HtmlParseError('Tag "tg-emoji" must have attribute "emoji-id"')
            return {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def _merge_code_into_pre(self, css_class: str | None) -> None:
        """`<pre><code class="language-x">` is one pre entity with a language."""
        pre = self._stack[-1].entity
        if pre is not None and css_class and css_class.startswith("language-"):
            pre["language"] = css_class.removeprefix("language-")
