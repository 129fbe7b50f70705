"""The integration's settings, read once from :class:`thingreg.config.Settings`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from thingreg.config import Settings
from thingreg.integrations.mqtt.naming import PREFIX

MIN_SECRET_LENGTH = 16


@dataclass(frozen=True, slots=True)
class MqttOptions:
    host: str
    port: int
    tls: bool
    admin_username: str
    admin_password: str
    secret: str
    prefix: str
    reconcile_interval: float

    @classmethod
    def from_settings(cls, settings: Settings) -> MqttOptions | None:
        """The options, or ``None`` when no broker is configured; ``ValueError`` when the
        configuration is incomplete."""
        if not settings.mqtt_url:
            return None
        try:
            url = urlsplit(settings.mqtt_url)
            port = url.port
        except ValueError as exc:
            raise ValueError(f"THINGREG_MQTT_URL: {exc}") from None
        if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
            raise ValueError("THINGREG_MQTT_URL must look like mqtt://host:1883 or mqtts://host")
        if not settings.mqtt_admin_username:
            raise ValueError("THINGREG_MQTT_ADMIN_USERNAME is needed with THINGREG_MQTT_URL")
        if len(settings.mqtt_secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"THINGREG_MQTT_SECRET must be set, at least {MIN_SECRET_LENGTH} characters "
                "(device passwords are derived from it: keep it, and keep it secret)"
            )
        if not PREFIX.fullmatch(settings.mqtt_prefix):
            raise ValueError("THINGREG_MQTT_PREFIX is 1 to 32 of A-Z a-z 0-9 . _ -")
        if settings.mqtt_admin_username.startswith(settings.mqtt_prefix):
            raise ValueError("the MQTT admin username must not start with THINGREG_MQTT_PREFIX")
        tls = url.scheme == "mqtts"
        return cls(
            host=url.hostname,
            port=port or (8883 if tls else 1883),
            tls=tls,
            admin_username=settings.mqtt_admin_username,
            admin_password=settings.mqtt_admin_password,
            secret=settings.mqtt_secret,
            prefix=settings.mqtt_prefix,
            reconcile_interval=settings.mqtt_reconcile_interval,
        )
