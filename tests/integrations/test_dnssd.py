"""DNS-SD: a real server process announces the directory; a zeroconf browser on loopback finds
it under the subtype and the parent type and reads its TXT record; when the server stops, the
browser sees the goodbye packets and nothing answers for it any more.

Multicast works on this loopback interface (zeroconf bound to 127.0.0.1 sends and receives its
own group traffic there), so no network namespace is needed.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from tests.support import start_server, stop_server
from thingreg.config import Settings
from thingreg.integrations.dnssd import DIRECTORY_SUBTYPE, SERVICE_TYPE

WAIT = 15.0


async def test_directory_is_announced_found_and_withdrawn(tmp_path: Path) -> None:
    name = f"thingreg-test-{uuid.uuid4().hex[:8]}"
    instance = f"{name}.{SERVICE_TYPE}"
    server = start_server(
        tmp_path,
        THINGREG_DNSSD="on",
        THINGREG_DNSSD_NAME=name,
        THINGREG_DNSSD_INTERFACES="127.0.0.1",
    )
    port = int(server.url.rsplit(":", 1)[1])
    seen: dict[tuple[str, ServiceStateChange], asyncio.Event] = {}

    def event(service_type: str, change: ServiceStateChange) -> asyncio.Event:
        return seen.setdefault((service_type, change), asyncio.Event())

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if name == instance:
            event(service_type, state_change).set()

    browser_zc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    browser = AsyncServiceBrowser(
        browser_zc.zeroconf, [DIRECTORY_SUBTYPE, SERVICE_TYPE], handlers=[on_change]
    )
    try:
        for service_type in (DIRECTORY_SUBTYPE, SERVICE_TYPE):
            await asyncio.wait_for(event(service_type, ServiceStateChange.Added).wait(), WAIT)
        info = AsyncServiceInfo(SERVICE_TYPE, instance)
        assert await info.async_request(browser_zc.zeroconf, 3000)
        assert info.port == port
        assert info.parsed_addresses() == ["127.0.0.1"]
        assert info.decoded_properties == {
            "td": "/.well-known/wot",
            "type": "Directory",
            "scheme": "http",
        }
        stop_server(server)
        for service_type in (DIRECTORY_SUBTYPE, SERVICE_TYPE):  # the goodbye packets
            await asyncio.wait_for(event(service_type, ServiceStateChange.Removed).wait(), WAIT)
        # A fresh querier (no cache) gets no answer once the server has shut down.
        fresh = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        try:
            assert not await AsyncServiceInfo(SERVICE_TYPE, instance).async_request(
                fresh.zeroconf, 2000
            )
        finally:
            await fresh.async_close()
    finally:
        stop_server(server)
        await browser.async_cancel()
        await browser_zc.async_close()


def test_no_announcement_unless_switched_on() -> None:
    assert Settings().dnssd is False
    assert Settings.from_env({"THINGREG_DNSSD": "yes"}).dnssd is True
