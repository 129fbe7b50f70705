"""Settings: one frozen object, built once from ``THINGREG_*`` environment variables and CLI flags.

Every field is documented in the README's settings table (a test keeps the two in step). The
app receives the object from its caller; nothing reads the environment anywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "THINGREG_"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything an operator can tune; defaults suit a single machine with the SQLite store."""

    host: str = field(default="127.0.0.1", metadata={"doc": "Address the HTTP server binds."})
    port: int = field(default=8080, metadata={"doc": "TCP port of the HTTP server."})
    data_dir: Path = field(
        default=Path("./thingreg-data"),
        metadata={"doc": "Directory for the embedded SQLite database; created on first start."},
    )
    db: str = field(
        default="",
        metadata={
            "doc": "Database URL (`sqlite:///path/to/file.db`); empty means "
            "`<data_dir>/thingreg.db`."
        },
    )
    api_token: str = field(
        default="",
        metadata={
            "doc": "When set, `Authorization: Bearer <token>` with this value acts as an "
            "administrator (owner `admin`), besides the API keys in the database."
        },
    )
    anonymous_reads: bool = field(
        default=True,
        metadata={
            "doc": "Whether clients without a key may read public things (`false`: every read "
            "needs an API key or a device token)."
        },
    )
    default_visibility: str = field(
        default="owner",
        metadata={
            "doc": "Visibility of a newly registered thing: `owner` (only its owner and "
            "administrators see it) or `public` (anyone who may read sees it)."
        },
    )
    key_cache_ttl: float = field(
        default=5.0,
        metadata={
            "doc": "Seconds a verified API key is remembered in memory; a key revoked through "
            "another process or the CLI stops working within this time."
        },
    )
    max_body_bytes: int = field(
        default=1_048_576,
        metadata={"doc": "Largest request body accepted (bytes); larger bodies get 413."},
    )
    purge_interval: float = field(
        default=10.0,
        metadata={"doc": "Seconds between runs of the purge of expired things."},
    )
    event_retention: int = field(
        default=10_000,
        metadata={"doc": "How many recent events are kept for `Last-Event-ID` replay."},
    )
    sse_queue_size: int = field(
        default=1_000,
        metadata={
            "doc": "Events buffered per SSE client; a client that falls further behind "
            "catches up from the stored event log instead."
        },
    )
    sse_keepalive: float = field(
        default=15.0,
        metadata={"doc": "Seconds between SSE keep-alive comments on an idle stream."},
    )
    max_query_length: int = field(
        default=2048,
        metadata={"doc": "Longest search query accepted (characters)."},
    )
    log_level: str = field(
        default="info", metadata={"doc": "Logging level (debug, info, warning, error)."}
    )
    registry_id: str = field(
        default="",
        metadata={
            "doc": "This registry's name in federation `via` lists and answers (letters, "
            "digits, `.:_~-`); empty means `<host>:<port>`."
        },
    )
    namespaces: str = field(
        default="",
        metadata={
            "doc": "Comma-separated canonical-id prefixes this registry is authoritative for "
            "(e.g. `tel:+1,urn:dev:org:32473-`); published at `/.well-known/thingreg`."
        },
    )
    max_hops: int = field(
        default=8,
        metadata={"doc": "Most registries a resolution may be delegated through; more is 508."},
    )
    peer_timeout: float = field(
        default=3.0,
        metadata={"doc": "Seconds a proxied resolution waits for a peer registry; then 504."},
    )
    peer_cache_ttl: float = field(
        default=60.0,
        metadata={
            "doc": "Seconds a peer's proxied answer is cached when the peer sends no "
            "`Cache-Control: max-age`."
        },
    )
    public_url: str = field(
        default="",
        metadata={
            "doc": "This registry's base URL as devices and token verifiers know it: the "
            "audience devices sign for and the `iss` of tokens; empty means "
            "`http://<host>:<port>`. Set it whenever the registry is reached under another name."
        },
    )
    challenge_ttl: float = field(
        default=60.0,
        metadata={"doc": "Seconds a device has to answer an authentication challenge (nonce)."},
    )
    token_ttl: float = field(
        default=300.0,
        metadata={"doc": "Lifetime of the tokens issued to devices (seconds)."},
    )
    token_audience: str = field(
        default="",
        metadata={"doc": "`aud` of the tokens issued to devices; empty means the public URL."},
    )
    token_alg: str = field(
        default="ES256",
        metadata={
            "doc": "Algorithm of new token signing keys: `ES256` or `EdDSA` (existing keys "
            "keep theirs)."
        },
    )
    signing_key_max_age: float = field(
        default=2_592_000.0,
        metadata={
            "doc": "Seconds after which the token signing key is rotated automatically; "
            "0 never (`thingreg keys rotate` rotates by hand)."
        },
    )
    signing_key_passphrase: str = field(
        default="",
        metadata={
            "doc": "When set, token signing keys are stored encrypted with it (PKCS#8, "
            "AES-256); every process sharing the database needs the same one."
        },
    )
    mqtt_url: str = field(
        default="",
        metadata={
            "doc": "MQTT broker (Mosquitto with the dynamic-security plugin) whose accounts the "
            "registry keeps in step with its things, e.g. `mqtt://127.0.0.1:1883` or "
            "`mqtts://broker:8883`; empty turns the MQTT integration off."
        },
    )
    mqtt_admin_username: str = field(
        default="",
        metadata={"doc": "Broker account allowed to use `$CONTROL/dynamic-security/v1`."},
    )
    mqtt_admin_password: str = field(
        default="", metadata={"doc": "Password of the broker's dynamic-security admin account."}
    )
    mqtt_secret: str = field(
        default="",
        metadata={
            "doc": "Secret (16+ characters) the device passwords are derived from; needed with "
            "`THINGREG_MQTT_URL`. Changing it changes every device's password."
        },
    )
    mqtt_prefix: str = field(
        default="thingreg-",
        metadata={
            "doc": "Prefix of the broker usernames, client ids and roles the registry manages; "
            "it leaves every other account alone."
        },
    )
    mqtt_reconcile_interval: float = field(
        default=300.0,
        metadata={
            "doc": "Seconds between full comparisons of the broker's accounts with the "
            "registry's (also done at start and after every reconnection)."
        },
    )

    dnssd: bool = field(
        default=False,
        metadata={
            "doc": "Announce the directory on the local network by DNS-SD/mDNS "
            "(`_directory._sub._wot._tcp`, TXT `td=/.well-known/wot`). Off by default: it "
            "multicasts the service's address to every host on the link."
        },
    )
    dnssd_name: str = field(
        default="",
        metadata={"doc": "DNS-SD instance name; empty means `thingreg on <hostname>`."},
    )
    dnssd_interfaces: str = field(
        default="",
        metadata={
            "doc": "Comma-separated interface addresses mDNS runs on (e.g. `127.0.0.1`); "
            "empty means all."
        },
    )
    coap_port: int = field(
        default=0,
        metadata={
            "doc": "UDP port of the CoAP server (`/.well-known/core`, RD lookup; 5683 is "
            "CoAP's own); 0 turns CoAP off."
        },
    )
    coap_host: str = field(
        default="127.0.0.1", metadata={"doc": "Address the CoAP server binds (UDP)."}
    )
    coap_rd: bool = field(
        default=False,
        metadata={
            "doc": "Accept CoRE Resource Directory registrations (RFC 9176) over CoAP. They are "
            "NOT authenticated: any host that reaches the CoAP port can register things."
        },
    )

    @property
    def database_url(self) -> str:
        return self.db or f"sqlite:///{self.data_dir / 'thingreg.db'}"

    @property
    def registry_name(self) -> str:
        """``registry_id``, or ``host:port`` when it is not set."""
        return self.registry_id or f"{self.host}:{self.port}"

    @property
    def issuer(self) -> str:
        """``public_url`` without a trailing slash, or ``http://<host>:<port>``."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def dnssd_interface_list(self) -> tuple[str, ...]:
        """``dnssd_interfaces`` split on commas, blanks dropped."""
        return tuple(a.strip() for a in self.dnssd_interfaces.split(",") if a.strip())

    @property
    def namespace_prefixes(self) -> tuple[str, ...]:
        """``namespaces`` split on commas, blanks dropped."""
        return tuple(p.strip() for p in self.namespaces.split(",") if p.strip())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``THINGREG_<FIELD>`` variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _parse(name: str, kind: object, raw: str) -> Any:
    """Turn one environment string into the field's type, with a readable error."""
    if kind in (bool, "bool"):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()}: {raw!r} is not true or false")
    try:
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        if kind in (Path, "Path"):
            return Path(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}: {raw!r} is not a valid {kind}") from None
    return raw


def documented_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) of every setting, for docs and their test."""
    defaults = Settings()
    return [
        (ENV_PREFIX + f.name.upper(), str(getattr(defaults, f.name)), f.metadata["doc"])
        for f in fields(Settings)
    ]
