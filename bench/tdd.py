"""Benchmark thingreg as a WoT Thing Description Directory, over real HTTP.

Starts ``thingreg serve`` on a free loopback port with a fresh data directory, loads it with
generated Thing Descriptions and measures creates, GET latency, the streamed listing of every
thing (with the server's resident memory) and JSONPath search; prints a table, or JSON with
``--json``::

    python -m bench.tdd                  # 100,000 things (a few minutes)
    python -m bench.tdd --things 5000    # smoke run

The load generator shares the machine with the server, so it is kept cheap: a minimal asyncio
HTTP/1.1 keep-alive client (one connection per worker, every request's bytes built before
timing starts) on uvloop; each phase reports the CPU seconds spent by the client and by the
server so the split can be checked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import itertools
import logging
import math
import os
import platform
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

import orjson
import uvloop

from bench.tdgen import make_td

HOST = "127.0.0.1"
TD_MEDIA_TYPE = "application/td+json"
SELECTIVE_TYPE = "saref:SmokeSensor"
MAX_ERRORS_KEPT = 5

logger = logging.getLogger("bench.tdd")

Sink = Callable[[bytes], object]


# --- the load generator -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One request, already encoded as HTTP/1.1 bytes; the body starts at ``body_at``."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    raw: bytes
    body_at: int

    @classmethod
    def build(
        cls,
        method: str,
        target: str,
        port: int,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes | None = None,
    ) -> Request:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return cls(method, target, headers, head + (body or b""), len(head))

    @property
    def body(self) -> bytes:
        return self.raw[self.body_at :]


@dataclass(slots=True)
class Response:
    """Status, lower-cased headers and (unless streamed to a sink) the body."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class RawConnection:
    """A hand-written HTTP/1.1 keep-alive connection over ``asyncio.open_connection``."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._served = 0

    async def send(self, request: Request, sink: Sink | None = None) -> Response:
        for attempt in (1, 2):
            reused = self._served > 0
            try:
                if self._writer is None:
                    self._reader, self._writer = await asyncio.open_connection(HOST, self._port)
                    self._served = 0
                self._writer.write(request.raw)
                response = await self._read(sink)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.aclose()
                # The server may close an idle keep-alive connection just as we reuse it.
                if attempt == 2 or not reused:
                    raise
                continue
            self._served += 1
            if response.headers.get("connection", "").lower() == "close":
                await self.aclose()
            return response
        raise AssertionError("unreachable")

    async def _read(self, sink: Sink | None) -> Response:
        assert self._reader is not None
        reader = self._reader
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            if value:
                headers[name.strip().lower()] = value.strip()
        response = Response(int(head[0].split(" ", 2)[1]), headers)
        parts: list[bytes] = []
        collect: Sink = sink or parts.append
        if response.status in {204, 304} or response.status < 200:
            pass
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            await _read_chunked(reader, collect)
        elif "content-length" in headers:
            remaining = int(headers["content-length"])
            if sink is None:
                parts.append(await reader.readexactly(remaining))
            while sink is not None and remaining:
                chunk = await reader.read(min(remaining, 1 << 18))
                if not chunk:
                    raise asyncio.IncompleteReadError(chunk, remaining)
                collect(chunk)
                remaining -= len(chunk)
        else:
            while chunk := await reader.read(1 << 18):
                collect(chunk)
            response.headers["connection"] = "close"
        response.body = b"".join(parts)
        return response

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_some(reader: asyncio.StreamReader) -> bytes:
    data = await reader.read(1 << 18)
    if not data:
        raise asyncio.IncompleteReadError(data, None)
    return data


async def _read_chunked(reader: asyncio.StreamReader, collect: Sink) -> None:
    """Decode a chunked body from large reads: an await per chunk would cost more than the
    server spends producing it."""
    buffer, pos, trailers = b"", 0, False
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            buffer, pos = buffer[pos:] + await _read_some(reader), 0
            continue
        line, pos = buffer[pos:eol], eol + 2
        if trailers or not line:  # the CRLF closing a chunk's data, or a trailer
            if trailers and not line:
                return
            continue
        size = int(line.split(b";", 1)[0], 16)
        if size == 0:
            trailers = True
            continue
        data = buffer[pos : pos + size]
        collect(data)
        pos += len(data)
        remaining = size - len(data)
        while remaining:  # a chunk longer than what is buffered: pass it on as it comes
            piece = await reader.read(min(remaining, 1 << 18))
            if not piece:
                raise asyncio.IncompleteReadError(piece, remaining)
            collect(piece)
            remaining -= len(piece)


CONNECTION_ERRORS = (OSError, asyncio.IncompleteReadError, ValueError)


# --- the server under test ----------------------------------------------------------------


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


class Server:
    """A ``thingreg serve`` child process on a free loopback port with its own data dir."""

    def __init__(self, workdir: Path, extra_args: Sequence[str]) -> None:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            self.port: int = sock.getsockname()[1]
        self.log_path = workdir / "server.log"
        self.command = [
            *(sys.executable, "-m", "thingreg", "serve", "--host", HOST, "--port", str(self.port)),
            *("--data-dir", str(workdir / "data"), "--log-level", "warning", *extra_args),
        ]
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []
        self._peak_before_reset_kb = 0

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT)

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


# --- measurements ---------------------------------------------------------------------------


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


@dataclass(slots=True)
class Load:
    """The outcome of sending many requests from concurrent workers."""

    requests: int
    meter: Meter
    latencies_ns: list[int] = field(default_factory=list)
    finished_ns: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies_ns)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] / 1e6

    def tenth_rates(self) -> tuple[float, float]:
        """Requests per second over the first and the last tenth of the responses."""
        done = sorted(self.finished_ns)
        tenth = len(done) // 10
        if tenth < 2:
            return math.nan, math.nan
        first = (tenth - 1) / ((done[tenth - 1] - done[0]) / 1e9)
        last = (tenth - 1) / ((done[-1] - done[-tenth]) / 1e9)
        return round(first, 1), round(last, 1)

    def as_dict(self, expect: int) -> dict[str, object]:
        first, last = self.tenth_rates()
        return {
            **self.meter.as_dict(),
            "requests": self.requests,
            "per_second": round(self.requests / self.meter.wall, 1),
            "per_second_first_tenth": first,
            "per_second_last_tenth": last,
            "latency_ms": {
                name: round(self.percentile_ms(q), 2)
                for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
            },
            "statuses": {
                str(status or "connection-error"): n for status, n in self.statuses.items()
            },
            "errors": self.requests - self.statuses[expect],
            "error_samples": self.errors,
        }


async def run_load(
    server: Server,
    requests: Sequence[Request],
    concurrency: int,
    expect: int,
) -> Load:
    """Send every request once, ``concurrency`` at a time, and time each one."""
    load = Load(len(requests), Meter(server))
    pending = iter(requests)

    def note(message: str) -> None:
        if len(load.errors) < MAX_ERRORS_KEPT:
            load.errors.append(message)

    async def worker() -> None:
        connection = RawConnection(server.port)
        try:
            for request in pending:
                start = time.perf_counter_ns()
                try:
                    response = await connection.send(request)
                except CONNECTION_ERRORS as exc:
                    load.statuses[0] += 1
                    note(f"{request.method} {request.target}: {type(exc).__name__}: {exc}")
                    continue
                end = time.perf_counter_ns()
                load.latencies_ns.append(end - start)
                load.finished_ns.append(end)
                load.statuses[response.status] += 1
                if response.status != expect:
                    body = response.body[:300]
                    note(f"{request.method} {request.target} -> {response.status} {body!r}")
        finally:
            await connection.aclose()

    with load.meter:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return load


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


def _next_link(headers: dict[str, str]) -> str | None:
    match = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', headers.get("link", ""))
    if match is None:
        return None
    parts = urlsplit(match.group(1))
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def run_listing(server: Server, workdir: Path) -> dict[str, object]:
    """Stream ``GET /things`` (following ``next`` links) to a file; count the TDs afterwards."""
    connection = RawConnection(server.port)
    pages: list[Path] = []
    statuses: Counter[int] = Counter()
    total_bytes = 0
    rss_before = server.rss_kb()
    hwm_reset = server.reset_hwm()
    target: str | None = "/things"
    with Meter(server) as meter, RssSampler(server) as rss:
        while target is not None and len(pages) < 100_000:
            path = workdir / f"listing-{len(pages)}.json"
            with path.open("wb") as out:
                response = await connection.send(
                    Request.build("GET", target, server.port, (("Accept", "application/json"),)),
                    out.write,
                )
                total_bytes += out.tell()
            pages.append(path)
            statuses[response.status] += 1
            target = _next_link(response.headers) if response.status == 200 else None
    await connection.aclose()
    count = 0
    for path in pages:
        page = orjson.loads(path.read_bytes())
        if isinstance(page, dict):  # a paging envelope rather than a bare array
            page = next((v for v in page.values() if isinstance(v, list)), [])
        count += len(page) if isinstance(page, list) else 0
        path.unlink()
    return {
        **meter.as_dict(),
        "things": count,
        "pages": len(pages),
        "statuses": {str(k): v for k, v in statuses.items()},
        "megabytes": round(total_bytes / 1e6, 1),
        "per_second": round(count / meter.wall, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_peak_sampled_mb": round(rss.peak_kb / 1024, 1),
        "rss_peak_hwm_mb": round(server.hwm_kb() / 1024, 1) if hwm_reset else None,
    }


async def run_search(
    server: Server, query: str, runs: int, things: int, expect: int | None
) -> dict[str, object]:
    """Run one JSONPath query ``runs`` times; report the median time and the result count."""
    connection = RawConnection(server.port)
    request = Request.build(
        "GET",
        "/search/jsonpath?query=" + quote(query, safe=""),
        server.port,
        (("Accept", "application/json"),),
    )
    times: list[float] = []
    response = Response(0, {})
    with Meter(server) as meter:
        for _ in range(runs):
            start = time.perf_counter()
            response = await connection.send(request)
            times.append(time.perf_counter() - start)
            if response.status != 200:
                break
    await connection.aclose()
    median = sorted(times)[len(times) // 2]
    result: dict[str, object] = {
        **meter.as_dict(),
        "query": query,
        "status": response.status,
        "runs": len(times),
        "median_ms": round(median * 1000, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "things_scanned_per_second": round(things / median, 1),
        "expected_results": expect,
    }
    if response.status == 200:
        body = orjson.loads(response.body)
        result["results"] = len(body) if isinstance(body, list) else None
    else:
        result["error"] = response.body[:300].decode(errors="replace")
    return result


# --- the population -------------------------------------------------------------------------


@dataclass(slots=True)
class Population:
    """The generated things as ready-made PUT requests, plus facts the queries check."""

    ids: list[str] = field(default_factory=list)
    puts: list[Request] = field(default_factory=list)
    titles: Counter[str] = field(default_factory=Counter)
    selective_type: int = 0
    celsius: int = 0
    readproperty_forms: int = 0
    body_bytes: int = 0


def generate(count: int, seed: int, port: int, headers: tuple[tuple[str, str], ...]) -> Population:
    """Generate ``count`` things and their requests, noting what the queries should find."""
    rng = random.Random(seed)
    population = Population()
    put_headers = (("Content-Type", TD_MEDIA_TYPE), *headers)
    for i in range(count):
        td: dict[str, Any] = make_td(i, rng)
        body = orjson.dumps(td)
        target = "/things/" + quote(td["id"], safe="")
        population.ids.append(td["id"])
        population.puts.append(Request.build("PUT", target, port, put_headers, body))
        population.body_bytes += len(body)
        population.titles[td["title"]] += 1
        population.selective_type += td.get("@type") == SELECTIVE_TYPE
        properties = td.get("properties", {})
        population.celsius += properties.get("temperature", {}).get("unit") == "celsius"
        for section in ("properties", "actions", "events"):
            for affordance in td.get(section, {}).values():
                population.readproperty_forms += sum(
                    form.get("op") == "readproperty" for form in affordance["forms"]
                )
    return population


def unique_title(population: Population) -> str:
    middle = len(population.ids) // 2
    for title, n in itertools.islice(population.titles.items(), middle, None):
        if n == 1:
            return title
    return next(title for title, n in population.titles.items() if n == 1)


def machine() -> dict[str, object]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        model = next(
            (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), model
        )
    memory = _proc_meminfo_mb()
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "thingreg": importlib.metadata.version("thingreg"),
    }


def _proc_meminfo_mb() -> int:
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    things: int
    concurrency: int
    gets: int
    get_concurrency: int
    search_runs: int
    scan_runs: int
    seed: int
    headers: tuple[tuple[str, str], ...]
    server_args: tuple[str, ...]
    py_spy: Path | None
    as_json: bool


def search_queries(population: Population, options: Options) -> dict[str, tuple[str, int, int]]:
    """Name → (JSONPath query, runs, expected number of results)."""
    title = unique_title(population)
    return {
        "selective_title": (f"$[?@.title=='{title}']", options.search_runs, 1),
        "selective_type": (
            f"$[?@['@type']=='{SELECTIVE_TYPE}']",
            options.search_runs,
            population.selective_type,
        ),
        "scan_filter": (
            "$[?@.properties.temperature.unit=='celsius'].id",
            options.scan_runs,
            population.celsius,
        ),
        "scan_descendant": (
            "$..forms[?@.op=='readproperty'].href",
            options.scan_runs,
            population.readproperty_forms,
        ),
    }


async def benchmark(options: Options, workdir: Path) -> dict[str, Any]:
    """Run every phase against a fresh server; return the report."""
    server = Server(workdir, options.server_args)
    report: dict[str, Any] = {"machine": machine(), "things": options.things}
    logger.info("generating %s TDs", f"{options.things:,}")
    started = time.perf_counter()
    population = generate(options.things, options.seed, server.port, options.headers)
    report["generation"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "mean_td_bytes": round(population.body_bytes / max(1, options.things)),
    }
    profiler = Profiler(options.py_spy, server)
    server.start()
    try:
        await server.wait_ready()
        report["server"] = {"pid": server.pid, "rss_idle_mb": round(server.rss_kb() / 1024, 1)}

        logger.info("creating %s things, %d clients", f"{options.things:,}", options.concurrency)
        with profiler.phase("create"):
            load = await run_load(server, population.puts, options.concurrency, 201)
        report["create"] = load.as_dict(201)
        population.puts.clear()  # the request bytes are no longer needed

        logger.info("%s GETs, %d clients", f"{options.gets:,}", options.get_concurrency)
        rng = random.Random(options.seed + 1)
        gets = [
            Request.build(
                "GET", "/things/" + quote(thing_id, safe=""), server.port, options.headers
            )
            for thing_id in rng.choices(population.ids, k=options.gets)
        ]
        await run_load(server, gets[:500], options.get_concurrency, 200)  # warm-up
        with profiler.phase("get"):
            load = await run_load(server, gets, options.get_concurrency, 200)
        report["get"] = load.as_dict(200)

        logger.info("listing all things")
        with profiler.phase("listing"):
            report["listing"] = await run_listing(server, workdir)

        report["search"] = {}
        for name, (query, runs, expect) in search_queries(population, options).items():
            logger.info("search %s: %s", name, query)
            with profiler.phase(f"search-{name}"):
                report["search"][name] = await run_search(
                    server, query, runs, options.things, expect
                )
        report["server"]["rss_peak_overall_mb"] = round(server.peak_kb() / 1024, 1)
        report["server"]["alive_at_end"] = server.alive()
    finally:
        server.stop()
    if "Traceback" in server.log():
        report["server_log_tail"] = server.log()
    return report


# --- output ---------------------------------------------------------------------------------


def render(report: dict[str, Any]) -> str:
    """The report as an aligned text table, with the targets and their verdicts."""
    rows: list[tuple[str, str, str, str]] = []

    def row(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((label, value, target, "" if ok is None else ("PASS" if ok else "FAIL")))

    create, get, listing = report["create"], report["get"], report["listing"]
    for name, load, unit in (
        ("create (PUT /things/{id})", create, "things/s"),
        ("GET /things/{id}", get, "req/s"),
    ):
        ms = load["latency_ms"]
        is_get = load is get
        row(
            name,
            f"{load['per_second']:,.0f} {unit}",
            "" if is_get else "≥ 2,500",
            None if is_get else load["per_second"] >= 2500,
        )
        if not is_get:
            rates = f"{load['per_second_first_tenth']:,.0f} / {load['per_second_last_tenth']:,.0f}"
            row("  first / last tenth", f"{rates} {unit}")
        row("  latency p50 / p90", f"{ms['p50']} / {ms['p90']} ms")
        row(
            "  latency p99 / max",
            f"{ms['p99']} / {ms['max']} ms",
            "p99 ≤ 10 ms" if is_get else "",
            ms["p99"] <= 10 if is_get else None,
        )
        row("  errors", f"{load['errors']:,} of {load['requests']:,}", "0", not load["errors"])
    complete = listing["things"] == report["things"]
    row(
        "GET /things (streamed)",
        f"{listing['per_second']:,.0f} TDs/s",
        "≥ 50,000",
        listing["per_second"] >= 50_000,
    )
    row(
        "  things / MB / pages / s",
        f"{listing['things']:,} / {listing['megabytes']} / "
        f"{listing['pages']} / {listing['seconds']}",
        f"{report['things']:,} things",
        complete,
    )
    peak = listing["rss_peak_hwm_mb"] or listing["rss_peak_sampled_mb"]
    row(
        "  server RSS before / peak",
        f"{listing['rss_before_mb']} / {peak} MB",
        "≤ 300 MB",
        peak <= 300,
    )
    for name, search in report["search"].items():
        selective = name.startswith("selective")
        found = search.get("results") == search["expected_results"]
        if selective:
            row(
                f"search {name}",
                f"{search['median_ms']} ms",
                "≤ 50 ms",
                found and search["median_ms"] <= 50,
            )
        else:
            scanned = search["things_scanned_per_second"]
            row(
                f"search {name}",
                f"{scanned:,.0f} TDs/s ({search['median_ms']} ms)",
                "≥ 100,000 TDs/s",
                found and scanned >= 100_000,
            )
        outcome = f"{search.get('results')} results (expected {search['expected_results']})"
        if search["status"] != 200:
            outcome = f"HTTP {search['status']}: {search.get('error', '')[:60]}"
        row(f"  {search['query'][:44]}", outcome, f"median of {search['runs']}")
    row("server peak RSS overall", f"{report['server']['rss_peak_overall_mb']} MB")
    row("", "")
    for phase in ("create", "get", "listing"):
        part = report[phase]
        row(
            f"CPU s {phase}: client / server",
            f"{part['client_cpu_s']} / {part['server_cpu_s']}",
            f"wall {part['seconds']} s",
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    m = report["machine"]
    lines = [
        f"thingreg {m['thingreg']}: {report['things']:,} things, "
        f"mean TD {report['generation']['mean_td_bytes']} B",
        f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_mb']:,} MB; Python {m['python']}, "
        f"SQLite {m['sqlite']}, Linux {m['kernel']}",
        "",
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines += [
        f"{phase} error: {e}" for phase in ("create", "get") for e in report[phase]["error_samples"]
    ]
    if "server_log_tail" in report:
        lines += ["", "server log (tail):", report["server_log_tail"]]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.tdd", description=__doc__.split("\n")[0])
    parser.add_argument("--things", type=int, default=100_000, help="things to create")
    parser.add_argument("--concurrency", type=int, default=64, help="clients creating things")
    parser.add_argument("--gets", type=int, default=20_000, help="GET requests to time")
    parser.add_argument("--get-concurrency", type=int, default=32, help="clients sending GETs")
    parser.add_argument("--search-runs", type=int, default=7, help="runs of each selective query")
    parser.add_argument("--scan-runs", type=int, default=3, help="runs of each full-scan query")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated things")
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
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile the server per phase with py-spy into DIR (skews timings)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    headers = tuple(tuple(h.split(":", 1)) for h in args.header)
    return Options(
        things=args.things,
        concurrency=args.concurrency,
        gets=args.gets,
        get_concurrency=args.get_concurrency,
        search_runs=args.search_runs,
        scan_runs=args.scan_runs,
        seed=args.seed,
        headers=tuple((name.strip(), value.strip()) for name, value in headers),
        server_args=tuple(args.server_arg),
        py_spy=args.py_spy,
        as_json=args.json,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[bench] %(message)s", stream=sys.stderr)
    with (
        tempfile.TemporaryDirectory(prefix="thingreg-bench-") as tmp,
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        report = runner.run(benchmark(options, Path(tmp)))
    if options.as_json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
