"""A real Mosquitto with the dynamic-security plugin on a free loopback port, in a folder of
its own: for the MQTT benchmark and the tests (which import it from here).

:meth:`Mosquitto.prepare` writes the configuration and the dynamic-security file (``mosquitto_ctrl
dynsec init``, admin :data:`ADMIN`); :meth:`Mosquitto.restart` can put a saved copy of that file
back first, which is how a broker with a stale account list is made.
"""

from __future__ import annotations

import getpass
import glob
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ADMIN = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
PLUGIN_PLACES = (
    "/usr/lib/*/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/*/mosquitto_dynamic_security.so",
)


def plugin_path() -> str | None:
    for pattern in PLUGIN_PLACES:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mosquitto:
    folder: Path
    plugin: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def dynsec_file(self) -> Path:
        return self.folder / "dynamic-security.json"

    def prepare(self) -> None:
        subprocess.run(
            ["mosquitto_ctrl", "dynsec", "init", str(self.dynsec_file), ADMIN, ADMIN_PASSWORD],
            check=True,
            capture_output=True,
        )
        config = self.folder / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous false\n"
            "persistence false\n"
            # Run as whoever runs the tests (as root, Mosquitto would switch to its own user,
            # who cannot write the dynamic-security file in the test's folder).
            f"user {getpass.getuser()}\n"
            f"plugin {self.plugin}\n"
            f"plugin_opt_config_file {self.dynsec_file}\n"
            f"log_dest file {self.folder / 'mosquitto.log'}\n"
            "log_type all\n"
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.folder / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening in 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def restart(self, dynsec: bytes | None = None) -> None:
        """Stop, put ``dynsec`` back as the account list if given, and start again."""
        self.stop()
        if dynsec is not None:
            self.dynsec_file.write_bytes(dynsec)
        self.start()

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""
