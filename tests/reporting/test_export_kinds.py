"""The export kinds of the report catalogue: a run writes the same table as the admin's export
(csv or xlsx, no totals row), of everything or of the chosen rows in their order; orders with
lines requested for a period; the Shopify CSV; who may request them; a real worker."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone

from backoffice.actors import Actor
from inventory.models import Product, ProductVariant
from inventory.resources import PRODUCT_COLUMNS, ProductResource
from inventory.shopify_export import SHOPIFY_COLUMNS, write_shopify_csv
from reporting.forms import RequestReportForm
from reporting.models import RunStatus
from reporting.reports import CATALOGUE, OPERATIONS, Parameters, exports
from reporting.services import may_request, report_request
from reporting.writers import cell_text
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.reporting.conftest import build_catalog, local, place_order, request_run
from tests.reporting.test_runs import file_bytes, wait_for

EXPORT_KINDS = [
    "export_categories",
    "export_products",
    "export_prices",
    "export_stock",
    "export_customers",
    "export_orders",
    "catalog_shopify",
]


@pytest.fixture
def shop(db):
    """The reporting catalog (four variants, two warehouses, two channels, customers), the mug
    in a category named like a formula, an order placed three days ago and one placed today."""
    today = timezone.localdate()
    catalog = build_catalog(today)
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen", full_path="Kitchen")
    mugs = CategoryFactory(name="=Mugs", slug="mugs", parent=kitchen, full_path="Kitchen › =Mugs")
    Product.objects.filter(pk=catalog.mug.product_id).update(category=mugs)
    older = place_order(
        catalog, local(today - timedelta(days=3), 10), catalog.web, [(catalog.mug, 2, "0")]
    )
    newer = place_order(
        catalog, local(today, 0, 5), catalog.stall, [(catalog.tee, 1, "0"), (catalog.book, 1, "0")]
    )
    return {"catalog": catalog, "older": older, "newer": newer, "today": today}


def csv_table(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def today_parameters(**extra) -> dict:
    day = timezone.localdate()
    return {"start": day, "end": day, "preset": "all", **extra}


def test_the_export_kinds_are_in_the_catalogue_for_everyone_who_requests_reports(
    merchant, accountant, owner
):
    assert [kind for kind in CATALOGUE if kind in EXPORT_KINDS] == EXPORT_KINDS
    for kind in EXPORT_KINDS:
        report = CATALOGUE[kind]
        assert (report.audience, report.totals_row) == (OPERATIONS, False)
        assert all(may_request(user, kind) for user in (merchant, accountant, owner))
    offered = {kind for kind, _ in RequestReportForm(merchant).fields["kind"].choices}
    assert set(EXPORT_KINDS) <= offered


@pytest.mark.parametrize("kind", [k for k in EXPORT_KINDS if k != "catalog_shopify"])
def test_a_run_writes_the_resources_rows_as_csv(shop, merchant, eager_tasks, media_root, kind):
    report = CATALOGUE[kind]
    run = request_run(kind, merchant, "csv", **today_parameters())
    assert run.status == RunStatus.DONE, run.error
    table = csv_table(file_bytes(run))
    resource = report.resource_class()
    expected = [[cell_text(value) for value in row] for row in resource.row_values(None)]
    assert table[0] == list(report.resource_class.columns)
    assert table[1:] == expected
    assert run.row_count == len(expected) > 0


@pytest.mark.parametrize("kind", [k for k in EXPORT_KINDS if k != "catalog_shopify"])
def test_a_run_writes_a_plain_xlsx_table(shop, merchant, eager_tasks, media_root, kind):
    run = request_run(kind, merchant, "xlsx", **today_parameters())
    book = openpyxl.load_workbook(io.BytesIO(file_bytes(run)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == list(CATALOGUE[kind].resource_class.columns)
    assert len(rows) == 1 + run.row_count  # the header and the rows: no totals row
    assert "Total" not in [row[0] for row in rows]
    assert book.sheetnames[1] == "Parameters"


def test_the_products_export_of_chosen_products_in_batches(
    shop, merchant, eager_tasks, media_root, monkeypatch
):
    monkeypatch.setattr(exports, "IDS_PER_QUERY", 2)
    extra = [
        VariantFactory(product=ProductFactory(title=f"Zed {n}"), sku=f"Z-{n}") for n in range(4)
    ]
    mug = shop["catalog"].mug
    chosen = [mug.product_id, *(variant.product_id for variant in extra[1:])]  # by title
    run = request_run("export_products", merchant, "csv", **today_parameters(ids=tuple(chosen)))
    assert run.parameters["ids"] == chosen
    table = csv_table(file_bytes(run))
    assert [row[PRODUCT_COLUMNS.index("sku")] for row in table[1:]] == [
        mug.sku,
        "Z-1",
        "Z-2",
        "Z-3",
    ]


def test_ids_survive_the_runs_parameters():
    day = timezone.localdate()
    parameters = Parameters(start=day, end=day, preset="selection", ids=(3, 1, 2))
    assert parameters.as_dict()["ids"] == [3, 1, 2]
    assert Parameters.from_dict(parameters.as_dict()) == parameters
    assert "ids" not in Parameters(start=day, end=day).as_dict()
    assert Parameters.from_dict(Parameters(start=day, end=day).as_dict()).ids is None


def test_orders_with_lines_from_the_report_form_cover_the_period_and_channel(
    shop, accountant, eager_tasks, media_root
):
    today, catalog = shop["today"], shop["catalog"]
    number = 0  # the order number's column
    period = {"start": today - timedelta(days=7), "end": today - timedelta(days=1)}
    last_week = csv_table(file_bytes(request_run("export_orders", accountant, "csv", **period)))
    assert [row[number] for row in last_week[1:]] == [shop["older"].number]
    today_only = csv_table(
        file_bytes(request_run("export_orders", accountant, "csv", start=today, end=today))
    )
    assert [row[number] for row in today_only[1:]] == [shop["newer"].number] * 2
    other_channel = request_run(
        "export_orders", accountant, "csv", start=today, end=today, channel_id=catalog.web.pk
    )
    assert csv_table(file_bytes(other_channel))[1:] == []
    everything = csv_table(
        file_bytes(request_run("export_orders", accountant, "csv", **today_parameters()))
    )
    assert len(everything) == 1 + 3  # the header and the lines of both orders


def test_the_shopify_kind_writes_the_shopify_csv(shop, merchant, eager_tasks, media_root):
    assert [column.title for column in CATALOGUE["catalog_shopify"].columns] == list(
        SHOPIFY_COLUMNS
    )
    run = request_run("catalog_shopify", merchant, "csv", **today_parameters())
    stream = io.BytesIO()
    rows = write_shopify_csv(Product.objects.all(), stream)
    assert file_bytes(run) == stream.getvalue()
    assert run.row_count == rows == ProductVariant.objects.count()


def test_an_export_run_describes_what_it_covers(db):
    day = timezone.localdate()
    products = CATALOGUE["export_products"]
    assert products.describe(Parameters(start=day, end=day, preset="all")) == products.title
    chosen = Parameters(start=day, end=day, preset="selection", ids=(1, 2))
    assert products.describe(chosen) == "Catalog (products and variants), 2 chosen"
    orders = CATALOGUE["export_orders"]
    assert orders.describe(Parameters(start=day, end=day)) == f"Orders with lines, {day} to {day}"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_celery_worker_on_redis_writes_an_export(celery_worker, merchant, media_root):
    VariantFactory(sku="=cmd", price=Decimal("5.00"), product__title="Tea")
    with transaction.atomic():  # the admin's request: the task leaves when this commits
        day = timezone.localdate()
        run = report_request(
            kind="export_products",
            parameters=Parameters(start=day, end=day, preset="all"),
            format="csv",
            actor=Actor.for_user(merchant),
        )
    run = wait_for(run)
    assert (run.status, run.error, run.row_count) == (RunStatus.DONE, "", 1)
    table = csv_table(file_bytes(run))
    assert table[1][PRODUCT_COLUMNS.index("sku")] == "'=cmd"
    assert table[1:] == [
        [cell_text(value) for value in row] for row in ProductResource().row_values(None)
    ]
