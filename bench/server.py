"""The server under test: a ``thingreg serve`` child process, and what it costs.

:class:`Server` starts ``thingreg serve`` on a free loopback port with its own data directory,
waits for ``/healthz``, and reads its resident memory and CPU time (of the process and its
descendants) from ``/proc``. :class:`Meter` times a span in wall-clock seconds and client and
server CPU seconds, so a benchmark can show that a figure describes the server and not the load
generator; :class:`RssSampler` keeps the server's peak memory over a span; :class:`Profiler`
records the server with py-spy, one file per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.httpclient import CONNECTION_ERRORS, HOST, RawConnection, Request


def _proc_kb(pid: int, name: str) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name):
                return int(line.split()[1])
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


BENCH_TOKEN = "bench-admin-token"
"""``THINGREG_API_TOKEN`` of every server the benchmarks start."""


class Server:
    """A ``thingreg serve`` child process on a free loopback port with its own data dir.

    ``env`` adds ``THINGREG_*`` settings (a registry id, namespaces…) to the inherited
    environment.
    """

    def __init__(
        self,
        workdir: Path,
        extra_args: Sequence[str],
        env: Mapping[str, str] | None = None,
    ) -> None:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            self.port: int = sock.getsockname()[1]
        self.log_path = workdir / "server.log"
        self.command = [
            *(sys.executable, "-m", "thingreg", "serve", "--host", HOST, "--port", str(self.port)),
            *("--data-dir", str(workdir / "data"), "--log-level", "warning", *extra_args),
        ]
        self._env = {**os.environ, "THINGREG_API_TOKEN": BENCH_TOKEN, **(env or {})}
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []
        self._peak_before_reset_kb = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self.command, stdout=self._log, stderr=subprocess.STDOUT, env=self._env
        )

    async def wait_ready(self, timeout: float = 60.0) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        probe = Request.build("GET", "/healthz", self.port)
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited with {self._process.returncode}:\n{self.log()}")
            connection = RawConnection(self.port)
            with contextlib.suppress(*CONNECTION_ERRORS):
                if (await connection.send(probe)).status == 200:
                    await connection.aclose()
                    self.pids = _descendants(self.pid)
                    return
            await connection.aclose()
            await asyncio.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{self.log()}")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log(self, tail: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:]

    def rss_kb(self) -> int:
        return sum(_proc_kb(pid, "VmRSS:") for pid in self.pids)

    def hwm_kb(self) -> int:
        return sum(_proc_kb(pid, "VmHWM:") for pid in self.pids)

    def peak_kb(self) -> int:
        """Peak resident memory since start, across :meth:`reset_hwm` calls."""
        return max(self._peak_before_reset_kb, self.hwm_kb())

    def reset_hwm(self) -> bool:
        """Reset the kernel's peak-RSS mark (needs the right to write ``clear_refs``)."""
        self._peak_before_reset_kb = self.peak_kb()
        try:
            for pid in self.pids:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def cpu_seconds(self) -> float:
        ticks = 0
        for pid in self.pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log is not None:
            self._log.close()


class Profiler:
    """Records the server with ``py-spy`` per phase, when ``--py-spy DIR`` asks for it."""

    def __init__(self, directory: Path | None, server: Server) -> None:
        self._directory = directory
        self._server = server

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self._directory is None:
            yield
            return
        self._directory.mkdir(parents=True, exist_ok=True)
        pyspy = Path(sys.executable).with_name("py-spy")
        output = self._directory / f"{name}.txt"
        command = [
            *(str(pyspy if pyspy.exists() else "py-spy"), "record", "--pid", str(self._server.pid)),
            *("--subprocesses", "--threads", "--nonblocking", "--rate", "250", "--format", "raw"),
            *("--output", str(output)),
        ]
        recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            yield
        finally:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=60)


def client_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass(slots=True)
class Meter:
    """Wall time and client/server CPU over one measured span."""

    server: Server
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    _start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __enter__(self) -> Meter:
        self._start = (time.perf_counter(), client_cpu_seconds(), self.server.cpu_seconds())
        return self

    def __exit__(self, *exc: object) -> None:
        wall, client, server = self._start
        self.wall = time.perf_counter() - wall
        self.client_cpu = client_cpu_seconds() - client
        self.server_cpu = self.server.cpu_seconds() - server

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.wall, 3),
            "client_cpu_s": round(self.client_cpu, 2),
            "server_cpu_s": round(self.server_cpu, 2),
        }


class RssSampler:
    """Samples the server's resident memory in the background, keeping the peak."""

    def __init__(self, server: Server, interval: float = 0.01) -> None:
        self._server = server
        self._interval = interval
        self.peak_kb = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak_kb = max(self.peak_kb, self._server.rss_kb())
            await asyncio.sleep(self._interval)

    def __enter__(self) -> RssSampler:
        self.peak_kb = self._server.rss_kb()
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak_kb = max(self.peak_kb, self._server.rss_kb())


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """``--header`` (sent with every request) and ``--server-arg`` (for ``thingreg serve``)."""
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header, e.g. credentials (repeatable)",
    )
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for `thingreg serve` (repeatable)",
    )


def request_headers(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--header 'NAME: VALUE'`` values as (name, value) pairs, after the administrator token
    every benchmarked server accepts (writes need a key; an admin sees every thing)."""
    pairs = (value.split(":", 1) for value in values)
    given = tuple((name.strip(), value.strip()) for name, value in pairs)
    if any(name.lower() == "authorization" for name, _ in given):
        return given
    return (("Authorization", f"Bearer {BENCH_TOKEN}"), *given)
