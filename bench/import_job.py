"""One import of a catalog file in a process of its own, so its time and peak memory are its
own: `python -m bench.import_job CONTENDER CSV [--preview-only]`, printing JSON. The catalog
of the benchmark database (`BENCH_DATABASE_URL`) is emptied first, so every contender starts
from the same state.

CONTENDER is
- `backoffice`: the product's import (`import_create`, the preview, then `import_apply_run`,
  the apply), as `manage.py import_catalog` runs it;
- `stock`: a stock django-import-export `ModelResource` per model with its defaults, row by
  row, as its admin does it in two files: the products previewed (`dry_run=True`) and
  imported, then the variants previewed and imported;
- `copy`: the floor, PostgreSQL `COPY` of the same products and variants and nothing else
  (no history, no change log, no checks beyond the database's).

Set `BENCH_IMPORT_PROFILE=PATH` to write a cProfile of the timed work to PATH."""

import cProfile
import csv
import json
import os
import sys
import time

from bench import harness

PRODUCT_COLUMNS = [
    "handle",
    "title",
    "description",
    "vendor",
    "product_type",
    "tags",
    "status",
    "option1_name",
    "option2_name",
    "option3_name",
]
VARIANT_COLUMNS = [
    "sku",
    "option1",
    "option2",
    "option3",
    "price",
    "compare_at_price",
    "cost",
    "weight",
    "weight_unit",
    "inventory_policy",
]
NULLABLE = {"sku", "compare_at_price", "cost", "weight"}  # a blank cell is NULL, else ""
# Everything an import of products writes, and everything that points at it.
CATALOG_TABLES = [
    "inventory_product",
    "inventory_historicalproduct",
    "inventory_historicalproductvariant",
    "inventory_historicalproductimage",
    "integrations_change",
    "imports_importbatch",
]


def reset_catalog() -> None:
    """An empty catalog (and change log, and import batches), as a fresh shop has."""
    from django.db import connection

    with connection.cursor() as cursor:
        tables = ", ".join(connection.ops.quote_name(t) for t in CATALOG_TABLES)
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        cursor.execute("CHECKPOINT")  # the previous job's writes are not flushed on our time


def catalog_counts() -> dict:
    """What the import left behind, to check every contender wrote the same catalog."""
    from inventory.models import Product, ProductVariant

    return {
        "products": Product.objects.count(),
        "variants": ProductVariant.objects.count(),
        "product_history": Product.history.count(),
        "variant_history": ProductVariant.history.count(),
    }


# --- Backoffice ----------------------------------------------------------------------------------


def backoffice(path: str, timer: "Timer", preview_only: bool) -> None:
    from backoffice.actors import Actor
    from imports.models import ImportStatus
    from imports.services import import_apply_run, import_create

    actor = Actor.system("bench")
    with timer.phase("preview"), open(path, "rb") as upload:
        batch = import_create(kind="products", upload=upload, actor=actor, wait=True)
    if batch.status != ImportStatus.READY:
        raise RuntimeError(f"The preview ended {batch.status}: {batch.message} {batch.preview}")
    if preview_only:
        return
    with timer.phase("apply"):
        batch = import_apply_run(batch.pk, actor)
    if batch.status != ImportStatus.APPLIED:
        raise RuntimeError(f"The apply ended {batch.status}: {batch.message}")


# --- a stock django-import-export resource per model ---------------------------------------------


def stock_resources():
    """What a developer writes with django-import-export and nothing more: a resource per
    model, matched on its natural key, the variant's product by handle; every option left
    at its default (row by row, each row in a savepoint, diffs kept, no bulk mode)."""
    from import_export import fields, resources, widgets

    from inventory.models import Product, ProductVariant

    class ProductResource(resources.ModelResource):
        class Meta:
            model = Product
            fields = PRODUCT_COLUMNS
            import_id_fields = ["handle"]

    class VariantResource(resources.ModelResource):
        product = fields.Field(
            attribute="product",
            column_name="handle",
            widget=widgets.ForeignKeyWidget(Product, field="handle"),
        )

        class Meta:
            model = ProductVariant
            fields = ["product", *VARIANT_COLUMNS]
            import_id_fields = ["sku"]

    return ProductResource(), VariantResource()


def stock_dataset(path: str, columns: list[str], products_only: bool):
    """One of the two files a developer would give the stock admin, read as it reads files
    (a tablib Dataset): the products (the first row of each handle, where the product's
    fields are) or the variants."""
    import tablib

    with open(path, encoding="utf-8-sig", newline="") as source:
        whole = tablib.Dataset().load(source.read(), format="csv")
    at = [whole.headers.index(c) for c in columns]
    title = whole.headers.index("title")
    dataset = tablib.Dataset(headers=columns)
    for row in whole:
        if row[title] or not products_only:
            dataset.append([row[i] for i in at])
    return dataset


