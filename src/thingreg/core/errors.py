"""The one exception tree of thingreg.

Every error the domain can raise derives from :class:`ThingregError`. Each class declares the
HTTP status it maps to, a problem ``type`` slug and a ``title``; the HTTP layer renders any of
them as RFC 9457 problem details and the CLI prints them as one line, so neither needs to know
the individual classes::

    ThingregError
    ├── BadRequest                  400  malformed input (JSON, query parameters, ids)
    │   ├── InvalidThingDescription 400  a TD failed validation (carries ``validation_errors``)
    │   └── InvalidQuery            400  a search query that does not parse
    ├── Unauthorized                401  missing or wrong credentials
    ├── Forbidden                   403  authenticated, but not allowed to do this
    ├── NotFound                    404  no such thing or endpoint
    ├── MethodNotAllowed            405
    ├── NotAcceptable               406
    ├── Conflict                    409  an identifier already belongs to another thing
    ├── PayloadTooLarge             413
    ├── UnsupportedMediaType        415
    ├── LoopDetected                508  a resolution came back to a registry it passed
    ├── NotImplementedFeature       501  an optional feature this directory does not offer
    ├── BadGateway                  502  a peer registry answered wrongly or refused
    ├── StoreUnavailable            503  the database cannot be reached
    └── GatewayTimeout              504  a peer registry did not answer in time
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

PROBLEM_BASE = "https://thingreg.dev/problems/"
"""Problem ``type`` URIs are this base plus the class's slug; docs/api.md describes each one."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation failure: where (a dotted path, ``(root)`` for the document) and why."""

    field: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "description": self.description}


class ThingregError(Exception):
    """Base class: subclasses set ``status`` and ``slug``; ``title`` defaults to the phrase."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug

    def problem_extra(self) -> dict[str, Any]:
        """Extension members of this error's problem details (RFC 9457 section 3.2)."""
        return {}


class BadRequest(ThingregError):
    status = 400
    slug = "bad-request"


class InvalidThingDescription(BadRequest):
    slug = "invalid-thing-description"

    def __init__(self, detail: str, validation_errors: list[FieldError]) -> None:
        super().__init__(detail)
        self.validation_errors = validation_errors

    def problem_extra(self) -> dict[str, Any]:
        return {"validationErrors": [e.as_dict() for e in self.validation_errors]}

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable with its problems: bulk import validates in worker processes.
        return (type(self), (self.detail, self.validation_errors))


class InvalidQuery(BadRequest):
    slug = "invalid-query"


class Unauthorized(ThingregError):
    status = 401
    slug = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="thingreg"'}


class Forbidden(ThingregError):
    status = 403
    slug = "forbidden"


class NotFound(ThingregError):
    status = 404
    slug = "not-found"


class MethodNotAllowed(ThingregError):
    status = 405
    slug = "method-not-allowed"


class NotAcceptable(ThingregError):
    status = 406
    slug = "not-acceptable"


class Conflict(ThingregError):
    status = 409
    slug = "conflict"


class PayloadTooLarge(ThingregError):
    status = 413
    slug = "payload-too-large"


class UnsupportedMediaType(ThingregError):
    status = 415
    slug = "unsupported-media-type"


class NotImplementedFeature(ThingregError):
    status = 501
    slug = "not-implemented"


class StoreUnavailable(ThingregError):
    status = 503
    slug = "store-unavailable"


class LoopDetected(ThingregError):
    status = 508
    slug = "loop-detected"


class BadGateway(ThingregError):
    status = 502
    slug = "bad-gateway"


class GatewayTimeout(ThingregError):
    status = 504
    slug = "gateway-timeout"
