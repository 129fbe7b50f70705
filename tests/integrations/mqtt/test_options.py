"""The MQTT settings: off unless a broker is configured, refused when incomplete."""

from __future__ import annotations

import dataclasses

import pytest

from thingreg.app import create_app
from thingreg.config import Settings
from thingreg.integrations.mqtt.options import MqttOptions

COMPLETE = Settings(
    mqtt_url="mqtts://broker.example",
    mqtt_admin_username="admin",
    mqtt_admin_password="pw",
    mqtt_secret="0123456789abcdef",
)


def test_off_unless_a_broker_is_configured() -> None:
    assert MqttOptions.from_settings(Settings()) is None
    options = MqttOptions.from_settings(COMPLETE)
    assert options is not None
    assert (options.host, options.port, options.tls) == ("broker.example", 8883, True)
    plain = MqttOptions.from_settings(dataclasses.replace(COMPLETE, mqtt_url="mqtt://[::1]"))
    assert plain is not None and (plain.host, plain.port, plain.tls) == ("::1", 1883, False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mqtt_url": "http://broker.example"}, "THINGREG_MQTT_URL must look like"),
        ({"mqtt_url": "mqtt://broker.example:99999"}, "THINGREG_MQTT_URL: Port out of range"),
        ({"mqtt_admin_username": ""}, "THINGREG_MQTT_ADMIN_USERNAME is needed"),
        ({"mqtt_secret": "short"}, "THINGREG_MQTT_SECRET must be set"),
        ({"mqtt_prefix": ""}, "THINGREG_MQTT_PREFIX is 1 to 32"),
        ({"mqtt_prefix": "a/b"}, "THINGREG_MQTT_PREFIX is 1 to 32"),
        ({"mqtt_admin_username": "thingreg-admin"}, "must not start with THINGREG_MQTT_PREFIX"),
    ],
)
def test_incomplete_configurations_are_refused(change: dict[str, str], message: str) -> None:
    settings = dataclasses.replace(COMPLETE, **change)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        MqttOptions.from_settings(settings)
    with pytest.raises(ValueError, match=message):
        create_app(settings)  # before anything starts


def test_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {"THINGREG_MQTT_URL": "mqtt://127.0.0.1:1884", "THINGREG_MQTT_RECONCILE_INTERVAL": "5"}
    )
    assert settings.mqtt_url == "mqtt://127.0.0.1:1884"
    assert settings.mqtt_reconcile_interval == 5.0
