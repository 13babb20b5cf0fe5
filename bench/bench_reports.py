"""Reports over 1,000,000 order lines (`BENCH_ORDER_LINES`), and the dashboard.

Sales by day and sales by product are produced as xlsx three ways, each in a process of its
own (`bench.report_job`) so its time and peak memory are its own: Backoffice's report, a
floor (the raw SQL aggregate written to a plain write-only workbook: the least work the
file needs) and a naive ORM loop over the orders. Memory is also compared between a period
of about 100,000 lines and the whole year. The dashboard is rendered on this database and on
a small one holding just the demo shop.
"""

import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta

from bench import harness

LINES = int(os.environ.get("BENCH_ORDER_LINES", "1000000"))
SMALL_LINES = LINES // 10
KINDS = ("sales_summary", "sales_by_product")
SMALL_DATABASE = "postgres://postgres@127.0.0.1:5432/backoffice_bench_small"


def ensure_order_lines(wanted: int) -> int:
    from sales.demo import seed_synthetic_orders
    from sales.models import OrderLine

    have = OrderLine.objects.count()
    while have < wanted:
        print(f"Adding synthetic orders: {have:,} → {wanted:,} order lines …", flush=True)
        seed_synthetic_orders(max((wanted - have) // 4, 1), _Quiet())
        have = OrderLine.objects.count()
    return have


class _Quiet:
    def write(self, text):
        pass


def periods():
    """(first day, last day) of the whole year of orders, and of the last ~10 % of lines."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from sales.models import OrderLine

    days = (
        OrderLine.objects.annotate(day=TruncDate("order__placed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("-day")
    )
    total, start_small = 0, None
    for row in days:
        total += row["n"]
        if start_small is None and total >= SMALL_LINES:
            start_small = row["day"]
    today = timezone.localdate()
    first = min(row["day"] for row in days) if days else today - timedelta(days=365)
    return (first, today), (start_small or first, today)


def measure(implementation: str, kind: str, period, env=None) -> dict:
    """Run one job in a child process: its seconds, rows and peak memory (MB)."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as output:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.report_job",
                implementation,
                kind,
                period[0].isoformat(),
                period[1].isoformat(),
                output.name,
            ],
            capture_output=True,
            check=True,
            env={**os.environ, **(env or {})},
        )
        return json.loads(done.stdout.decode().strip().splitlines()[-1])


def dashboard_ms(database_url: str) -> tuple[float, int]:
    """Median time to render the dashboard, uncached, on a database (in a child process)."""
    code = (
        "from bench import harness; harness.setup_django();"
        "from django.core.cache import cache; from bench.bench_reports import _dashboard_once;"
        "print(_dashboard_once())"
    )
    env = {**os.environ, "BENCH_DATABASE_URL": database_url}
    printed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
    return tuple(json.loads(printed.stdout.decode().strip().splitlines()[-1]))


def _dashboard_once():
    import statistics
    import time

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = harness.superuser_client()
    samples = []
    for _ in range(harness.RUNS):
        cache.clear()
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/").status_code == 200
        samples.append(time.perf_counter() - start)
    return json.dumps([statistics.median(samples) * 1000, len(queries)])


def ensure_small_database() -> int:
    """The demo shop (about 2,000 orders) in a database of its own, seeded once."""
    env = {
        **os.environ,
        "DATABASE_URL": SMALL_DATABASE,
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": "bench-only",
    }
    harness._create_database(SMALL_DATABASE)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], env=env, check=True, capture_output=True
    )
    count = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from sales.models import OrderLine; print(OrderLine.objects.count())",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    return int(count.stdout.decode().strip().splitlines()[-1])


def run() -> str:
    harness.setup_django()
    harness.ensure_synthetic_variants(1000)
    lines = ensure_order_lines(LINES)
    whole, recent = periods()
    rows = []
    for kind in KINDS:
        results = {name: measure(name, kind, whole) for name in ("backoffice", "floor", "naive")}
        small = measure("backoffice", kind, recent)
        mine, floor, naive = results["backoffice"], results["floor"], results["naive"]
        rows.append(
            [
                kind,
                f"{lines:,}",
                f"{mine['seconds']:.1f}",
                f"{floor['seconds']:.1f}",
                f"{naive['seconds']:.1f}",
                f"{mine['seconds'] / floor['seconds']:.2f}×",
                f"{naive['seconds'] / mine['seconds']:.1f}×",
                f"{mine['peak_mb']:.0f}",
                f"{floor['peak_mb']:.0f}",
                f"{naive['peak_mb']:.0f}",
                f"{mine['peak_mb'] / small['peak_mb']:.2f}× ({small['peak_mb']:.0f} MB at ~{SMALL_LINES:,})",
            ]
        )
    header = [
        "report",
        "order lines",
        "Backoffice s",
        "floor s",
        "naive s",
        "Backoffice ÷ floor (time)",
        "naive ÷ Backoffice (time)",
        "Backoffice MB",
        "floor MB",
        "naive MB",
        "Backoffice memory, whole ÷ 10 %",
    ]
    small_lines = ensure_small_database()
    big_ms, big_queries = dashboard_ms(
        os.environ.get("BENCH_DATABASE_URL", harness.DEFAULT_DATABASE_URL)
    )
    small_ms, small_queries = dashboard_ms(SMALL_DATABASE)
    dashboard = harness.markdown_table(
        ["dashboard (uncached)", "order lines", "median ms", "queries"],
        [
            ["demo shop", f"{small_lines:,}", f"{small_ms:.0f}", str(small_queries)],
            ["bench database", f"{lines:,}", f"{big_ms:.0f}", str(big_queries)],
            ["ratio", "", f"{big_ms / small_ms:.2f}×", ""],
        ],
    )
    title = (
        f"Reports as xlsx, {whole[0]} to {whole[1]}, PostgreSQL, DEBUG off; peak memory is "
        "each job's own process (its high-water mark of resident memory)\n\n"
    )
    return title + harness.markdown_table(header, rows) + "\n\n" + dashboard
