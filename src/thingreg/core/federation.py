"""Federation: resolving identifiers that a peer registry is authoritative for.

A registry holds a delegation table (identifier prefix → peer base URL). When an identifier is
delegated, the HTTP layer either redirects the client to the peer or, when asked, proxies: this
module asks the peer, on behalf of the client, and caches its answer for the answer's TTL.

Every request that crosses registries carries a *trail*: ``hops`` (how many registries have
forwarded it) and ``via`` (their ids, in order). A registry refuses to forward a request whose
trail already names it (a loop) or that would exceed ``max_hops`` (too long a chain), with a
508 problem that names the path. Only peers in the delegation table are ever contacted: the
identifier is percent-encoded into one path segment of the peer's ``/resolve/`` URL, and
redirects from peers are not followed, so no input can point the registry at another host.

Peer failures are problems that say which registry failed::

    PeerError (mixin: carries the problem members)
    ├── PeerNotFound     404  the authoritative registry has no such thing
    ├── PeerLoop         508  a peer further down the chain detected a loop
    ├── PeerUnavailable  502  refused, unreachable, or answered something unusable
    └── PeerTimeout      504  no whole answer within ``peer_timeout`` seconds
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpx
import orjson

from thingreg.core.errors import (
    BadGateway,
    BadRequest,
    GatewayTimeout,
    LoopDetected,
    NotFound,
    ThingregError,
)
from thingreg.store.base import Delegation

log = logging.getLogger(__name__)

MAX_PREFIX_LENGTH = 256
MAX_URL_LENGTH = 2048
MAX_NOTE_LENGTH = 1024
MAX_VIA = 64
MAX_ANSWER_BYTES = 1_048_576
MAX_CACHE_TTL = 86_400.0
"""A peer's ``max-age`` is honoured up to a day; longer would outlive a moved delegation."""

_REGISTRY_ID = re.compile(r"[A-Za-z0-9._:~-]{1,128}")
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*")
"""A scheme and a colon, then anything visible: every canonical identifier is a URI."""


# --- validation at the edges ------------------------------------------------------------------


def check_prefix(prefix: str) -> str:
    """A delegation prefix or namespace: the start of a canonical identifier."""
    if not prefix:
        raise BadRequest("a delegation prefix must not be empty")
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise BadRequest(f"a delegation prefix has at most {MAX_PREFIX_LENGTH} characters")
    if not _PREFIX.fullmatch(prefix):
        raise BadRequest(
            f"{prefix!r} is not the start of a canonical identifier: it needs a URI scheme and "
            "a colon (tel:+81, urn:gsma:imei:3573, did:web:example.jp) and no whitespace"
        )
    return prefix


