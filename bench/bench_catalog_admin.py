"""The catalog and stock admin on a large catalog (100,000 variants by default).

Each page is rendered by Backoffice's admin and by the untuned baseline of `bench.plain_admin`
in the same run; the table gives both medians, their ratio (baseline ÷ Backoffice: above 1
means Backoffice is faster) and the queries one request runs.
"""

import os

from bench import harness

VARIANTS = int(os.environ.get("BENCH_VARIANTS", "100000"))


def pages() -> list[tuple[str, str]]:
    """(label, path under the admin root) for each page measured."""
    from inventory.models import Product, ProductVariant, StockLevel

    sku = (
        ProductVariant.objects.filter(sku__startswith="SYN-")
        .order_by("-pk")
        .values_list("sku", flat=True)[0]
    )
    # A product in the middle of the catalog, with the most variants a synthetic one has.
    product = Product.objects.filter(handle__startswith="syn-").order_by("pk")[
        Product.objects.filter(handle__startswith="syn-").count() // 2
    ]
    warehouse_id = StockLevel.objects.values_list("warehouse_id", flat=True).first()
    return [
        ("product list, page 1", "inventory/product/"),
        ("product list, page 100", "inventory/product/?p=100"),
        ("product list, search by SKU", f"inventory/product/?q={sku}"),
        ("product list, search by word", "inventory/product/?q=linen"),
        ("product change form", f"inventory/product/{product.pk}/change/"),
        ("stock list, page 1", "inventory/stocklevel/"),
        ("stock list, one warehouse", f"inventory/stocklevel/?warehouse__id__exact={warehouse_id}"),
        ("stock list, search by SKU", f"inventory/stocklevel/?q={sku}"),
    ]


def run() -> str:
    harness.setup_django()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    variants = harness.ensure_synthetic_variants(VARIANTS)
    client = harness.superuser_client()

    rows = []
    for label, path in pages():
        tuned = harness.time_page(client, f"/admin/{path}")
        plain = harness.time_page(client, f"/plain-admin/{path}")
        if tuned.status != 200 or plain.status != 200:
            raise RuntimeError(f"{label}: Backoffice {tuned.status}, baseline {plain.status}")
        rows.append(
            [
                label,
                f"{tuned.median_ms:.0f}",
                f"{plain.median_ms:.0f}",
                f"{plain.median_ms / tuned.median_ms:.1f}×",
                tuned.queries_label,
                plain.queries_label,
                f"{tuned.runs}/{plain.runs}",
            ]
        )
    header = [
        "page",
        "Backoffice ms",
        "plain Unfold ms",
        "baseline ÷ Backoffice",
        "queries (Backoffice)",
        "queries (plain)",
        "runs",
    ]
    title = (
        f"Catalog admin at {variants:,} variants, PostgreSQL, DEBUG off, "
        f"median of {harness.RUNS} runs after a warm-up ({harness.SLOW_PAGE_RUNS} for a page "
        f"slower than {harness.SLOW_PAGE_SECONDS:.0f} s)\n\n"
    )
    return title + harness.markdown_table(header, rows)
