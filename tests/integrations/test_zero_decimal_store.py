"""A shop that sells in yen, a currency without decimals: every amount is whole yen where it is
computed, and the admin, the invoice PDF, the reports, the API and Stripe all say so."""

import io
from decimal import Decimal
from urllib.parse import parse_qs

import openpyxl
import pytest
from django.utils import timezone

from inventory.models import ProductVariant
from reporting.models import RunStatus
from sales.models import DocumentPdf, Order
from sales.services import invoice_issue, order_mark_paid, payment_link_create
from tests.conftest import pdf_text, set_store
from tests.factories import TaxClassFactory
from tests.integrations.api_helpers import get, issue_key, order_body, post_order
from tests.integrations.conftest import API, SYSTEM, checkout_session, stub_checkout_session
from tests.reporting.conftest import request_run


@pytest.fixture
def yen(shop, settings, tmp_path):
    """The small shop, repriced in yen before it sells anything: a ¥1,999 tee taxed at 10 %
    (¥199.90 of tax, which is ¥200) and a ¥550 mug at the 8 % food rate."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_PDFS_AT_ISSUE = True
    standard = TaxClassFactory(name="Standard JP", rate=Decimal("10"))
    food = TaxClassFactory(name="Reduced JP", rate=Decimal("8"))
    ProductVariant.objects.filter(pk=shop.tee.pk).update(price=Decimal("1999"))
    ProductVariant.objects.filter(pk=shop.mug.pk).update(price=Decimal("550"))
    set_store(currency="JPY", shipping_tax_class=standard, default_tax_class=standard)
    shop.tee.product.tax_class = standard
    shop.tee.product.save()
    shop.mug.product.tax_class = food
    shop.mug.product.save()
    shop.tee.refresh_from_db()
    shop.mug.refresh_from_db()
    return shop


def test_prices_and_order_amounts_are_whole_yen(yen):
    assert yen.tee.price == Decimal("1999") and yen.tee.price.as_tuple().exponent == 0
    order = yen.placed((yen.tee, 1), (yen.mug, 3), shipping=Decimal("800"))
    assert order.currency == "JPY"
    line_taxes = sorted(line.tax for line in order.lines.all())
    assert line_taxes == [Decimal("132"), Decimal("200")]  # 1,650 × 8 % = 132; 199.9 → 200
    assert (order.subtotal, order.shipping_tax, order.tax) == (
        Decimal("3649"),
        Decimal("80"),
        Decimal("412"),
    )
    assert order.total == Decimal("4861")
    for amount in (order.subtotal, order.tax, order.total, order.shipping_tax):
        assert amount.as_tuple().exponent == 0, amount


def test_the_admin_shows_yen_without_decimals(yen, admin_client):
    order = yen.placed((yen.tee, 1))
    page = admin_client.get(f"/admin/sales/order/{order.pk}/change/").content.decode()
    assert "¥2,199" in page and "¥2,199.00" not in page
    form = admin_client.get(f"/admin/inventory/productvariant/{yen.tee.pk}/change/")
    assert 'value="1999"' in form.content.decode()


def test_a_price_with_decimals_is_refused_in_a_yen_shop(yen, admin_client):
    page = admin_client.get(f"/admin/inventory/productvariant/{yen.tee.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(price="1999.50")
    response = admin_client.post(f"/admin/inventory/productvariant/{yen.tee.pk}/change/", data)
    assert response.status_code == 200
    assert "price" in response.context["adminform"].form.errors
    yen.tee.refresh_from_db()
    assert yen.tee.price == Decimal("1999")


def test_the_invoice_pdf_reads_in_yen(yen, django_capture_on_commit_callbacks, eager_tasks):
    order = yen.placed((yen.tee, 1), (yen.mug, 3), shipping=Decimal("800"))
    order_mark_paid(order=order, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(order=order, actor=SYSTEM)
    with DocumentPdf.objects.get(invoice=invoice).file.open("rb") as handle:
        text = pdf_text(handle.read())
    for expected in [
        "Linen tee — M TEE-M 1 ¥1,999 10 % ¥1,999 ¥2,199",
        "Stoneware mug — Speckled MUG 3 ¥550 8 % ¥1,650 ¥1,782",
        "Tax ¥412",
        "Total ¥4,861",
        "Amount due ¥0",
    ]:
        assert expected in text, (expected, text)
    assert "¥1,999.00" not in text


def test_reports_write_yen_in_a_whole_unit_format(yen, accountant, eager_tasks):
    order = yen.placed((yen.tee, 1))
    order_mark_paid(order=order, actor=SYSTEM)
    today = timezone.localdate()
    run = request_run("sales_summary", accountant, "xlsx", start=today, end=today)
    assert run.status == RunStatus.DONE, run.error
    with run.file.open("rb") as stream:
        sheet = openpyxl.load_workbook(io.BytesIO(stream.read())).worksheets[0]
    money_cells = [
        cell
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if cell.data_type == "n" and cell.value is not None
    ]
    formats = {cell.number_format for cell in money_cells if "JPY" in cell.number_format}
    assert formats == {'#,##0 "JPY"'}
    assert Decimal("2199") in {Decimal(str(cell.value)) for cell in money_cells}


def test_the_api_sends_prices_and_totals_as_whole_yen(yen, client):
    key = issue_key(yen.channel)
    product = get(client, f"/products/{yen.tee.product.handle}", key).json()
    assert product["variants"][0]["price"] == "1999"
    assert product["variants"][0]["currency"] == "JPY"
    created = post_order(client, key, {**order_body(("TEE-M", 1)), "shipping": "800"})
    assert created.status_code == 201, created.content
    assert (created.json()["total"], created.json()["currency"]) == ("3079", "JPY")


@pytest.mark.parametrize(
    ("shipping", "message"),
    [
        ("800.50", "JPY"),
        ("1" + "0" * 13, "no more than 12 digits before the decimal point"),
    ],
)
def test_an_api_order_with_an_amount_yen_cannot_hold_is_refused(yen, client, shipping, message):
    key = issue_key(yen.channel)
    response = post_order(client, key, {**order_body(("TEE-M", 1)), "shipping": shipping})
    assert response.status_code in (400, 422), response.content
    assert message in response.content.decode()
    assert Order.objects.count() == 0


def test_stripe_is_sent_whole_yen_as_they_are(yen, stripe_on, stripe_api):
    order = yen.placed((yen.tee, 1), (yen.mug, 3), shipping=Decimal("800"))
    session = checkout_session(order=order, amount=4861, currency="jpy")
    call = stub_checkout_session(stripe_api, session)
    payment_link_create(order=order, actor=SYSTEM)
    sent = parse_qs(call.calls[0].request.body)
    assert sent["line_items[0][price_data][currency]"] == ["jpy"]
    assert sent["line_items[0][price_data][unit_amount]"] == ["4861"]  # not 486100
    assert call.calls[0].request.url == f"{API}/v1/checkout/sessions"


def test_an_order_beyond_what_the_columns_hold_is_refused_with_a_message(yen, client):
    ProductVariant.objects.filter(pk=yen.tee.pk).update(price=Decimal("999999999999"))
    key = issue_key(yen.channel)
    response = post_order(client, key, {**order_body(("TEE-M", 2)), "shipping": "0"})
    assert response.status_code == 422, response.content
    assert "beyond the largest amount Backoffice records" in response.json()["detail"]
    assert Order.objects.count() == 0
