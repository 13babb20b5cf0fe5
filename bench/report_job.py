"""One report produced in a process of its own, so its time and peak memory can be measured
apart: `python -m bench.report_job IMPLEMENTATION KIND START END OUTPUT`, printing seconds and
rows as JSON. IMPLEMENTATION is `backoffice` (the product's report), `floor` (the raw SQL
aggregate written to a plain write-only workbook) or `naive` (an ORM loop over orders)."""

import json
import sys
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal

from bench import harness

ZERO = Decimal("0.00")


def backoffice(kind, parameters, output):
    from reporting.reports import CATALOGUE
    from reporting.writers import write_xlsx

    report = CATALOGUE[kind]
    with open(output, "wb") as target:
        return write_xlsx(report, parameters, report.rows(parameters), target, []).rows


FLOOR_SQL = {
    "sales_summary": """
        SELECT (o.placed_at AT TIME ZONE %(tz)s)::date, c.name, count(*), sum(o.total),
               sum(o.discount), sum(o.tax), sum(o.shipping)
        FROM sales_order o JOIN sales_channel c ON c.id = o.channel_id
        WHERE o.status IN ('placed', 'completed') AND o.placed_at >= %(since)s AND o.placed_at < %(until)s
        GROUP BY 1, 2 ORDER BY 1, 2""",
    "sales_by_product": """
        SELECT v.sku, p.title, l.options, sum(l.quantity - l.quantity_cancelled - l.quantity_returned),
               sum(l.total - l.tax)
        FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id
        JOIN inventory_productvariant v ON v.id = l.variant_id
        JOIN inventory_product p ON p.id = v.product_id
        WHERE o.status IN ('placed', 'completed') AND o.placed_at >= %(since)s AND o.placed_at < %(until)s
        GROUP BY v.id, v.sku, p.title, l.options ORDER BY p.title, v.sku""",
}


def floor(kind, parameters, output):
    from django.conf import settings
    from django.db import connection
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Report")
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(
            FLOOR_SQL[kind],
            {"tz": settings.TIME_ZONE, "since": parameters.since, "until": parameters.until},
        )
        for row in cursor:
            sheet.append(list(row))
            rows += 1
    book.save(output)
    return rows


def naive(kind, parameters, output):
    from openpyxl import Workbook

    from sales.models import Order

    orders = Order.objects.filter(
        status__in=["placed", "completed"],
        placed_at__gte=parameters.since,
        placed_at__lt=parameters.until,
    ).prefetch_related("lines__variant__product", "channel")
    table = defaultdict(lambda: [0, 0, ZERO])
    for order in list(orders):
        for line in order.lines.all():
            if kind == "sales_summary":
                key = (order.placed_at.date(), order.channel.name)
            else:
                key = (line.variant.sku, line.variant.product.title, line.options)
            table[key][0] += line.quantity
            table[key][1] += 1
            table[key][2] += line.total - line.tax
    book = Workbook()
    sheet = book.active
    for key, values in sorted(table.items()):
        sheet.append([*key, *values])
    book.save(output)
    return len(table)


IMPLEMENTATIONS = {"backoffice": backoffice, "floor": floor, "naive": naive}


def main(implementation, kind, start, end, output):
    harness.setup_django()
    from reporting.reports import Parameters

    parameters = Parameters(start=date.fromisoformat(start), end=date.fromisoformat(end))
    began = time.perf_counter()
    rows = IMPLEMENTATIONS[implementation](kind, parameters, output)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_memory_mb()}))


def peak_memory_mb() -> float:
    """This process's own high-water mark of resident memory. (A child's rusage would also
    count the pages it shared with its parent before it started this program.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    main(*sys.argv[1:6])
