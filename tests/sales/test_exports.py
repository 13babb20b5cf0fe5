"""Customer and order exports through the admin: customers as a file right away, orders with
their lines always as a background run; never the internal notes; formula escaping; the same
number of queries for 5 orders as for 50."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.services import stock_receive
from reporting.models import ReportRun, RunStatus
from sales.models import NoteVisibility, Order
from sales.resources import CUSTOMER_COLUMNS, ORDER_LINE_COLUMNS, OrderLineResource
from sales.services import order_cancel, order_note_add
from tests.factories import CustomerFactory, UserFactory
from tests.sales.conftest import SYSTEM

CUSTOMERS = "/admin/sales/customer/export/"
ORDERS = "/admin/sales/order/export/"
DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.fixture
def worker(settings, tmp_path, eager_tasks):
    """Runs go to an in-process worker (as in the embedded mode, whatever REDIS_URL says) and
    their files to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


def format_index(page, title: str) -> str:
    choices = {label: value for value, label in page.context["form"].fields["format"].choices}
    return choices[title]


def export(client, url, title="csv", **extra):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"format": format_index(page, title), "resource": 0, **extra})


def csv_table(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def run_file(run: ReportRun) -> bytes:
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    with run.file.open("rb") as stream:
        return stream.read()


def local(moment) -> str:
    return timezone.localtime(moment).isoformat()


# --- customers ----------------------------------------------------------------------------------


def test_customers_are_exported_without_their_internal_notes(client, merchant, db):
    ann = CustomerFactory(
        email="ann@example.com",
        first_name="Ann",
        last_name="Lee",
        phone="+33 1 23 45 67 89",
        notes="Internal: gave a bad cheque",
        stripe_customer_id="cus_secret",
    )
    bob = CustomerFactory(email="bob@example.com", first_name="Bob", last_name="", phone="")
    client.force_login(merchant)
    response = export(client, CUSTOMERS)
    assert response.status_code == 200
    assert csv_table(response.content) == [
        list(CUSTOMER_COLUMNS),
        ["ann@example.com", "Ann", "Lee", "'+33 1 23 45 67 89", local(ann.created_at)],
        ["bob@example.com", "Bob", "", "", local(bob.created_at)],
    ]
    assert b"bad cheque" not in response.content and b"cus_secret" not in response.content


def test_the_customers_xlsx_holds_the_same_rows(client, merchant, db):
    ann = CustomerFactory(email="ann@example.com", first_name="Ann", last_name="Lee")
    client.force_login(merchant)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, CUSTOMERS, "xlsx").content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    created = timezone.localtime(ann.created_at).replace(tzinfo=None, microsecond=0)
    assert rows[0] == list(CUSTOMER_COLUMNS)
    assert rows[1][:4] == ["ann@example.com", "Ann", "Lee", None]
    assert rows[1][4].replace(microsecond=0) == created


def test_customers_are_exported_by_the_roles_that_see_them_only(client, merchant, accountant, db):
    CustomerFactory()
    for user in (merchant, accountant):
        client.force_login(user)
        assert export(client, CUSTOMERS).status_code == 200
    stock_keeper = UserFactory(username="stock")
    group = Group.objects.create(name="Stock keepers")
    group.permissions.add(
        *Permission.objects.filter(codename__in=["view_product", "view_stocklevel"])
    )
    stock_keeper.groups.add(group)
    client.force_login(stock_keeper)
    assert client.get(CUSTOMERS).status_code == 403
    assert client.post(CUSTOMERS, {"format": "0", "resource": 0}).status_code == 403
    assert client.get("/admin/inventory/product/export/").status_code == 200


@pytest.mark.parametrize("title", ["csv", "xlsx"])
def test_every_dangerous_prefix_is_escaped_in_the_customers(client, merchant, db, title):
    for n, text in enumerate(DANGEROUS):
        CustomerFactory(email=f"c{n}@example.com", first_name=text, last_name=text, phone=text)
    client.force_login(merchant)
    content = export(client, CUSTOMERS, title).content
    if title == "csv":
        rows = csv_table(content)[1:]
        text = [cell for row in rows for cell in row[:4] if isinstance(cell, str)]
        assert [cell for cell in text if cell[:1] in tuple("=+-@\t\r\n")] == []
        assert sorted(row[1] for row in rows) == sorted(f"'{t}" for t in DANGEROUS)
    else:  # text cells with the hidden quote prefix, read as typed
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        names = [row[1] for row in sheet.iter_rows(min_row=2)]
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in names)
        # XML reads a carriage return in text as a line feed
        expected = sorted(t.replace("\r", "\n") for t in DANGEROUS)
        assert sorted(cell.value for cell in names) == expected


# --- orders with lines --------------------------------------------------------------------------


