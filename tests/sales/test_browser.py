"""An order's life in Chromium: the merchant creates an order for two variants, marks it paid
and ships it; the ledger shows the shipment; the accountant opens the invoice's PDF."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backoffice import roles
from backoffice.actors import Actor
from inventory.services import stock_receive
from sales.models import Order
from tests.conftest import pdf_text, set_store
from tests.factories import (
    AddressFactory,
    ChannelFactory,
    CustomerFactory,
    TaxClassFactory,
    UserFactory,
    VariantFactory,
    WarehouseFactory,
)

SYSTEM = Actor.system("test")


@pytest.fixture
def shop(committed_db):
    main = WarehouseFactory(code="main", name="Main", is_default=True)
    standard = TaxClassFactory(name="Standard", rate=Decimal("20"))
    set_store(shipping_tax_class=standard)
    for sku, price in [("LIN-S", "49.00"), ("MUG-1", "12.00")]:
        variant = VariantFactory(sku=sku, price=Decimal(price), product__tax_class=standard)
        stock_receive(variant=variant, warehouse=main, quantity=10, actor=SYSTEM)
    ChannelFactory(code="web", name="Web shop")
    AddressFactory(customer=CustomerFactory(email="ines@example.com", first_name="Inès"))
    UserFactory(username="merchant", password="shop-pass", roles=[roles.MERCHANT])
    UserFactory(username="accountant", password="books-pass", roles=[roles.ACCOUNTANT])


def sign_in(page, base, username, password):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#dashboard")).to_be_visible()


def choose(page, container, text):
    """Pick `text` in a select2 autocomplete."""
    page.locator(container).click()
    page.locator(".select2-search__field").last.fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def create_draft(page, base):
    page.goto(f"{base}/admin/sales/order/add/")
    page.select_option("#id_channel", label="Web shop")
    choose(page, "#select2-id_customer-container", "ines@example.com")
    page.fill("#id_shipping", "5.00")
    page.get_by_text("Order lines", exact=True).first.click()
    for row, sku in enumerate(["LIN-S", "MUG-1"]):
        page.get_by_text("Add another Order line", exact=True).click()
        choose(page, f"#select2-id_lines-{row}-variant-container", sku)
        page.fill(f"#id_lines-{row}-quantity", "2")
    page.locator("[name=_save]").click()
    expect(page.locator("body")).to_contain_text("was added successfully")


def run_action(page, base, order, path, fill=None):
    page.goto(f"{base}/admin/sales/order/{order.pk}/change/")
    page.locator(f"a[href$='/{order.pk}/{path}/']").first.click()
    for selector, value in (fill or {}).items():
        if selector.startswith("select:"):
            page.select_option(selector.removeprefix("select:"), label=value)
        else:
            page.fill(selector, value)
    page.locator("#action-form [type=submit]").click()
    expect(page.locator("body")).to_contain_text(order.number)


@pytest.mark.browser
def test_merchant_sells_ships_and_the_accountant_reads_the_invoice(shop, live_server, page):
    base = live_server.url
    sign_in(page, base, "merchant", "shop-pass")
    create_draft(page, base)
    order = Order.objects.get()
    assert order.total == Decimal("152.40")  # (98 + 24 + 5) × 1.2

    run_action(page, base, order, "place")
    run_action(page, base, order, "mark-paid", {"#id_reference": "TR-77"})
    run_action(page, base, order, "fulfil", {"select:#id_warehouse": "main — Main"})
    run_action(page, base, order, "issue-invoice")
    expect(page.locator("body")).to_contain_text("Invoice INV-")

    page.goto(f"{base}/admin/inventory/stockmovement/?q={order.number}")
    shipments = page.locator("#result_list tbody tr", has_text="Shipment")
    expect(shipments).to_have_count(2)
    expect(shipments.first).to_contain_text("-2")

    page.context.clear_cookies()
    sign_in(page, base, "accountant", "books-pass")
    order.refresh_from_db()
    page.goto(f"{base}/admin/sales/invoice/")
    pdf_link = page.locator("#result_list a", has_text="PDF").first
    pdf = page.request.get(base + pdf_link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert order.invoice.number in text
    assert "LIN-S" in text
    assert "€152.40" in text


@pytest.mark.browser
def test_merchant_refunds_a_paid_order_before_shipping_and_it_cannot_ship(
    shop, live_server, page, tmp_path
):
    base = live_server.url
    sign_in(page, base, "merchant", "shop-pass")
    create_draft(page, base)
    order = Order.objects.get()
    run_action(page, base, order, "place")
    run_action(page, base, order, "mark-paid", {"#id_reference": "TR-78"})

    page.goto(f"{base}/admin/sales/order/{order.pk}/refund/")
    page.locator("#action-form [type=submit]").click()  # nothing chosen
    expect(page.locator("body")).to_contain_text("Choose what to refund")
    page.locator("label[for=id_whole_payment], #id_whole_payment").first.click()
    page.locator("#action-form [type=submit]").click()
    confirmation = page.locator("#action-confirmation")
    expect(confirmation).to_contain_text("Refund €152.40 of the payment.")
    expect(confirmation).to_contain_text("the 4 other unit(s) still to ship are cancelled")
    page.screenshot(path=str(tmp_path / "refund-confirmation.png"), full_page=True)
    order.refresh_from_db()
    assert order.amount_refunded == 0  # nothing until confirmed
    page.locator("#action-form [type=submit]").click()
    expect(page.locator("body")).to_contain_text("Refunded 152.40 EUR")

    expect(page.locator(f"a[href$='/{order.pk}/fulfil/']")).to_have_count(0)
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == ("refunded", Decimal("152.40"))
