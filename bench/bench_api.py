"""The storefront API's product list (100 products a page) under load, at 100,000 variants.

Served by gunicorn on loopback, loaded by `wrk` with keep-alive connections, each scenario
in interleaved rounds of fixed length. Requests per second are reported as ratios against
two implementations served by the same gunicorn in the same run:

- the ceiling: a plain Django view answering the same bytes from memory (`bench.api_urls`),
  through the same middleware, at the same URL shape; its 304 row answers an empty 304;
- the untuned baseline: the same page written the straightforward Ninja way
  (`bench.plain_api`).

The CPU time gunicorn's workers spend per request is reported too (read from /proc): on a
shared machine it moves much less than requests per second.

Settings (environment): BENCH_API_SECONDS, the shortest round (5), BENCH_API_ROUNDS (3),
BENCH_API_WARMUP, the first warm-up's length (2 s), BENCH_API_CONNECTIONS (8),
BENCH_API_WORKERS (2) and BENCH_API_THREADS (2) of gunicorn's gthread workers, and
BENCH_REDIS_URL, the Redis database the workers share as their cache
(redis://127.0.0.1:6379/12: emptied before and after the run).
"""

import http.client
import json
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bench import harness

VARIANTS = int(os.environ.get("BENCH_VARIANTS", "100000"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", "3"))
WARMUP = float(os.environ.get("BENCH_API_WARMUP", "2"))
LATENCIES_A_ROUND = 6
MAX_WARMUP = 32  # seconds: a warm-up doubles until it has seen two requests a connection
CONNECTIONS = int(os.environ.get("BENCH_API_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_API_THREADS", "2"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
# High enough that the load never meets it; the throttle still keeps its history per request.
RATE_LIMIT = "1000000/s"

PAGE = "products?limit=100"
API = f"/api/v1/{PAGE}"
PLAIN = f"/plain-api/v1/{PAGE}"
CEILING = f"/ceiling/v1/{PAGE}"
PROJECT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scenario:
    label: str
    path: str
    status: int
    conditional: bool = False  # sends If-None-Match with the page's current ETag
    unique: bool = False  # a fresh query parameter on every request: every one misses the cache
    authorised: bool = True

    @property
    def ceiling_label(self) -> str:
        return CEILING_304 if self.status == 304 else CEILING_200


CEILING_200 = "ceiling: the same bytes from memory"
CEILING_304 = "ceiling: 304 from memory"
BASELINE = "untuned Ninja: model schemas, offset pagination, per-row queries"
SCENARIOS = [
    Scenario(CEILING_200, CEILING, 200, authorised=False),
    Scenario(CEILING_304, CEILING, 304, conditional=True, authorised=False),
    Scenario(BASELINE, PLAIN, 200),
    Scenario("storefront API, uncached", API, 200, unique=True),
    Scenario("storefront API, cached", API, 200),
    Scenario("storefront API, 304 (If-None-Match)", API, 304, conditional=True),
]


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float = 0.0  # used by gunicorn's workers during the run

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.requests

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def run() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "The API benchmark needs the wrk load generator on the PATH "
            "(Debian: apt-get install wrk)."
        )
    harness.setup_django()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.api_urls"
    from bench.api_urls import CEILING_BODY_ENV

    variants = harness.ensure_synthetic_variants(VARIANTS)
    cache = _shared_cache()
    key = _api_key()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        folder = Path(folder)
        body_file = folder / "ceiling.json"
        os.environ[CEILING_BODY_ENV] = str(body_file)
        body, queries = _in_process(key, body_file)
        cache.flushdb()
        server = Gunicorn(folder / "gunicorn.log", body_file)
        try:
            server.start()
            etags, sizes = _check_answers(server.port, key, body)
            loads = _measure(wrk, server, key, etags, folder)
        finally:
            server.stop()
            cache.flushdb()

    return _table(variants, loads, sizes, queries)


# --- before the load: the key, what each answer holds, queries per request ---------------------


def _shared_cache():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        raise SystemExit(
            f"The API benchmark shares its cache between gunicorn workers through Redis at "
            f"{REDIS_URL} (BENCH_REDIS_URL), which does not answer: {error}"
        ) from error
    return client


def _api_key() -> str:
    """A fresh catalog key on a benchmark channel (the last run's keys are removed)."""
    from backoffice.actors import Actor
    from integrations.models import ApiClient, Scope
    from integrations.services import api_client_create
    from sales.models import Channel

    channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Benchmark"})
    ApiClient.objects.filter(channel=channel, name="bench").delete()
    issued = api_client_create(
        name="bench", channel=channel, scopes=[Scope.CATALOG_READ], actor=Actor.system("bench")
    )
    return issued.key


def _in_process(key: str, body_file: Path) -> tuple[bytes, dict[str, int]]:
    """The API's page (written where the ceiling reads it) and the queries one request runs
    in each scenario, counted in this process after a warm-up request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    cache.clear()
    first = client.get(API)
    if first.status_code != 200:
        raise RuntimeError(f"{API} answered {first.status_code}: {first.content[:200]!r}")
    body = first.content
    body_file.write_bytes(body)

    def count(scenario: Scenario, etag: str = "") -> int:
        headers = {"HTTP_IF_NONE_MATCH": etag} if scenario.conditional else {}

        def path() -> str:
            return f"{scenario.path}&n={secrets.token_hex(4)}" if scenario.unique else scenario.path

        client.get(path(), **headers)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path(), **headers).status_code
        if status != scenario.status:
            raise RuntimeError(f"{scenario.label}: {status} in process, not {scenario.status}")
        return len(queries)

    etag = first["ETag"]
    return body, {
        s.label: count(s, etag if s.path == API else _ceiling_etag(body)) for s in SCENARIOS
    }


def _ceiling_etag(body: bytes) -> str:
    from bench.api_urls import ceiling_body

    found, etag = ceiling_body()
    if found != body:
        raise RuntimeError("The ceiling does not answer the API's bytes.")
    return etag


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def _check_answers(port: int, key: str, body: bytes) -> tuple[dict[str, str], dict[str, int]]:
    """Through gunicorn: the API and the ceiling answer the same bytes, the baseline the same
    products and fields, and each conditional request a 304. Returns the ETag each
    conditional scenario sends and the body size of each scenario."""
    auth = {"Authorization": f"Bearer {key}"}
    api = _get(port, API, auth)
    ceiling = _get(port, CEILING, {})
    plain = _get(port, PLAIN, auth)
    for name, response in [("API", api), ("ceiling", ceiling), ("baseline", plain)]:
        if response.status != 200:
            raise RuntimeError(f"The {name} answered {response.status}: {response.body[:200]!r}")
    if api.body != body or ceiling.body != body:
        raise RuntimeError("Through gunicorn, the API or the ceiling differ from the page.")
    if _comparable(json.loads(plain.body)["items"]) != _comparable(json.loads(body)["items"]):
        raise RuntimeError("The baseline does not serve the same products and fields.")
    unique = _get(port, f"{API}&n={secrets.token_hex(4)}", auth)
    if unique.status != 200 or unique.body != body:
        raise RuntimeError(f"An uncached request answered {unique.status} or other bytes.")

    etags = {CEILING: ceiling.getheader("ETag"), API: api.getheader("ETag")}
    sizes = {}
    for scenario in SCENARIOS:
        headers = {**(auth if scenario.authorised else {})}
        if scenario.conditional:
            headers["If-None-Match"] = etags[scenario.path]
        response = _get(port, scenario.path, headers)
        if response.status != scenario.status:
            raise RuntimeError(f"{scenario.label}: {response.status}, not {scenario.status}")
        sizes[scenario.label] = len(response.body)
    return etags, sizes


def _comparable(items: list[dict]) -> list[dict]:
    """Items with their times to the millisecond: Ninja's default renderer keeps no more."""

    def normal(value):
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-][\d:]+)", value):
            moment = datetime.fromisoformat(value)
            return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        return value

    return normal(items)


# --- gunicorn and wrk -------------------------------------------------------------------------


class Gunicorn:
    """Backoffice under gunicorn on a free loopback port, with the benchmark's URLs."""

    def __init__(self, log: Path, body_file: Path):
        self.log = log
        self.body_file = body_file
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from bench.api_urls import CEILING_BODY_ENV

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": REDIS_URL,
            "REDIS_CACHE_URL": REDIS_URL,
            "API_RATE_LIMIT": RATE_LIMIT,
            CEILING_BODY_ENV: str(self.body_file),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "backoffice.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={WORKERS}",
            "--worker-class=gthread",
            f"--threads={THREADS}",
            "--log-level=warning",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start:\n{self._log_tail()}")
            try:
                if _get(self.port, CEILING, {}).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within a minute:\n{self._log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time its workers have used so far (Linux: from /proc)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that just ended
                continue
            if int(fields[1]) == self.process.pid:  # its parent is the master
                total += int(fields[11]) + int(fields[12])  # user and system ticks
        return total / os.sysconf("SC_CLK_TCK")

    def drain(self) -> None:
        """Wait until the workers are idle: requests a load generator gave up on when its
        run ended are still being answered, and would slow the next run down."""
        deadline = time.monotonic() + 120
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.cpu_seconds()
            if now - before < 0.02:
                return
            before = now

    def _log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WRK_SCRIPT = """
local salt = "%(salt)s"
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

if %(unique)s then
  request = function()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. "&n=" .. salt .. "-" .. (thread_id or 0) .. "-" .. counter)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%.0f %%.0f\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(wrk: str, port: int, scenario: Scenario, headers: dict, seconds: int, folder: Path):
    script = folder / "load.lua"
    script.write_text(
        WRK_SCRIPT % {"salt": secrets.token_hex(4), "unique": str(scenario.unique).lower()}
    )
    command = [
        wrk,
        "--threads=1",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=60s",
        f"--script={script}",
    ]
    for name, value in headers.items():
        command.append(f"--header={name}: {value}")
    command.append(f"http://127.0.0.1:{port}{scenario.path}")
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    output = completed.stdout
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk said:\n{output}")
    requests, micros, size, errors, p50, p99 = (int(n) for n in found.groups())
    if errors:
        raise RuntimeError(f"{scenario.label}: {errors} errors in {requests} requests:\n{output}")
    if requests and (scenario.status == 304) != (size / requests < 2000):
        raise RuntimeError(f"{scenario.label}: {size / requests:.0f} bytes a response")
    return Load(requests, micros / 1e6, p50 / 1000, p99 / 1000)


def _measure(wrk: str, server: Gunicorn, key: str, etags: dict, folder: Path):
    """Each scenario warmed up, then measured in ROUNDS rounds, interleaved so that a noisy
    spell on the shared machine falls on every scenario alike; each run starts with the
    workers idle.

    A round lasts at least SECONDS and at least LATENCIES_A_ROUND times the scenario's median
    latency, so each connection completes several requests: the requests still running when
    a round ends are not counted, and in a short round of a slow scenario they would be a
    large share of its work."""

    def run(scenario: Scenario, seconds: int) -> Load:
        headers = {"Authorization": f"Bearer {key}"} if scenario.authorised else {}
        if scenario.conditional:
            headers["If-None-Match"] = etags[scenario.path]
        server.drain()
        before = server.cpu_seconds()
        load = _wrk(wrk, server.port, scenario, headers, seconds, folder)
        return replace(load, cpu_seconds=server.cpu_seconds() - before)

    lengths = {}
    for scenario in SCENARIOS:
        seconds = max(1, math.ceil(WARMUP))
        warm = run(scenario, seconds)
        while warm.requests < 2 * CONNECTIONS and seconds * 2 <= MAX_WARMUP:
            seconds *= 2
            warm = run(scenario, seconds)
        if not warm.requests:
            raise RuntimeError(f"{scenario.label}: no answer in {seconds} s of warm-up")
        lengths[scenario.label] = max(
            math.ceil(SECONDS), math.ceil(LATENCIES_A_ROUND * warm.p50_ms / 1000)
        )

    loads: dict[str, list[Load]] = {s.label: [] for s in SCENARIOS}
    for _ in range(ROUNDS):
        for scenario in SCENARIOS:
            load = run(scenario, lengths[scenario.label])
            if not load.requests:
                raise RuntimeError(f"{scenario.label}: no answer in {lengths[scenario.label]} s")
            loads[scenario.label].append(load)
    return loads


# --- the table --------------------------------------------------------------------------------


def _table(variants: int, loads: dict, sizes: dict, queries: dict) -> str:
    def median(label: str, attribute: str) -> float:
        return statistics.median(getattr(load, attribute) for load in loads[label])

    baseline = median(BASELINE, "per_second")
    rows = []
    for scenario in SCENARIOS:
        per_second = median(scenario.label, "per_second")
        ceiling = median(scenario.ceiling_label, "per_second")
        rows.append(
            [
                scenario.label,
                str(scenario.status),
                f"{per_second:,.0f}",
                _ratio(per_second / ceiling),
                f"{per_second / baseline:,.1f}×",
                f"{median(scenario.label, 'p50_ms'):,.1f}",
                f"{median(scenario.label, 'p99_ms'):,.1f}",
                f"{median(scenario.label, 'cpu_ms'):,.1f}",
                f"{sizes[scenario.label]:,}",
                f"{queries[scenario.label]:,}",
            ]
        )
    header = [
        "scenario",
        "status",
        "requests/s",
        "÷ ceiling",
        "÷ untuned Ninja",
        "p50 ms",
        "p99 ms",
        "worker CPU ms/request",
        "body bytes",
        "queries/request",
    ]
    title = (
        f"Storefront API, `GET /api/v1/{PAGE}` at {variants:,} variants, PostgreSQL, DEBUG "
        f"off; gunicorn ({WORKERS} gthread workers × {THREADS} threads) and wrk (1 thread, "
        f"{CONNECTIONS} keep-alive connections) on loopback on {os.cpu_count()} cores; "
        f"median of {ROUNDS} interleaved rounds after a warm-up, each round at least "
        f"{SECONDS:g} s and {LATENCIES_A_ROUND} times the scenario's median latency. "
        f"The workers share their cache in Redis ({REDIS_URL}). Ratios: requests/s against "
        f"the ceiling of the same status (a 304 row against the 304 ceiling) and against the "
        f"untuned Ninja baseline. Uncached: every request carries a fresh query parameter, so "
        f"it misses the cache and then stores its page, as a first request does. The key's "
        f"rate limit is raised to {RATE_LIMIT} so the load never meets it (its throttle still "
        f"runs). Worker CPU: what gunicorn's workers spent per completed request, without "
        f"PostgreSQL's and Redis's share (steadier than requests/s on a shared machine). "
        f"Queries: counted once per scenario, in process.\n\n"
    )
    return title + harness.markdown_table(header, rows)


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"
