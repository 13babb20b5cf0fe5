"""Stock for every variant, SKU or not: found by SKU (any case), a scanned barcode, or words of
its title and options; received from its own page and the product's variants tab; moved by
the row operations; counted by a stock count file that names it by barcode or by handle and
options."""

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from imports.models import ImportStatus
from inventory import services
from inventory.models import StockLevel, StockMovement
from inventory.selectors import variant_find
from tests.factories import ProductFactory, UserFactory, VariantFactory, WarehouseFactory
from tests.imports.conftest import csv_bytes, imported, preview, problems

SYSTEM = Actor.system("test")
RECEIVE = "/admin/inventory/stocklevel/receive-new/"


@pytest.fixture
def shirts(db):
    """A linen shirt in S and M without SKUs (as many Shopify catalogs have), and a tee with
    one; the default warehouse and a second one."""
    WarehouseFactory(code="main", name="Main", is_default=True)
    WarehouseFactory(code="east", name="East")
    shirt = ProductFactory(title="Linen Shirt", handle="linen-shirt", option1_name="Size")
    small = VariantFactory(product=shirt, sku=None, option1="S", barcode="4006381333931")
    medium = VariantFactory(product=shirt, sku=None, option1="M", barcode="4006381333948")
    tee = VariantFactory(sku="TEE-Blue-M", product__title="Tee", option1="M")
    return small, medium, tee


def ledger():
    return list(StockMovement.objects.values_list("variant_id", "warehouse__code", "on_hand_delta"))


def test_the_picker_finds_by_sku_barcode_or_title_and_options(shirts):
    small, medium, tee = shirts
    assert variant_find("tee-blue-m") == [tee]  # a SKU, whatever its case
    assert variant_find("4006381333948") == [medium]  # a scanned barcode
    assert variant_find("'4006381333931") == [small]  # as a spreadsheet wrote it
    assert variant_find("linen shirt s") == [small]
    assert variant_find("  Linen   Shirt ") == [small, medium]
    assert variant_find("M") == [medium, tee]
    assert variant_find("nothing like it") == []


def test_a_scanned_barcode_in_the_box_receives_a_variant_without_sku(shirts, client, merchant):
    _small, medium, _tee = shirts
    east = WarehouseFactory._meta.model.objects.get(code="east")
    client.force_login(merchant)
    response = client.post(
        RECEIVE, {"sku": "4006381333948", "warehouse": east.pk, "quantity": 6}, follow=True
    )
    assert "Received 6 × M (Linen Shirt)." in response.content.decode()
    assert StockLevel.objects.get(variant=medium, warehouse=east).on_hand == 6
    assert ledger() == [(medium.pk, "east", 6)]


def test_several_matches_are_offered_and_the_chosen_one_is_received(shirts, client, merchant):
    small, _medium, _tee = shirts
    main = WarehouseFactory._meta.model.objects.get(code="main")
    client.force_login(merchant)
    page = client.post(RECEIVE, {"sku": "linen shirt", "warehouse": main.pk, "quantity": 2})
    content = page.content.decode()
    assert "2 variants match &#x27;linen shirt&#x27;: choose one." in content
    assert "Linen Shirt — S" in content and "Linen Shirt — M" in content
    assert ledger() == []
    client.post(
        RECEIVE, {"sku": "linen shirt", "variant": small.pk, "warehouse": main.pk, "quantity": 2}
    )
    assert ledger() == [(small.pk, "main", 2)]


def test_nothing_found_or_nothing_named_is_refused_and_nothing_written(shirts, client, merchant):
    main = WarehouseFactory._meta.model.objects.get(code="main")
    client.force_login(merchant)
    unknown = client.post(RECEIVE, {"sku": "NOPE", "warehouse": main.pk, "quantity": 2})
    assert (
        "No variant has the SKU or barcode &#x27;NOPE&#x27;, or a title that matches it."
        in unknown.content.decode()
    )
    blank = client.post(RECEIVE, {"sku": "", "warehouse": main.pk, "quantity": 2})
    assert "Name the variant: its SKU, its barcode, or its title." in blank.content.decode()
    forged = client.post(RECEIVE, {"variant": "99999", "warehouse": main.pk, "quantity": 2})
    assert "That variant does not exist (any more): find it again." in forged.content.decode()
    assert ledger() == [] and not StockLevel.objects.exists()


def test_the_variant_page_receives_its_own_stock(shirts, client, merchant):
    small, _medium, _tee = shirts
    east = WarehouseFactory._meta.model.objects.get(code="east")
    client.force_login(merchant)
    go = client.get(reverse("admin:inventory_productvariant_receive_stock", args=[small.pk]))
    assert go.status_code == 302 and go.url == f"{RECEIVE}?variant={small.pk}"
    form = client.get(go.url).content.decode()
    assert "Linen Shirt — S" in form and "4006381333931" in form
    client.post(go.url, {"variant": small.pk, "warehouse": east.pk, "quantity": 4})
    assert ledger() == [(small.pk, "east", 4)]


