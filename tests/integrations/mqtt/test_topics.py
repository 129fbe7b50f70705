"""Broker names, passwords and the topics a TD may grant its thing."""

from __future__ import annotations

from thingreg.integrations.mqtt.naming import broker_name, password, topic_root, username
from thingreg.integrations.mqtt.topics import Acl, role_acls, thing_topics


def test_broker_names_are_readable_bounded_and_unique() -> None:
    assert broker_name("urn:example:lamp") == "urn:example:lamp-maefnzc4h7b3"
    assert username("thingreg-", "urn:example:lamp") == "thingreg-urn:example:lamp-maefnzc4h7b3"
    web = broker_name("https://example.com/things/1?x=#y")
    assert web.startswith("https:__example.com_things_1_x_")
    assert "/" not in web and "+" not in web and "#" not in web
    long_ids = [f"urn:example:{'x' * 100}:{n}" for n in range(3)]
    names = {broker_name(thing_id) for thing_id in long_ids}
    assert len(names) == 3 and all(len(name) == 32 + 1 + 12 for name in names)
    assert topic_root("urn:example:lamp") == "things/urn:example:lamp-maefnzc4h7b3/#"


def test_passwords_depend_on_secret_username_and_salt() -> None:
    first = password("secret-one-0123456789", "thingreg-a", "salt")
    assert first == password("secret-one-0123456789", "thingreg-a", "salt")
    assert len(first) == 43
    others = {
        password("secret-two-0123456789", "thingreg-a", "salt"),
        password("secret-one-0123456789", "thingreg-b", "salt"),
        password("secret-one-0123456789", "thingreg-a", "salt2"),
    }
    assert first not in others and len(others) == 3


def test_td_topics_are_granted_unless_they_reach_beyond_the_thing() -> None:
    own = broker_name("urn:lamp")
    td = {
        "base": "mqtts://broker.example:8883/",
        "forms": [{"href": "mqtt://broker.example/lamp/all", "op": "readallproperties"}],
        "properties": {
            "on": {"forms": [{"href": "lamp/on"}, {"href": "https://lamp.example/on"}]},
            "level": {"forms": [{"href": f"mqtt://b/things/{own}/level"}]},
        },
        "actions": {
            "toggle": {"forms": [{"href": "mqtt://b", "mqv:topic": "lamp/toggle"}]},
            "spy": {"forms": [{"href": "mqtt://b", "mqv:filter": "things/+/status"}]},
        },
        "events": {
            "sys": {"forms": [{"href": "mqtt://b/$SYS/broker"}]},
            "all": {"forms": [{"href": "mqtt://b", "mqv:filter": "+/status"}]},
            "bad": {"forms": [{"href": "mqtt://b", "mqv:filter": "lamp/#/x"}]},
            "mine": {"forms": [{"href": "mqtt://b", "mqv:filter": "lamp/events/#"}]},
        },
    }
    topics = thing_topics("urn:lamp", td)
    assert topics.granted == (
        f"things/{own}/#",
        "lamp/all",
        "lamp/events/#",
        "lamp/on",
        "lamp/toggle",
        f"things/{own}/level",
    )
    assert dict(topics.refused) == {
        "$SYS/broker": "a system topic",
        "+/status": "starts with a wildcard",
        "lamp/#/x": "not a valid topic filter",
        "things/+/status": "under another thing's topics",
    }
    assert thing_topics("urn:lamp", "not a TD").granted == (f"things/{own}/#",)


def test_a_role_allows_its_topics_and_denies_the_rest() -> None:
    acls = role_acls(thing_topics("urn:lamp", {}))
    root = topic_root("urn:lamp")
    assert acls == {
        Acl("publishClientSend", root, 10, True),
        Acl("subscribePattern", root, 10, True),
        Acl("publishClientSend", "#", 0, False),
        Acl("subscribePattern", "#", 0, False),
    }
