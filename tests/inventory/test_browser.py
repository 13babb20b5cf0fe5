"""A merchant's day in Chromium: create a product with two variants, receive stock, adjust
it, then read the ledger and the history diff."""

import pytest
from playwright.sync_api import expect

from backoffice import roles
from backoffice.actors import Actor
from inventory import services
from inventory.models import ProductVariant, Warehouse
from tests.factories import UserFactory


@pytest.fixture
def shop(committed_db):
    services.warehouse_save(
        warehouse=Warehouse(code="main", name="Main", is_default=True), actor=Actor.system("test")
    )
    UserFactory(username="merchant", password="shop-pass", roles=[roles.MERCHANT])


def sign_in(page, base):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "merchant")
    page.fill("#id_password", "shop-pass")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#dashboard")).to_be_visible()


def create_product_with_two_variants(page, base):
    page.goto(f"{base}/admin/inventory/product/add/")
    page.fill("#id_title", "Linen shirt")
    page.fill("#id_handle", "linen-shirt")
    page.fill("#id_option1_name", "Size")
    page.get_by_text("Product variants", exact=True).first.click()
    for row, (sku, size) in enumerate([("LIN-S", "S"), ("LIN-M", "M")]):
        page.get_by_text("Add another Product variant", exact=True).click()
        page.fill(f"#id_variants-{row}-sku", sku)
        page.fill(f"#id_variants-{row}-option1", size)
        page.fill(f"#id_variants-{row}-price", "49.00")
    page.locator("[name=_save]").click()
    expect(page.locator("body")).to_contain_text("was added successfully")


def receive_and_adjust(page, base):
    page.goto(f"{base}/admin/inventory/stocklevel/receive-new/")
    page.fill("#id_sku", "LIN-M")
    page.select_option("#id_warehouse", label="main — Main")
    page.fill("#id_quantity", "12")
    page.fill("#id_reference", "PO-1001")
    page.get_by_role("button", name="Receive").click()
    expect(page.locator("body")).to_contain_text("Received 12 × LIN-M (Linen shirt).")

    row = page.locator("tr", has_text="LIN-M")
    row.get_by_text("more_horiz").click()  # the row's action menu, opened over the page
    page.get_by_role("link", name="Adjust").click()
    page.fill("#id_delta", "-2")
    page.select_option("#id_reason", "damage")
    page.get_by_role("button", name="Adjust").click()
    expect(page.locator("body")).to_contain_text("Adjust stock: LIN-M @ main.")
    expect(page.locator("tr", has_text="LIN-M")).to_contain_text("10")


@pytest.mark.browser
def test_merchant_builds_a_product_moves_its_stock_and_reads_the_audit(
    shop,
    live_server,
    page,
):
    base = live_server.url
    sign_in(page, base)
    create_product_with_two_variants(page, base)
    assert sorted(ProductVariant.objects.values_list("sku", flat=True)) == ["LIN-M", "LIN-S"]

    receive_and_adjust(page, base)

    page.goto(f"{base}/admin/inventory/stockmovement/?q=LIN-M")
    ledger = page.locator("#result_list tbody tr")
    expect(ledger).to_have_count(2)
    expect(ledger.nth(0)).to_contain_text("Damage")
    expect(ledger.nth(0)).to_contain_text("-2")
    expect(ledger.nth(1)).to_contain_text("Receipt")
    expect(ledger.nth(1)).to_contain_text("PO-1001")

    variant = ProductVariant.objects.get(sku="LIN-M")
    page.goto(f"{base}/admin/inventory/productvariant/{variant.pk}/change/")
    page.fill("#id_price", "45.00")
    page.locator("[name=_save]").click()
    expect(page.locator("body")).to_contain_text("was changed successfully")
    page.goto(f"{base}/admin/inventory/productvariant/{variant.pk}/history/")
    expect(page.locator("body")).to_contain_text("49.00")
    expect(page.locator("body")).to_contain_text("45.00")
    expect(page.locator("body")).to_contain_text("merchant")
