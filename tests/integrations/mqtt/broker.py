"""The broker for the MQTT tests (``bench.mosquitto``), or a skip where it is not installed."""

from __future__ import annotations

import os
import shutil

import pytest

from bench.mosquitto import ADMIN, ADMIN_PASSWORD, Mosquitto, plugin_path

__all__ = ["ADMIN", "ADMIN_PASSWORD", "Mosquitto", "require_mosquitto"]


def require_mosquitto() -> str:
    """The plugin's path; skips the test when Mosquitto or the plugin is not installed, except
    in CI (``CI`` set), where ``make mosquitto`` installs them: there it fails."""
    missing = [name for name in ("mosquitto", "mosquitto_ctrl") if shutil.which(name) is None]
    plugin = plugin_path()
    if plugin is None:
        missing.append("the dynamic-security plugin")
    if missing:
        reason = f"{', '.join(missing)} not installed (make mosquitto installs them)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert plugin is not None
    return plugin
