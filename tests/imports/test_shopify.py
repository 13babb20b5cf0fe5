"""Shopify product exports, written from the format notes: products over several rows,
image-only rows, "Default Title", old and new column sets, metafield columns, spreadsheet
apostrophes, weights in four units, categories from a path or a type, shared SKUs."""

from decimal import Decimal

from backoffice.actors import Actor
from imports.models import ImportItem
from imports.revert import import_revert
from inventory.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    StockLevel,
    TaxClass,
)
from tests.factories import ProductFactory, TaxClassFactory, VariantFactory
from tests.imports.conftest import csv_bytes, imported, preview, problems

NEW_HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
    "Published", "Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name",
    "Option2 Value", "Option2 Linked To", "Option3 Name", "Option3 Value", "Option3 Linked To",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src",
    "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Google Shopping / Gender", "Variant Image", "Variant Weight Unit", "Variant Tax Code",
    "Cost per item", "Status", "Color (product.metafields.shopify.color-pattern)",
]  # fmt: skip
OLD_HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name",
    "Option3 Value", "Variant SKU", "Variant Grams", "Variant Inventory Tracker",
    "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service",
    "Variant Price", "Variant Compare At Price", "Variant Requires Shipping",
    "Variant Taxable", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text",
    "Gift Card", "Variant Weight Unit",
]  # fmt: skip
CDN = "https://cdn.shopify.example/files"


def rows(header: list[str], *cells: dict) -> list[list[str]]:
    return [header, *([row.get(c, "") for c in header] for row in cells)]


def new_export() -> bytes:
    return csv_bytes(rows(
        NEW_HEADER,
        {
            "Handle": "classic-tee", "Title": "Classic Tee", "Body (HTML)": "<p>Soft\ncotton</p>",
            "Vendor": "Acme", "Product Category": "Apparel & Accessories > Clothing > Shirts",
            "Type": "Shirts", "Tags": "cotton, summer", "Published": "true",
            "Option1 Name": "Size", "Option1 Value": "S", "Option2 Name": "Color",
            "Option2 Value": "Red", "Variant SKU": "TEE-S-RED", "Variant Grams": "200.0",
            "Variant Inventory Tracker": "shopify", "Variant Inventory Policy": "deny",
            "Variant Fulfillment Service": "manual", "Variant Price": "19.00",
            "Variant Compare At Price": "25.00", "Variant Requires Shipping": "true",
            "Variant Taxable": "true", "Variant Barcode": "'7350177880121",
            "Image Src": f"{CDN}/tee-front.jpg", "Image Position": "1",
            "Image Alt Text": "Front", "Gift Card": "false", "SEO Title": "Classic Tee",
            "Variant Weight Unit": "g", "Cost per item": "7.50", "Status": "active",
            "Color (product.metafields.shopify.color-pattern)": "red",
        },
        {
            "Handle": "classic-tee", "Option1 Value": "M", "Option2 Value": "Red",
            "Variant SKU": "TEE-M-RED", "Variant Grams": "210", "Variant Price": "19.00",
            "Variant Inventory Policy": "deny", "Image Src": f"{CDN}/tee-back.jpg",
            "Image Position": "2", "Image Alt Text": "Back", "Variant Weight Unit": "g",
            "Cost per item": "7.50",
        },
        {"Handle": "classic-tee", "Image Src": f"{CDN}/tee-side.jpg", "Image Position": "3"},
        {
            "Handle": "mug", "Title": "Mug", "Body (HTML)": "<p>Stoneware</p>",
            "Vendor": "Acme", "Type": "Kitchen", "Published": "TRUE",
            "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": "JUNK-1,2",
            "Variant Grams": "350", "Variant Inventory Policy": "continue",
            "Variant Price": "9.50", "Variant Weight Unit": "kg", "Cost per item": "3.00",
            "Status": "draft",
        },
        {
            "Handle": "cap", "Title": "Cap", "Vendor": "Acme", "Published": "FALSE",
            "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": "JUNK-1,2",
            "Variant Grams": "100", "Variant Inventory Policy": "deny", "Variant Price": "12.00",
            "Variant Weight Unit": "oz", "Status": "active",
        },
    ))  # fmt: skip


