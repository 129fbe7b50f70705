"""The HTTP side of commands that talk to a running registry: ``--url``, ``--token``, errors.

One :class:`Registry` per command run (one connection pool); every answer of 400 or more
becomes a :class:`~thingreg.cli.output.CommandError` whose one line is the registry's
problem+json ``detail``, and whose exit code follows the convention in ``output``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from thingreg.cli.output import CommandError, Unreachable, UsageError, error_for_status

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT = 30.0

SERVER_HELP = f"""\
The registry is --url (default $THINGREG_URL or {DEFAULT_URL}); requests carry --token
(default $THINGREG_TOKEN, else $THINGREG_API_TOKEN) as a bearer token.
"""


def add_server_options(parser: argparse.ArgumentParser, *, token: bool = True) -> None:
    """``--url`` and (for commands that may change things) ``--token``."""
    parser.add_argument(
        "--url",
        default=None,
        help=f"base URL of the registry (default $THINGREG_URL or {DEFAULT_URL})",
    )
    if token:
        parser.add_argument(
            "--token",
            default=None,
            help="bearer token for the registry (default $THINGREG_TOKEN or $THINGREG_API_TOKEN)",
        )


def registry_url(flag: str | None) -> str:
    """The registry's base URL: the flag, else $THINGREG_URL, else the default."""
    return (flag or os.environ.get("THINGREG_URL") or DEFAULT_URL).rstrip("/")


def server_options() -> argparse.ArgumentParser:
    """``--url`` and ``--token`` as a parent parser, for ``parents=[...]``."""
    parent = argparse.ArgumentParser(add_help=False)
    add_server_options(parent)
    return parent


def thing_path(thing_id: str) -> str:
    """``/things/{id}`` with the id percent-encoded whole, so ``:`` and ``/`` survive."""
    return "/things/" + quote(thing_id, safe="")


def problem_line(response: httpx.Response) -> str:
    """``404 Not Found: no thing has the id urn:x`` from a problem+json (or any) answer."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    detail = None
    if isinstance(problem, dict):
        detail = problem.get("detail") or problem.get("title")
    return f"{response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")


def error_for(response: httpx.Response) -> CommandError:
    """The command error a failed answer stands for, with the exit code of its kind."""
    return error_for_status(response.status_code, problem_line(response))


class Registry:
    """A running registry at ``url``: requests with the token, failures as command errors."""

    def __init__(
        self, url: str | None = None, token: str | None = None, *, timeout: float = TIMEOUT
    ) -> None:
        self.url = registry_url(url)
        self.token = (
            token
            if token is not None
            else os.environ.get("THINGREG_TOKEN") or os.environ.get("THINGREG_API_TOKEN", "")
        )
        self._http = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=True)

    @classmethod
    def from_args(cls, args: argparse.Namespace, *, timeout: float = TIMEOUT) -> Registry:
        """The registry ``--url``/``--token`` name (absent flags: the environment)."""
        return cls(getattr(args, "url", None), getattr(args, "token", None), timeout=timeout)

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send and return the answer; raise unless it is below 400 or its status is in ``ok``."""
        sent = dict(headers or {})
        if json is not None:
            content = orjson.dumps(json)
            sent.setdefault("Content-Type", "application/json")
        url = path if path.startswith(("http://", "https://")) else self.url + path
        with _transport_errors(url):
            response = self._http.request(
                method, url, params=params, content=content, headers=self._headers(sent)
            )
        if response.status_code >= 400 and response.status_code not in ok:
            raise error_for_status(
                response.status_code, f"{method} {url}: {problem_line(response)}"
            )
        return response

    def stream_array(self, path: str, *, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """The items of a JSON array answer one at a time, read as the bytes arrive."""
        url = self.url + path
        with (
            _transport_errors(url),
            self._http.stream("GET", url, params=params, headers=self._headers(None)) as response,
        ):
            if response.status_code >= 400:
                response.read()
                raise error_for_status(response.status_code, f"GET {url}: {problem_line(response)}")
            yield from _array_items(response.iter_bytes())


@contextmanager
def _transport_errors(url: str) -> Iterator[None]:
    """httpx's failures to send as command errors: a bad URL is usage, the rest unreachable."""
    try:
        yield
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise UsageError(f"{url}: not a usable URL ({exc})") from None
    except httpx.TransportError as exc:
        raise Unreachable(f"{url}: cannot reach the registry ({type(exc).__name__})") from None


def _array_items(chunks: Iterator[bytes]) -> Iterator[Any]:
    """Split a streamed top-level JSON array into its items without holding it all.

    Tracks string and nesting state byte by byte so an item is parsed as soon as it closes.
    """
    depth = 0
    in_string = escaped = False
    item = bytearray()
    for chunk in chunks:
        for byte in chunk:
            char = chr(byte)
            if in_string:
                item.append(byte)
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
                continue
            if depth == 0:
                if char == "[":
                    depth = 1
                continue
            if depth == 1 and char in ",]":
                if item.strip():
                    yield orjson.loads(bytes(item))
                item.clear()
                if char == "]":
                    depth = 0
                continue
            item.append(byte)
            if char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
