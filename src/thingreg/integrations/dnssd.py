"""DNS-SD over mDNS: the directory announces itself on the local network (WoT Discovery §6.3).

One service instance of type ``_wot._tcp`` in the subtype ``_directory._sub._wot._tcp``, its
SRV record pointing at the HTTP port, its TXT record naming the directory's TD
(``td=/.well-known/wot``, ``type=Directory``, ``scheme=http``). python-zeroconf answers queries
for both the subtype and the parent type from one registration, and sends goodbye packets
when the service is unregistered on shutdown.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

import ifaddr
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from thingreg.config import Settings

log = logging.getLogger(__name__)

SERVICE_TYPE = "_wot._tcp.local."
DIRECTORY_SUBTYPE = "_directory._sub._wot._tcp.local."
TXT = {"td": "/.well-known/wot", "type": "Directory", "scheme": "http"}


class Announcer:
    """Registers the directory's service instance on start and withdraws it on stop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    @property
    def instance_name(self) -> str:
        label = self.settings.dnssd_name or f"thingreg on {socket.gethostname()}"
        return f"{label}.{SERVICE_TYPE}"

    async def start(self) -> None:
        interfaces = list(self.settings.dnssd_interface_list)
        addresses = _advertised_addresses(self.settings.host, interfaces)
        host_label = socket.gethostname().split(".")[0] or "thingreg"
        self._info = AsyncServiceInfo(
            DIRECTORY_SUBTYPE,
            self.instance_name,
            port=self.settings.port,
            properties=TXT,
            server=f"{host_label}.local.",
            parsed_addresses=addresses,
        )
        self._zeroconf = AsyncZeroconf(
            interfaces=interfaces or None,  # type: ignore[arg-type]
            ip_version=_ip_version(addresses),
        )
        # The HTTP port is ours, so a clash on the name is a rename, not a failure.
        # Each call returns once queued; awaiting its result waits for the announcements.
        announced = await self._zeroconf.async_register_service(self._info, allow_name_change=True)
        await announced
        log.info("DNS-SD: announced %r on %s", self._info.name, addresses)

    async def stop(self) -> None:
        if self._zeroconf is None:
            return
        try:
            if self._info is not None:
                goodbyes = await self._zeroconf.async_unregister_service(self._info)
                await goodbyes  # sent before the sockets close
        finally:
            await self._zeroconf.async_close()
            self._zeroconf = None


def _advertised_addresses(host: str, interfaces: list[str]) -> list[str]:
    """The addresses the A/AAAA records carry: the bound address, or when the server binds
    every address, the mDNS interfaces' (or every non-loopback interface's) addresses."""
    bound = ipaddress.ip_address(host) if _is_ip(host) else None
    if bound is not None and not bound.is_unspecified:
        return [str(bound)]
    if interfaces:
        return interfaces
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            value = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            address = ipaddress.ip_address(value.split("%")[0])
            if not address.is_loopback and not address.is_link_local:
                found.append(str(address))
    return found or ["127.0.0.1"]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ip_version(addresses: list[str]) -> IPVersion:
    versions = {ipaddress.ip_address(a).version for a in addresses}
    if versions == {4}:
        return IPVersion.V4Only
    if versions == {6}:
        return IPVersion.V6Only
    return IPVersion.All