def test_a_new_export_comes_in_as_products_variants_images_and_categories(merchant):
    batch = imported(merchant, new_export(), kind="shopify", name="products_export_1.csv")
    assert batch.preview["counts"] == {"new": 5, "changed": 0, "unchanged": 0, "invalid": 0}

    tee = Product.objects.get(handle="classic-tee")
    assert (tee.title, tee.vendor, tee.product_type, tee.tags, tee.status) == (
        "Classic Tee", "Acme", "Shirts", "cotton, summer", "active",
    )  # fmt: skip
    assert tee.description == "<p>Soft\ncotton</p>"
    assert (tee.option1_name, tee.option2_name, tee.seo_title) == ("Size", "Color", "Classic Tee")
    assert tee.category.full_path == "Apparel & Accessories › Clothing › Shirts"
    variants = list(tee.variants.order_by("position"))
    assert [(v.sku, v.option1, v.option2) for v in variants] == [
        ("TEE-S-RED", "S", "Red"),
        ("TEE-M-RED", "M", "Red"),
    ]
    small = variants[0]
    assert (small.price, small.compare_at_price, small.cost) == (
        Decimal("19.00"), Decimal("25.00"), Decimal("7.50"),
    )  # fmt: skip
    assert (small.barcode, small.weight, small.weight_unit) == ("7350177880121", 200, "g")
    assert variants[1].compare_at_price is None
    images = list(tee.images.order_by("position").values_list("source_url", "position", "alt_text"))
    assert images == [
        (f"{CDN}/tee-front.jpg", 1, "Front"),
        (f"{CDN}/tee-back.jpg", 2, "Back"),
        (f"{CDN}/tee-side.jpg", 3, ""),  # an image-only row: an image, no variant
    ]


def test_default_title_units_and_a_shared_sku(merchant):
    batch = imported(merchant, new_export(), kind="shopify")
    mug = Product.objects.get(handle="mug")
    cap = Product.objects.get(handle="cap")
    # A blank Product Category is no category (the Type is only the product type).
    assert (mug.option1_name, mug.status, mug.category) == ("", "draft", None)
    assert mug.product_type == "Kitchen"
    (mug_variant,) = mug.variants.all()
    assert (mug_variant.option1, mug_variant.option2, mug_variant.option3) == ("", "", "")
    assert (mug_variant.weight, mug_variant.weight_unit) == (Decimal("0.350"), "kg")
    assert (mug_variant.inventory_policy, mug_variant.sku) == ("continue", "JUNK-1,2")
    (cap_variant,) = cap.variants.all()
    # 100 g shown in ounces; the second variant with the same SKU comes in without one.
    assert (cap_variant.weight, cap_variant.weight_unit) == (Decimal("3.527"), "oz")
    assert cap_variant.sku is None
    assert cap.category is None
    assert (
        "Row 6: the SKU “JUNK-1,2” is also on row 5; this variant is imported without "
        "a SKU and is matched by its options." in batch.preview["notices"]
    )
    assert "1 metafield column(s) are not imported." in batch.preview["notices"]


def test_reimporting_the_same_export_changes_nothing_and_writes_no_history(merchant):
    imported(merchant, new_export(), kind="shopify")
    history = history_counts()
    again = imported(merchant, new_export(), kind="shopify")
    assert again.preview["counts"] == {"new": 0, "changed": 0, "unchanged": 5, "invalid": 0}
    assert again.preview["rows"] == []
    assert history_counts() == history
    assert ImportItem.objects.filter(batch=again).count() == 0


def history_counts() -> tuple:
    return tuple(
        model.history.count() for model in (Product, ProductVariant, ProductImage, Category)
    )


def test_a_changed_export_changes_only_what_differs(merchant):
    imported(merchant, new_export(), kind="shopify")
    content = new_export().replace(b"19.00,25.00", b"21.00,25.00").replace(b"Front", b"Front view")
    batch = imported(merchant, content, kind="shopify")
    assert batch.preview["counts"] == {"new": 0, "changed": 1, "unchanged": 4, "invalid": 0}
    assert batch.preview["rows"] == [
        [2, "variant classic-tee TEE-S-RED", "changed", [["price", "19.00", "21.00"]]],
        [2, "image classic-tee tee-front.jpg", "changed", [["alt_text", "Front", "Front view"]]],
    ]
    assert ProductVariant.objects.get(sku="TEE-S-RED").price == Decimal("21.00")
    assert ProductVariant.objects.get(sku="TEE-M-RED").price == Decimal("19.00")


