"""Which topics a thing may use: its own root, plus the topics its TD's MQTT forms name.

A form is an MQTT form when its ``href`` (resolved against the TD's ``base``) is an ``mqtt://``
or ``mqtts://`` URI; its topic is the URI's path, or the binding's ``mqv:topic`` and
``mqv:filter`` members. A TD cannot grant its thing another thing's topics: a topic is refused
when it is a system topic (``$…``), starts with a wildcard, or lies under ``things/`` but not
under the thing's own name. Granted topics may be published and subscribed to.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from thingreg.integrations.mqtt.naming import broker_name, topic_root

MQTT_SCHEMES = frozenset({"mqtt", "mqtts"})
TOPIC_MEMBERS = ("mqv:topic", "mqv:filter")
MAX_TOPIC_LENGTH = 1024
MAX_TOPICS = 64
"""Most TD topics granted to one thing (the role's access list stays small)."""


@dataclass(frozen=True, slots=True, order=True)
class Acl:
    """One entry of a dynamic-security role: ``acltype`` is e.g. ``publishClientSend``."""

    acltype: str
    topic: str
    priority: int
    allow: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "acltype": self.acltype,
            "topic": self.topic,
            "priority": self.priority,
            "allow": self.allow,
        }


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics a thing is granted (its root first) and those its TD named but may not use."""

    granted: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()
    """(topic, reason) pairs."""


def thing_topics(thing_id: str, td: Any) -> Topics:
    """The topics of the thing ``thing_id`` whose TD is ``td`` (a parsed JSON object)."""
    own = broker_name(thing_id)
    granted = [topic_root(thing_id)]
    refused: list[tuple[str, str]] = []
    for topic in sorted(set(_form_topics(td))):
        reason = _refusal(topic, own)
        if reason is None and len(granted) > MAX_TOPICS:
            reason = f"more than {MAX_TOPICS} topics"
        if reason is None:
            if topic not in granted:
                granted.append(topic)
        else:
            refused.append((topic, reason))
    return Topics(tuple(granted), tuple(refused))


def role_acls(topics: Topics) -> frozenset[Acl]:
    """The role's access list: publish and subscribe on each granted topic, and nothing else
    whatever the broker's default access (the two lower-priority denials)."""
    acls = {Acl("publishClientSend", "#", 0, False), Acl("subscribePattern", "#", 0, False)}
    for topic in topics.granted:
        acls.add(Acl("publishClientSend", topic, 10, True))
        acls.add(Acl("subscribePattern", topic, 10, True))
    return frozenset(acls)


def _form_topics(td: Any) -> Iterator[str]:
    if not isinstance(td, dict):
        return
    base = td.get("base") if isinstance(td.get("base"), str) else None
    for form in _forms(td):
        href = form.get("href")
        if not isinstance(href, str):
            continue
        try:
            parts = urlsplit(_resolve(base, href))
        except ValueError:
            continue
        if parts.scheme.lower() not in MQTT_SCHEMES:
            continue
        path = unquote(parts.path).removeprefix("/")
        if path:
            yield path
        for member in TOPIC_MEMBERS:
            value = form.get(member)
            if isinstance(value, str) and value:
                yield value


def _resolve(base: str | None, href: str) -> str:
    """``href`` resolved against ``base`` (``urljoin`` leaves URIs of schemes it does not know
    alone, so the resolution is done as if the base were ``http``)."""
    if base is None or urlsplit(href).scheme:
        return href
    scheme, _, rest = base.partition(":")
    if not rest:
        return href
    return scheme + ":" + urljoin("http:" + rest, href).removeprefix("http:")


def _forms(td: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from _dicts(td.get("forms"))
    for kind in ("properties", "actions", "events"):
        affordances = td.get(kind)
        if isinstance(affordances, dict):
            for affordance in affordances.values():
                if isinstance(affordance, dict):
                    yield from _dicts(affordance.get("forms"))


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _refusal(topic: str, own: str) -> str | None:
    """Why the thing called ``own`` on the broker may not have ``topic``; ``None`` if it may."""
    if len(topic) > MAX_TOPIC_LENGTH or "\x00" in topic:
        return "not a valid topic"
    if topic.startswith("$"):
        return "a system topic"
    levels = topic.split("/")
    if any(("#" in level and level != "#") or ("+" in level and level != "+") for level in levels):
        return "not a valid topic filter"
    if "#" in levels[:-1]:
        return "not a valid topic filter"
    if levels[0] in ("#", "+"):
        return "starts with a wildcard"
    if levels[0] == "things" and (len(levels) < 2 or levels[1] != own):
        return "under another thing's topics"
    return None
