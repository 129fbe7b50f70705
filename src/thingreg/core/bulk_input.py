"""Reading bulk input incrementally: NDJSON (one TD per line) or one JSON array of TDs.

:class:`TDSplitter` is fed bytes as they arrive (from a file, stdin or a request body) and hands
back each TD's raw JSON with the line it starts on, never holding more than one unfinished TD.
The format is told by the first character: ``[`` starts an array, anything else is NDJSON.
Array elements are delimited with the standard library's incremental decoder and handed back
as bytes, so every TD is parsed by the same parser (orjson) whatever the format. A syntax error
inside an array leaves no way to find the next element: it ends the input with one error item.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Item:
    """One TD of the input, not yet parsed, or why it could not even be delimited."""

    line: int
    """The (1-based) line the TD starts on."""
    raw: bytes = b""
    error: str | None = None


class TDSplitter:
    """Splits a stream of bytes into TDs; see the module docstring."""

    def __init__(self, max_item_bytes: int) -> None:
        self.max_item_bytes = max_item_bytes
        self._format: str | None = None  # "ndjson" or "array", known at the first character
        self._bytes = bytearray()
        self._line = 1  # the line the buffer starts on
        self._skipping = False  # inside an NDJSON line that was too long
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._pos = 0
        self._array_state = "open"  # open, element, comma, closed, broken
        self._json = json.JSONDecoder()

    def feed(self, chunk: bytes) -> list[Item]:
        """The TDs completed by ``chunk``."""
        if self._format is None:
            self._bytes += chunk
            head = self._bytes.lstrip()
            if not head:
                return []
            self._format = "array" if head[:1] == b"[" else "ndjson"
            chunk, self._bytes = bytes(self._bytes), bytearray()
        if self._format == "ndjson":
            return self._feed_lines(chunk, final=False)
        return self._feed_array(chunk, final=False)

    def end(self) -> list[Item]:
        """The last TDs, once the input is over (and an error if it stopped mid-TD)."""
        if self._format == "ndjson":
            return self._feed_lines(b"", final=True)
        if self._format == "array":
            return self._feed_array(b"", final=True)
        return []

    # -- NDJSON ----------------------------------------------------------------------------

    def _feed_lines(self, chunk: bytes, *, final: bool) -> list[Item]:
        items: list[Item] = []
        buffer = self._bytes
        start = len(buffer)
        buffer += chunk
        begin = 0
        while True:
            end = buffer.find(b"\n", max(begin, start))
            if end < 0:
                break
            start = 0
            self._line_done(items, buffer, begin, end)
            begin = end + 1
        del buffer[:begin]
        if self._skipping:
            buffer.clear()
        elif len(buffer) > self.max_item_bytes:
            items.append(Item(self._line, error=self._too_long()))
            self._skipping = True
            buffer.clear()
        if final and buffer:
            self._line_done(items, buffer, 0, len(buffer))
            buffer.clear()
        return items

    def _line_done(self, items: list[Item], buffer: bytearray, begin: int, end: int) -> None:
        if self._skipping:
            self._skipping = False
        elif end - begin > self.max_item_bytes:
            items.append(Item(self._line, error=self._too_long()))
        else:
            raw = bytes(buffer[begin:end]).strip()
            if raw:
                items.append(Item(self._line, raw))
        self._line += 1

    def _too_long(self) -> str:
        return f"the TD is longer than the limit of {self.max_item_bytes} bytes"

    # -- a JSON array ----------------------------------------------------------------------

    def _feed_array(self, chunk: bytes, *, final: bool) -> list[Item]:
        items: list[Item] = []
        if self._array_state == "broken":
            return items
        try:
            self._text += self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            return self._broken(items, f"the input is not UTF-8: {exc}")
        text = self._text
        pos = self._pos
        while True:
            pos = _skip_space(text, pos)
            if pos == len(text):
                break
            char = text[pos]
            state = self._array_state
            if state == "open":
                if char != "[":
                    return self._broken(items, "a JSON array of TDs must start with [")
                pos += 1
                self._array_state = "element"
            elif state == "closed":
                return self._broken(items, "unexpected text after the closing ] of the array")
            elif char == "]" and state in ("comma", "element"):
                pos += 1
                self._array_state = "closed"
            elif state == "comma":
                if char != ",":
                    return self._broken(items, "expected , or ] between the TDs of the array")
                pos += 1
                self._array_state = "element"
            else:
                try:
                    _, end = self._json.raw_decode(text, pos)
                except json.JSONDecodeError as exc:
                    if not final and len(text) - pos <= self.max_item_bytes:
                        break  # probably cut off by the chunk: wait for more
                    self._line += text.count("\n", self._pos, pos)
                    self._pos = pos
                    return self._broken(items, f"the array is not valid JSON: {exc.msg}")
                self._line += text.count("\n", self._pos, pos)
                self._pos = pos
                raw = text[pos:end].encode()
                if len(raw) > self.max_item_bytes:
                    items.append(Item(self._line, error=self._too_long()))
                else:
                    items.append(Item(self._line, raw))
                pos = end
                self._array_state = "comma"
            self._line += text.count("\n", self._pos, pos)
            self._pos = pos
        self._line += text.count("\n", self._pos, pos)
        self._text, self._pos = text[pos:], 0
        if final and self._array_state != "closed":
            return self._broken(items, "the array ends before its closing ]")
        return items

    def _broken(self, items: list[Item], error: str) -> list[Item]:
        self._array_state = "broken"
        self._text = ""
        items.append(Item(self._line, error=f"{error}; the rest of the input is not read"))
        return items


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