def stock(path: str, timer: "Timer", preview_only: bool) -> None:
    product_resource, variant_resource = stock_resources()
    for resource, columns, products_only in (
        (product_resource, PRODUCT_COLUMNS, True),
        (variant_resource, ["handle", *VARIANT_COLUMNS], False),
    ):
        with timer.phase("preview"):
            result = resource.import_data(stock_dataset(path, columns, products_only), dry_run=True)
        _check(result, resource)
        if preview_only:
            # The variants cannot be previewed before their products are imported.
            return
        with timer.phase("apply"):
            result = resource.import_data(
                stock_dataset(path, columns, products_only), dry_run=False
            )
        _check(result, resource)


def _check(result, resource) -> None:
    if result.has_errors() or result.has_validation_errors():
        errors = [e.error for _, row_errors in result.row_errors()[:3] for e in row_errors]
        invalid = [r.error for r in result.invalid_rows[:3]]
        raise RuntimeError(f"{type(resource).__name__} failed: {errors or invalid}")


# --- the floor: COPY ------------------------------------------------------------------------------


def copy_floor(path: str, timer: "Timer", preview_only: bool) -> None:
    """Products, then variants, each by one `COPY` in one transaction, streamed from the
    file (read twice: the variants need their product's id, which the first `COPY` makes)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from inventory.models import store_currency

    if preview_only:
        return
    now, currency = timezone.now(), store_currency()
    product_sql = (
        "COPY inventory_product (handle, title, description, vendor, product_type, tags, "
        "status, option1_name, option2_name, option3_name, seo_title, seo_description, "
        "created_at, updated_at) FROM STDIN"
    )
    variant_sql = (
        "COPY inventory_productvariant (product_id, sku, option1, option2, option3, price, "
        "compare_at_price, cost, weight, weight_unit, inventory_policy, barcode, currency, "
        "active, position, created_at, updated_at) FROM STDIN"
    )
    with timer.phase("apply"), transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with open(path, encoding="utf-8-sig", newline="") as source, raw.copy(product_sql) as out:
            reader = csv.reader(source)
            header = next(reader)
            at = [header.index(c) for c in PRODUCT_COLUMNS]
            for row in reader:
                if row[at[1]]:
                    out.write_row([row[i] for i in at] + ["", "", now, now])
        raw.execute("SELECT handle, id FROM inventory_product")
        product_ids = dict(raw.fetchall())
        with open(path, encoding="utf-8-sig", newline="") as source, raw.copy(variant_sql) as out:
            reader = csv.reader(source)
            header = next(reader)
            at = [header.index(c) for c in ["handle", *VARIANT_COLUMNS]]
            nullable = [c in NULLABLE for c in ["handle", *VARIANT_COLUMNS]]
            handle, position = None, 0
            for row in reader:
                cells = [
                    row[i] or None if null else row[i] for i, null in zip(at, nullable, strict=True)
                ]
                position = position + 1 if cells[0] == handle else 0
                handle = cells[0]
                cells[0] = product_ids[handle]
                out.write_row([*cells, "", currency, True, position, now, now])


CONTENDERS = {"backoffice": backoffice, "stock": stock, "copy": copy_floor}


# --- measuring ------------------------------------------------------------------------------------


class Timer:
    """Seconds spent in each phase (summed when a phase comes back), and this process's
    peak memory when each phase ended."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}

    def phase(self, name: str):
        timer = self

        class Phase:
            def __enter__(self):
                self.began = time.perf_counter()

            def __exit__(self, *exc):
                elapsed = time.perf_counter() - self.began
                timer.seconds[name] = timer.seconds.get(name, 0.0) + elapsed
                timer.peak_mb[name] = peak_memory_mb()

        return Phase()


def peak_memory_mb() -> float:
    """This process's own high-water mark of resident memory (as `bench.report_job`)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(contender: str, path: str, *options: str) -> None:
    harness.setup_django()
    reset_catalog()
    preview_only = "--preview-only" in options
    timer = Timer()
    started_mb = peak_memory_mb()
    profile_path = os.environ.get("BENCH_IMPORT_PROFILE")
    profiler = cProfile.Profile() if profile_path else None
    if profiler:
        profiler.enable()
    CONTENDERS[contender](path, timer, preview_only)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_path)
    print(
        json.dumps(
            {
                "seconds": timer.seconds,
                "peak_mb_after": timer.peak_mb,
                "started_mb": started_mb,
                "peak_mb": peak_memory_mb(),
                "counts": catalog_counts(),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