def test_the_variant_page_links_each_warehouse_row_to_its_operations(shirts, client, merchant):
    small, _medium, _tee = shirts
    main = WarehouseFactory._meta.model.objects.get(code="main")
    services.stock_receive(variant=small, warehouse=main, quantity=10, actor=SYSTEM)
    level = StockLevel.objects.get(variant=small, warehouse=main)
    client.force_login(merchant)
    page = client.get(reverse("admin:inventory_productvariant_change", args=[small.pk]))
    content = page.content.decode()
    for name in ("receive", "adjust", "count", "transfer"):
        assert f"/admin/inventory/stocklevel/{level.pk}/{name}/" in content
    client.post(f"/admin/inventory/stocklevel/{level.pk}/count/", {"quantity": 7})
    east = WarehouseFactory._meta.model.objects.get(code="east")
    client.post(
        f"/admin/inventory/stocklevel/{level.pk}/transfer/",
        {"to_warehouse": east.pk, "quantity": 3},
    )
    levels = dict(
        StockLevel.objects.filter(variant=small).values_list("warehouse__code", "on_hand")
    )
    assert levels == {"main": 4, "east": 3}


def test_the_products_variants_tab_links_every_variant_to_its_stock(shirts, client, merchant):
    small, medium, _tee = shirts
    client.force_login(merchant)
    page = client.get(reverse("admin:inventory_product_change", args=[small.product_id]))
    content = page.content.decode()
    for variant in (small, medium):
        assert f"{RECEIVE}?variant={variant.pk}" in content


def test_a_role_that_cannot_move_stock_has_no_receive_button(shirts, client, accountant):
    small, _medium, _tee = shirts
    client.force_login(accountant)
    response = client.get(reverse("admin:inventory_productvariant_receive_stock", args=[small.pk]))
    assert response.status_code in (302, 403)
    assert not response.get("Location", "").startswith(RECEIVE)
    assert client.get(f"{RECEIVE}?variant={small.pk}").status_code == 403
    assert ledger() == []


def test_a_stock_count_file_names_variants_by_sku_barcode_or_handle_and_options(shirts, merchant):
    small, medium, tee = shirts
    content = csv_bytes([
        ["sku", "barcode", "handle", "option1", "warehouse", "counted"],
        ["TEE-Blue-M", "", "", "", "main", "5"],
        ["", "'4006381333931", "", "", "main", "8"],
        ["", "", "linen-shirt", "M", "east", "3"],
    ])  # fmt: skip
    imported(merchant, content, kind="stock")
    levels = {
        (level.variant_id, level.warehouse.code): level.on_hand
        for level in StockLevel.objects.select_related("warehouse")
    }
    assert levels == {(tee.pk, "main"): 5, (small.pk, "main"): 8, (medium.pk, "east"): 3}


def test_a_stock_count_row_that_names_no_single_variant_is_refused(shirts, merchant):
    _small, medium, _tee = shirts
    twin = VariantFactory(sku=None, option1="L", barcode=medium.barcode)
    content = csv_bytes([
        ["barcode", "handle", "option1", "warehouse", "counted"],
        [medium.barcode, "", "", "main", "1"],
        ["", "linen-shirt", "XL", "main", "1"],
        ["", "", "", "main", "1"],
    ])  # fmt: skip
    batch = preview(merchant, content, kind="stock")
    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [
        (2, "barcode", medium.barcode,
         "is the barcode of 2 variants: give the SKU, or the handle and options"),
        (3, "handle", "linen-shirt", "has no variant with the options XL"),
        (4, "sku", "", "name the variant: its sku, its barcode, or its handle"),
    ]  # fmt: skip
    assert twin.pk and ledger() == []


def test_a_stock_count_file_without_any_variant_column_is_refused(shirts, merchant):
    content = csv_bytes([["warehouse", "counted"], ["main", "1"]])
    with pytest.raises(Exception, match="names each variant by a sku, barcode or handle column"):
        preview(merchant, content, kind="stock")


def test_user_without_stock_rights_gets_no_operation_links(shirts, client):
    viewer = UserFactory(username="viewer")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_productvariant"))
    small, _medium, _tee = shirts
    main = WarehouseFactory._meta.model.objects.get(code="main")
    services.stock_receive(variant=small, warehouse=main, quantity=2, actor=SYSTEM)
    level = StockLevel.objects.get(variant=small, warehouse=main)
    client.force_login(viewer)
    page = client.get(reverse("admin:inventory_productvariant_change", args=[small.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "receive-stock" not in content
    assert f"/admin/inventory/stocklevel/{level.pk}/" not in content
    assert client.post(f"/admin/inventory/stocklevel/{level.pk}/adjust/").status_code == 403