@pytest.fixture
def orders(shop):
    """Two placed orders (one of two lines) with internal and customer notes, and a
    cancelled one."""
    first = shop.placed((shop.tee, 2), (shop.mug, 1))
    second = shop.placed((shop.mug, 3))
    third = order_cancel(order=shop.placed((shop.tee, 1)), actor=SYSTEM)
    order_note_add(order=first, body="Internal: fragile, customer complained", actor=SYSTEM)
    order_note_add(
        order=first,
        body="Thanks for your order",
        actor=SYSTEM,
        visibility=NoteVisibility.CUSTOMER,
    )
    return [first, second, third]


def expected_rows(orders_) -> list[list[str]]:
    rows = []
    for order in orders_:
        order.refresh_from_db()
        for line in order.lines.order_by("position", "id"):
            rows.append(
                [
                    order.number,
                    local(order.placed_at),
                    order.channel.code,
                    order.customer.email,
                    order.status,
                    order.payment_status,
                    order.fulfilment_status,
                    order.currency,
                    line.sku,
                    line.title,
                    line.options,
                    str(line.quantity),
                    str(line.unit_price),
                    str(line.discount),
                    str(line.tax_rate),
                    str(line.tax),
                    str(line.total),
                ]
            )
    return rows


def test_the_order_export_offers_csv_and_xlsx_only(client, merchant, orders):
    client.force_login(merchant)
    page = client.get(ORDERS)
    offered = [label for value, label in page.context["form"].fields["format"].choices if value]
    assert offered == ["csv", "xlsx"]


def test_orders_are_exported_in_the_background_one_row_per_line_without_notes(
    client, merchant, shop, orders, worker, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, ORDERS)
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/reporting/reportrun/{run.pk}/change/"
    assert (run.kind, run.format, run.requested_by) == ("export_orders", "csv", merchant)
    content = run_file(run)
    table = csv_table(content)
    assert table[0] == list(ORDER_LINE_COLUMNS)
    assert table[1:] == expected_rows(orders)
    assert [row[8:12] for row in table[1:]] == [
        ["TEE-M", "Linen tee", "M", "2"],
        ["MUG", "Stoneware mug", "Speckled", "1"],
        ["MUG", "Stoneware mug", "Speckled", "3"],
        ["TEE-M", "Linen tee", "M", "1"],
    ]
    assert [row[4] for row in table[1:]] == ["placed", "placed", "placed", "cancelled"]
    assert b"fragile" not in content and b"Thanks for your order" not in content
    assert run.row_count == 4


def test_the_orders_of_a_filtered_list_or_a_selection(
    client, merchant, shop, orders, worker, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, f"{ORDERS}?status__exact=cancelled")
    cancelled = ReportRun.objects.get()
    assert cancelled.parameters["ids"] == [orders[2].pk]
    assert csv_table(run_file(cancelled))[1:] == expected_rows([orders[2]])
    page = client.post(
        "/admin/sales/order/",
        {"action": "export_admin_action", "_selected_action": [orders[1].pk, orders[0].pk]},
    )
    assert sorted(page.context["form"].initial["export_items"]) == [orders[0].pk, orders[1].pk]
    with django_capture_on_commit_callbacks(execute=True):
        export(client, ORDERS, export_items=[orders[1].pk, orders[0].pk])
    selected = ReportRun.objects.exclude(pk=cancelled.pk).get()
    assert selected.parameters["ids"] == [orders[0].pk, orders[1].pk]  # oldest first
    assert csv_table(run_file(selected))[1:] == expected_rows(orders[:2])


def test_the_orders_xlsx_is_typed(
    client, merchant, shop, orders, worker, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, ORDERS, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(run_file(ReportRun.objects.get()))).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(ORDER_LINE_COLUMNS)
    assert len(rows) == 5  # no totals row
    first = dict(zip(ORDER_LINE_COLUMNS, rows[1], strict=True))
    line = orders[0].lines.order_by("position", "id").first()
    assert first["quantity"] == 2 and first["unit_price"] == float(line.unit_price)
    placed = timezone.localtime(orders[0].placed_at).replace(tzinfo=None)
    assert abs((first["placed_at"] - placed).total_seconds()) < 0.001


def test_an_order_export_runs_a_constant_number_of_queries(
    client, merchant, shop, worker, django_capture_on_commit_callbacks
):
    client.force_login(merchant)

    def exported(count: int) -> int:
        for _ in range(count):
            shop.placed((shop.mug, 1), (shop.tee, 1))
        page = client.get(ORDERS)
        data = {"format": format_index(page, "csv"), "resource": 0}
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(ORDERS, data)
        assert response.status_code == 302
        with CaptureQueriesContext(connection) as rows:
            assert len(list(OrderLineResource().row_values(Order.objects.all()))) == 2 * (
                Order.objects.count()
            )
        return len(queries), len(rows)

    # Stock for 50 more orders of one mug and one tee each.
    stock_receive(variant=shop.mug, warehouse=shop.main, quantity=60, actor=SYSTEM)
    stock_receive(variant=shop.tee, warehouse=shop.main, quantity=60, actor=SYSTEM)
    exported(1)  # the first export reads the store settings into the shared cache
    assert exported(5) == exported(44)