def test_an_old_export_without_status_or_cost_uses_published(merchant):
    content = csv_bytes(rows(
        OLD_HEADER,
        {
            "Handle": "wool-socks", "Title": "Wool Socks", "Vendor": "Knit Co", "Type": "Socks",
            "Tags": "wool", "Published": "FALSE", "Option1 Name": "Size",
            "Option1 Value": "39-42", "Variant SKU": "SOCK-39", "Variant Grams": "80",
            "Variant Inventory Qty": "12", "Variant Inventory Policy": "deny",
            "Variant Price": "12.50", "Variant Weight Unit": "lb",
        },
        {
            "Handle": "wool-socks", "Option1 Value": "43-46", "Variant SKU": "SOCK-43",
            "Variant Grams": "90", "Variant Inventory Qty": "4", "Variant Price": "12.50",
            "Variant Weight Unit": "lb",
        },
    ))  # fmt: skip
    batch = imported(merchant, content, kind="shopify")
    socks = Product.objects.get(handle="wool-socks")
    assert (socks.status, socks.category.full_path) == ("draft", "Socks")
    weights = list(socks.variants.order_by("position").values_list("sku", "weight", "cost"))
    assert weights == [("SOCK-39", Decimal("0.176"), None), ("SOCK-43", Decimal("0.198"), None)]
    assert StockLevel.objects.count() == 0  # no warehouse chosen at the apply: no stock
    assert batch.preview["opening_stock"] == {"variants": 2, "units": 16}


def test_a_variant_row_of_another_product_in_between_is_refused(merchant):
    content = csv_bytes(rows(
        OLD_HEADER,
        {"Handle": "a", "Title": "A", "Option1 Name": "Title",
         "Option1 Value": "Default Title", "Variant Price": "1.00"},
        {"Handle": "b", "Title": "B", "Option1 Name": "Title",
         "Option1 Value": "Default Title", "Variant Price": "1.00"},
        {"Handle": "a", "Image Src": f"{CDN}/late.jpg"},
    ))  # fmt: skip
    batch = preview(merchant, content, kind="shopify")
    assert batch.status == "invalid"
    assert batch.preview["problems"] == [
        {
            "row": 4,
            "column": "Handle",
            "value": "a",
            "message": "rows of this product must follow row 2",
        }
    ]
    assert Product.objects.count() == 0


def taxable_export(*products: tuple[str, list[str]]) -> bytes:
    """One product per (handle, [Variant Taxable of each variant])."""
    return csv_bytes(rows(
        NEW_HEADER,
        *(
            {
                "Handle": handle, "Title": handle.title(), "Option1 Name": "Size",
                "Option1 Value": f"S{number}", "Variant Price": "10.00",
                "Variant Taxable": taxable, "Status": "active",
            }
            for handle, taxables in products
            for number, taxable in enumerate(taxables)
        ),
    ))  # fmt: skip


def test_variant_taxable_false_is_the_exempt_class_and_true_the_default(merchant):
    exempt = TaxClass.objects.get(exempt=True)
    reduced = TaxClassFactory(name="Reduced", rate=Decimal("5.5"))
    kept = ProductFactory(handle="kept", tax_class=reduced)
    VariantFactory(product=kept, option1="S0", price=Decimal("10.00"))
    was_exempt = ProductFactory(handle="was-exempt", tax_class=exempt)
    VariantFactory(product=was_exempt, option1="S0", price=Decimal("10.00"))
    content = taxable_export(
        ("book", ["false", "FALSE"]),
        ("tee", ["true"]),
        ("kept", ["true"]),
        ("was-exempt", ["TRUE"]),
        ("mixed", ["true", "false"]),
    )
    batch = imported(merchant, content, kind="shopify")

    classes = dict(Product.objects.values_list("handle", "tax_class__name"))
    assert classes == {
        "book": exempt.name,  # untaxed goods: the exempt class, chosen, never "no class"
        "tee": None,  # taxed at the store's default class
        "kept": "Reduced",  # a taxed class of its own stays
        "was-exempt": None,  # taxable now: back to the default class
        "mixed": None,  # taxed as a whole
    }
    assert (
        "mixed: some variants are taxable and others not; Backoffice taxes a product as a "
        "whole, so all of them are taxed."
    ) in batch.preview["notices"]
    assert "Variant Taxable" not in " ".join(batch.preview["notices"])
    again = imported(merchant, content, kind="shopify")
    assert again.preview["counts"]["changed"] == 0

    import_revert(batch=batch, actor=Actor.for_user(merchant))
    assert Product.objects.get(handle="was-exempt").tax_class == exempt
    assert not Product.objects.filter(handle="book").exists()


def test_variant_taxable_false_without_an_exempt_class_is_refused_and_writes_nothing(merchant):
    TaxClass.objects.filter(exempt=True).delete()
    batch = preview(merchant, taxable_export(("book", ["false"]), ("zine", ["maybe"])), "shopify")
    found = sorted(problems(batch))
    message = "is false, and no exempt tax class exists: create one first"
    assert found[0] == (2, "Variant Taxable", "false", message)
    assert (len(found), found[1][:3]) == (2, (3, "Variant Taxable", "maybe"))
    assert Product.objects.count() == 0
