"""The load generator's HTTP client: a minimal asyncio HTTP/1.1 keep-alive connection.

The benchmarks share the machine with the server, so the client is kept cheap: every request's
bytes are built before timing starts (:class:`Request`), one :class:`RawConnection` per worker
reuses its socket, and chunked bodies are decoded from large reads. ``httpx.AsyncClient`` cost
about 2 ms of client CPU per request on this machine and became the bottleneck.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

HOST = "127.0.0.1"

Sink = Callable[[bytes], object]
"""Where a streamed body's bytes go, as they arrive."""

CONNECTION_ERRORS = (OSError, asyncio.IncompleteReadError, ValueError)
"""What a request can fail with before any status line arrives."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request, already encoded as HTTP/1.1 bytes; the body starts at ``body_at``."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    raw: bytes
    body_at: int

    @classmethod
    def build(
        cls,
        method: str,
        target: str,
        port: int,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes | None = None,
    ) -> Request:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return cls(method, target, headers, head + (body or b""), len(head))

    @property
    def body(self) -> bytes:
        return self.raw[self.body_at :]


@dataclass(slots=True)
class Response:
    """Status, lower-cased headers and (unless streamed to a sink) the body."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class RawConnection:
    """A hand-written HTTP/1.1 keep-alive connection over ``asyncio.open_connection``."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._served = 0

    async def send(self, request: Request, sink: Sink | None = None) -> Response:
        for attempt in (1, 2):
            reused = self._served > 0
            try:
                if self._writer is None:
                    self._reader, self._writer = await asyncio.open_connection(HOST, self._port)
                    self._served = 0
                self._writer.write(request.raw)
                response = await self._read(sink)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.aclose()
                # The server may close an idle keep-alive connection just as we reuse it.
                if attempt == 2 or not reused:
                    raise
                continue
            self._served += 1
            if response.headers.get("connection", "").lower() == "close":
                await self.aclose()
            return response
        raise AssertionError("unreachable")

    async def _read(self, sink: Sink | None) -> Response:
        assert self._reader is not None
        reader = self._reader
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            if value:
                headers[name.strip().lower()] = value.strip()
        response = Response(int(head[0].split(" ", 2)[1]), headers)
        parts: list[bytes] = []
        collect: Sink = sink or parts.append
        if response.status in {204, 304} or response.status < 200:
            pass
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            await _read_chunked(reader, collect)
        elif "content-length" in headers:
            remaining = int(headers["content-length"])
            if sink is None:
                parts.append(await reader.readexactly(remaining))
            while sink is not None and remaining:
                chunk = await reader.read(min(remaining, 1 << 18))
                if not chunk:
                    raise asyncio.IncompleteReadError(chunk, remaining)
                collect(chunk)
                remaining -= len(chunk)
        else:
            while chunk := await reader.read(1 << 18):
                collect(chunk)
            response.headers["connection"] = "close"
        response.body = b"".join(parts)
        return response

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_some(reader: asyncio.StreamReader) -> bytes:
    data = await reader.read(1 << 18)
    if not data:
        raise asyncio.IncompleteReadError(data, None)
    return data


async def _read_chunked(reader: asyncio.StreamReader, collect: Sink) -> None:
    """Decode a chunked body from large reads: an await per chunk would cost more than the
    server spends producing it."""
    buffer, pos, trailers = b"", 0, False
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            buffer, pos = buffer[pos:] + await _read_some(reader), 0
            continue
        line, pos = buffer[pos:eol], eol + 2
        if trailers or not line:  # the CRLF closing a chunk's data, or a trailer
            if trailers and not line:
                return
            continue
        size = int(line.split(b";", 1)[0], 16)
        if size == 0:
            trailers = True
            continue
        data = buffer[pos : pos + size]
        collect(data)
        pos += len(data)
        remaining = size - len(data)
        while remaining:  # a chunk longer than what is buffered: pass it on as it comes
            piece = await reader.read(min(remaining, 1 << 18))
            if not piece:
                raise asyncio.IncompleteReadError(piece, remaining)
            collect(piece)
            remaining -= len(piece)