def check_peer_url(url: str) -> str:
    """A peer registry's base URL: absolute http(s), no credentials, query or fragment.

    Returned without a trailing slash, so ``{peer}/resolve/…`` is always well formed.
    """
    if len(url) > MAX_URL_LENGTH:
        raise BadRequest(f"a registry URL has at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise BadRequest(f"{url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(f"a registry URL must be absolute http or https, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise BadRequest("a registry URL must not hold credentials")
    if parts.query or parts.fragment or any(c.isspace() for c in url):
        raise BadRequest("a registry URL is a base URL: no query, fragment or whitespace")
    return url.rstrip("/")


def check_registry_id(name: str) -> str:
    if not _REGISTRY_ID.fullmatch(name):
        raise ValueError(
            f"registry id {name!r} must be 1-128 letters, digits or . : _ ~ - (no commas)"
        )
    return name


def check_options(
    registry_id: str, namespaces: tuple[str, ...], max_hops: int, timeout: float
) -> None:
    """Refuse settings a federation cannot work with, with a :class:`ValueError` that says why."""
    check_registry_id(registry_id)
    for namespace in namespaces:
        try:
            check_prefix(namespace)
        except BadRequest as exc:
            raise ValueError(f"namespace {namespace!r}: {exc.detail}") from None
    if max_hops < 1:
        raise ValueError("max_hops must be at least 1")
    if timeout <= 0:
        raise ValueError("peer_timeout must be positive")


# --- the trail of a request across registries -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trail:
    """How a resolution request got here: registries that forwarded it, in order."""

    hops: int = 0
    via: tuple[str, ...] = ()

    @classmethod
    def parse(cls, hops: int, via: str) -> Trail:
        """From the ``hops`` and ``via`` query parameters; :class:`BadRequest` when malformed."""
        names = tuple(v.strip() for v in via.split(",")) if via.strip() else ()
        if len(names) > MAX_VIA:
            raise BadRequest(f"query parameter 'via' lists more than {MAX_VIA} registries")
        for name in names:
            if not _REGISTRY_ID.fullmatch(name):
                raise BadRequest(f"query parameter 'via' holds an invalid registry id {name!r}")
        return cls(max(hops, len(names)), names)

    def query(self) -> dict[str, str]:
        return {"hops": str(self.hops), "via": ",".join(self.via)}


def _path(names: tuple[str, ...]) -> str:
    return " → ".join(names)


class FederationLoop(LoopDetected):
    """This registry would forward a request that has already passed it, or gone too far."""

    def __init__(self, detail: str, via: tuple[str, ...], hops: int) -> None:
        super().__init__(detail)
        self.via = via
        self.hops = hops

    def problem_extra(self) -> dict[str, Any]:
        return {"via": list(self.via), "hops": self.hops}


# --- peer errors --------------------------------------------------------------------------------


class PeerError(ThingregError):
    """Mixin of the errors about a peer: the problem members name the registry."""

    def __init__(self, detail: str, extra: Mapping[str, Any]) -> None:
        super().__init__(detail)
        self.extra = dict(extra)

    def problem_extra(self) -> dict[str, Any]:
        return dict(self.extra)


class PeerNotFound(PeerError, NotFound):
    """The authoritative registry has no such thing."""


class PeerLoop(PeerError, LoopDetected):
    """A peer further down the chain detected a loop or too long a chain."""


class PeerUnavailable(PeerError, BadGateway):
    """A peer refused, could not be reached, or answered something unusable."""


class PeerTimeout(PeerError, GatewayTimeout):
    """A peer did not answer in time."""


class AuthoritativeNotFound(NotFound):
    """The identifier is in a namespace of this registry, which has no such thing."""

    def __init__(self, canonical: str, namespace: str) -> None:
        super().__init__(
            f"no thing has the identifier {canonical!r}; this registry is authoritative for "
            f"{namespace!r}, so no peer is asked"
        )
        self.namespace = namespace

    def problem_extra(self) -> dict[str, Any]:
        return {"namespace": self.namespace}


# --- the cache of peer answers ---------------------------------------------------------------

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Cached(Generic[V]):
    value: V
    stored: float
    ttl: float


class TTLCache(Generic[K, V]):
    """Entries that expire ``ttl`` seconds after they are stored; the oldest go when full."""

    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self._entries: OrderedDict[K, Cached[V]] = OrderedDict()
        self._max_entries = max_entries
        self.clock = clock

    def get(self, key: K) -> Cached[V] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.clock() - entry.stored >= entry.ttl:
            del self._entries[key]
            return None
        return entry

    def put(self, key: K, value: V, ttl: float) -> None:
        if ttl <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = Cached(value, self.clock(), ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def age(self, entry: Cached[V]) -> float:
        return self.clock() - entry.stored

    def __len__(self) -> int:
        return len(self._entries)


def cache_ttl(headers: httpx.Headers, default: float) -> float:
    """Seconds a peer's answer stays fresh: ``s-maxage``/``max-age`` less ``Age``, else default."""
    directives: dict[str, str] = {}
    for part in headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value.strip().strip('"')
    if {"no-store", "no-cache", "private"} & directives.keys():
        return 0.0
    for name in ("s-maxage", "max-age"):
        value = directives.get(name, "")
        if value.isascii() and value.isdigit():
            age = headers.get("age", "0")
            seconds = float(value) - (float(age) if age.isascii() and age.isdigit() else 0.0)
            return max(0.0, min(seconds, MAX_CACHE_TTL))
    return default


# --- the peer client ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerAnswer:
    """A peer's successful answer, as served to the client, and how fresh it is."""

    body: dict[str, Any]
    ttl: float
    """Freshness lifetime in seconds, as the answer was stored."""
    age: float = 0.0
    """Seconds since it was fetched; 0 for a fresh fetch."""
    cached: bool = False


@dataclass
class Federation:
    """This registry's place among its peers: its name, namespaces, limits, client and cache."""

    registry_id: str
    client: httpx.AsyncClient
    namespaces: tuple[str, ...] = ()
    max_hops: int = 8
    timeout: float = 3.0
    cache_ttl: float = 60.0
    cache: TTLCache[tuple[str, str], PeerAnswer] = field(default_factory=TTLCache)
    _inflight: dict[tuple[str, str], asyncio.Future[PeerAnswer]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        check_options(self.registry_id, self.namespaces, self.max_hops, self.timeout)

    def authority(self, canonical: str, delegation: Delegation) -> str | None:
        """Own namespace covering ``canonical`` more specifically than ``delegation`` does."""
        own = [n for n in self.namespaces if canonical.startswith(n)]
        best = max(own, key=len, default=None)
        return best if best is not None and len(best) >= len(delegation.prefix) else None

    def forward(self, trail: Trail, canonical: str) -> Trail:
        """The trail of the request this registry would send on; 508 for a loop or long chain."""
        path = (*trail.via, self.registry_id)
        if self.registry_id in trail.via:
            raise FederationLoop(
                f"resolution loop for {canonical!r}: {_path(path)} (this registry, "
                f"{self.registry_id!r}, delegated it before); check the delegation tables",
                path,
                trail.hops,
            )
        if trail.hops + 1 > self.max_hops:
            raise FederationLoop(
                f"resolving {canonical!r} would take more than {self.max_hops} hops: {_path(path)}",
                path,
                trail.hops,
            )
        return Trail(trail.hops + 1, path)

    @staticmethod
    def resolve_url(peer: str, canonical: str, trail: Trail, **params: str) -> str:
        """``{peer}/resolve/{canonical}?…&hops=…&via=…``: the identifier is one path segment."""
        query = urlencode({**params, **trail.query()}, safe=",:~")
        segment = quote(canonical, safe="")
        if segment in (".", ".."):  # a dot segment would be removed from the path
            segment = segment.replace(".", "%2E")
        return f"{peer}/resolve/{segment}?{query}"

    async def ask(self, delegation: Delegation, canonical: str, trail: Trail) -> PeerAnswer:
        """The peer's answer for ``canonical``, from the cache while it is fresh.

        Concurrent misses for one identifier share one request to the peer.
        """
        key = (delegation.peer, canonical)
        entry = self.cache.get(key)
        if entry is not None:
            return PeerAnswer(entry.value.body, entry.ttl, self.cache.age(entry), cached=True)
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(delegation, canonical, trail))
            self._inflight[key] = pending
            pending.add_done_callback(lambda done: self._settled(key, done))
        return await asyncio.shield(pending)

    def _settled(self, key: tuple[str, str], done: asyncio.Future[PeerAnswer]) -> None:
        self._inflight.pop(key, None)
        if not done.cancelled() and done.exception() is None:
            answer = done.result()
            self.cache.put(key, answer, answer.ttl)

    async def _fetch(self, delegation: Delegation, canonical: str, trail: Trail) -> PeerAnswer:
        peer = delegation.peer
        url = self.resolve_url(peer, canonical, trail, proxy="true")
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                async with self.client.stream(
                    "GET", url, headers={"Accept": "application/json"}
                ) as response:
                    raw = await _read_limited(response)
        except (TimeoutError, httpx.TimeoutException):
            log.warning(
                "peer %s did not answer for %s within %ss",
                peer,
                canonical,
                self.timeout,
                extra={"peer": peer, "identifier": canonical},
            )
            raise PeerTimeout(
                f"the registry at {peer} did not answer within {self.timeout:g} s",
                {"registry": peer},
            ) from None
        except httpx.TransportError as exc:
            log.warning(
                "peer %s unreachable for %s: %r",
                peer,
                canonical,
                exc,
                extra={"peer": peer, "identifier": canonical},
            )
            raise PeerUnavailable(
                f"the registry at {peer} cannot be reached ({type(exc).__name__})",
                {"registry": peer},
            ) from None
        log.debug(
            "peer %s answered %s for %s in %.1f ms",
            peer,
            response.status_code,
            canonical,
            (time.monotonic() - started) * 1000,
        )
        return self._answer(delegation, canonical, url, response, raw)

    def _answer(
        self,
        delegation: Delegation,
        canonical: str,
        url: str,
        response: httpx.Response,
        raw: bytes | None,
    ) -> PeerAnswer:
        peer = delegation.peer
        body = _json_object(raw)
        status = response.status_code
        if status == 200 and body is not None and isinstance(body.get("href", ""), str):
            body["answeredBy"] = body.get("answeredBy") or peer
            if "href" in body:
                # Relative to the peer that answered, not to this registry.
                body["href"] = urljoin(url, body["href"])
            body["delegatedTo"] = {"prefix": delegation.prefix, "registry": peer}
            return PeerAnswer(body, cache_ttl(response.headers, self.cache_ttl))
        problem = body or {}
        detail = problem.get("detail") if isinstance(problem.get("detail"), str) else None
        registry = problem.get("registry") if isinstance(problem.get("registry"), str) else peer
        if status == 404:
            raise PeerNotFound(
                f"the registry at {registry} has no thing with the identifier {canonical!r}",
                {"registry": registry},
            )
        if status == 508 and detail:
            raise PeerLoop(detail, _members(problem, "via", "hops") | {"registry": registry})
        if status == 504 and detail:
            raise PeerTimeout(detail, {"registry": registry})
        if status == 502 and detail:
            raise PeerUnavailable(detail, {"registry": registry})
        said = f": {detail}" if detail else ""
        raise PeerUnavailable(
            f"the registry at {peer} answered {status}{said}", {"registry": peer, "status": status}
        )


def _members(problem: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: problem[name] for name in names if name in problem}


def _json_object(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def _read_limited(response: httpx.Response) -> bytes | None:
    """The body, or ``None`` when it is larger than any resolution answer should be."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def answer_headers(answer: PeerAnswer) -> dict[str, str]:
    """``Cache-Control``/``Age`` of a proxied answer, so caches downstream expire it in step."""
    headers = {"Cache-Control": f"max-age={math.floor(answer.ttl)}"}
    if answer.cached:
        headers["Age"] = str(math.ceil(answer.age))
    return headers
