"""What every benchmark shares: a production-like Django on PostgreSQL, a large catalog, and
pages timed against a baseline measured in the same run.

Benchmarks run on their own PostgreSQL database (`BENCH_DATABASE_URL`, by default
`backoffice_bench` on the local server), created and migrated on first use and kept between
runs so the large catalog is built once. `DEBUG` is off, as in production.
"""

import os
import secrets
import statistics
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/backoffice_bench"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

_ready = False


def setup_django() -> None:
    """Configure and start Django for benchmarking (once per process)."""
    global _ready
    if _ready:
        return
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"Benchmarks run on PostgreSQL; BENCH_DATABASE_URL is {database_url!r}.")
    _create_database(database_url)
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)  # pages only: the cache and broker play no part
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

    import django
    from django.conf import settings

    django.setup()
    # Pages render without `collectstatic`, so no manifest of hashed static names (and no
    # folder for WhiteNoise to serve from, which it notes once per handler).
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _ready = True


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def ensure_synthetic_variants(wanted: int) -> int:
    """At least `wanted` synthetic variants in the benchmark database; returns how many."""
    from inventory.demo import SYNTHETIC_SKU, seed_synthetic_catalog
    from inventory.models import ProductVariant

    have = ProductVariant.objects.filter(sku__startswith=SYNTHETIC_SKU).count()
    if have < wanted:
        print(f"Building the synthetic catalog: {have:,} → {wanted:,} variants …", flush=True)
        seed_synthetic_catalog(wanted - have, _Quiet())
        have = ProductVariant.objects.filter(sku__startswith=SYNTHETIC_SKU).count()
    return have


class _Quiet:
    def write(self, text: str) -> None:
        pass


def superuser_client():
    """A test client logged in as a superuser, so every page and column shows."""
    from django.contrib.auth.models import User
    from django.test import Client

    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


@dataclass(frozen=True)
class PageTiming:
    median_ms: float
    queries: int
    status: int
    runs: int
    queries_capped: bool = False  # more than the connection's query log holds

    @property
    def queries_label(self) -> str:
        return f"≥ {self.queries:,}" if self.queries_capped else f"{self.queries:,}"


SLOW_PAGE_SECONDS = 2.0
SLOW_PAGE_RUNS = 3


def time_page(client, url: str, runs: int = RUNS) -> PageTiming:
    """The median time to render `url` over `runs` requests after one warm-up, and the number
    of queries one request runs. A page slower than SLOW_PAGE_SECONDS gets SLOW_PAGE_RUNS
    runs: its median is no less telling, and the benchmark ends in minutes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        status = client.get(url).status_code  # warm-up: templates, caches, connection
        if time.perf_counter() - start > SLOW_PAGE_SECONDS:
            runs = min(runs, SLOW_PAGE_RUNS)
    # Counted now: every request starts by clearing the connection's query log.
    query_count = len(queries)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        if response.status_code != status:
            raise RuntimeError(f"{url} answered {response.status_code}, then {status}")
    capped = query_count >= connection.queries_limit
    return PageTiming(statistics.median(samples) * 1000, query_count, status, runs, capped)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
