"""What Shopify accepts, the import accepts: handles in any script, SKUs and barcodes up to 255
characters (comma lists from sync apps included), option names and tags as long as Shopify's,
grams with many decimals, prices of whole-number currencies in the millions, header names in
any case — and a Shopify export chosen as the wrong kind of file. Beyond Shopify's limits, a
row is refused by name and nothing is written."""

import unicodedata
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportBatch, ImportKind, ImportStatus
from inventory.models import Product, ProductVariant
from tests.conftest import set_store
from tests.factories import ChannelFactory, ProductFactory, VariantFactory
from tests.imports.conftest import csv_bytes, imported, preview, problems
from tests.imports.test_shopify import NEW_HEADER, rows

# Handles as real stores' exports have them.
UNICODE_HANDLES = [
    "nhẫn-1",  # Vietnamese
    "מארז-מחברות-1",  # Hebrew
    "❄️-ar-condicionado-portatil-ultracool™-resfriamento",  # emoji with its selector, ™
    "canasto-360º-serena",  # a masculine ordinal
    "kargo-ücretsi̇z",  # Turkish: i with a combining dot above, from lower-casing İ
    "👩‍💻-sticker",  # emoji joined by a zero-width joiner
    "中文-产品",  # Chinese
]


def product_row(handle: str, title: str, **cells) -> dict:
    return {
        "Handle": handle,
        "Title": title,
        "Option1 Name": "Title",
        "Option1 Value": "Default Title",
        "Variant Price": "10.00",
        "Variant Inventory Policy": "deny",
        "Status": "active",
        **cells,
    }


def shopify_file(*cells: dict, header=NEW_HEADER) -> bytes:
    return csv_bytes(rows(header, *cells))


def test_unicode_handles_import_whole_and_match_again(merchant):
    content = shopify_file(*(product_row(h, f"Product {n}") for n, h in enumerate(UNICODE_HANDLES)))
    batch = imported(merchant, content, kind="shopify")
    assert batch.counts["new"] == len(UNICODE_HANDLES)
    assert set(Product.objects.values_list("handle", flat=True)) == set(UNICODE_HANDLES)
    # The same file again finds every product by its handle: nothing new.
    again = imported(merchant, content, kind="shopify")
    assert again.counts["new"] == 0
    assert Product.objects.count() == len(UNICODE_HANDLES)


def test_a_decomposed_handle_is_the_same_product_as_its_composed_form(merchant):
    composed = "café-crème"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    imported(merchant, shopify_file(product_row(composed, "Café")), kind="shopify")
    batch = imported(merchant, shopify_file(product_row(decomposed, "Café crème")), kind="shopify")
    assert batch.counts["new"] == 0
    assert list(Product.objects.values_list("handle", "title")) == [(composed, "Café crème")]


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("two words", "holds a space (use - between words)"),
        ("a/b", "holds “/”: only letters, digits, - and _ make a handle"),
        ("=cmd", "holds “=”: only letters, digits, - and _ make a handle"),
        ("evil\u202etxt", "holds “U+202E”: only letters, digits, - and _ make a handle"),
        ("bell\x07", "holds “U+0007”: only letters, digits, - and _ make a handle"),
        ("x" * 256, "is longer than 255 characters"),
    ],
)
def test_a_handle_shopify_would_not_make_is_refused_and_nothing_written(merchant, handle, message):
    content = shopify_file(product_row("fine", "Fine"), product_row(handle, "Bad"))
    batch = preview(merchant, content, kind="shopify")
    assert batch.status == ImportStatus.INVALID
    assert [(row, column, msg) for row, column, _, msg in problems(batch)] == [
        (3, "Handle", message)
    ]
    assert not Product.objects.exists()


def test_skus_and_barcodes_up_to_shopifys_255_characters(merchant):
    long_sku = "S" * 255
    comma_list = ",".join(str(40_000_000_000 + n) for n in range(20))  # a sync app's id list
    assert 100 < len(comma_list) <= 255
    content = shopify_file(
        product_row("long-sku", "Long", **{"Variant SKU": long_sku, "Variant Barcode": "B" * 255}),
        product_row("comma-sku", "Comma", **{"Variant SKU": comma_list}),
    )
    batch = imported(merchant, content, kind="shopify")
    assert batch.counts["new"] == 2
    assert set(ProductVariant.objects.values_list("sku", "barcode")) == {
        (long_sku, "B" * 255),
        (comma_list, ""),
    }


def test_a_sku_beyond_255_characters_is_refused_by_row(merchant):
    content = shopify_file(product_row("too-long", "Too long", **{"Variant SKU": "S" * 256}))
    batch = preview(merchant, content, kind="shopify")
    assert problems(batch) == [(2, "Variant SKU", "S" * 200, "is longer than 255 characters")]
    assert not ProductVariant.objects.exists()


def test_option_names_and_tags_as_long_as_shopify_allows(merchant):
    option_name = "Ö" * 255
    tags = ", ".join(f"tag-{n}-" + "t" * 240 for n in range(250))  # 250 tags of 246+ chars
    content = shopify_file(
        product_row(
            "long-fields",
            "T" * 255,
            **{"Option1 Name": option_name, "Option1 Value": "V" * 255, "Tags": tags},
        )
    )
    imported(merchant, content, kind="shopify")
    product = Product.objects.get()
    assert (product.title, product.option1_name, product.tags) == ("T" * 255, option_name, tags)
    assert len(product.tag_list) == 250
    assert product.variants.get().option1 == "V" * 255


def test_grams_with_many_decimals_are_rounded_and_the_preview_says_so(merchant):
    content = shopify_file(
        product_row("poster", "Poster", **{
            "Variant Grams": "199.988875933", "Variant Weight Unit": "oz"}),
        product_row("frame", "Frame", **{
            "Variant Grams": "1133.980925", "Variant Weight Unit": "lb"}),
        product_row("card", "Card", **{"Variant Grams": "5.0", "Variant Weight Unit": "g"}),
    )  # fmt: skip
    batch = imported(merchant, content, kind="shopify")
    weights = dict(ProductVariant.objects.values_list("product__handle", "weight"))
    # 199.988875933 g = 7.05436… oz; 1133.980925 g = 2.5 lb exactly; 5 g.
    assert weights == {"poster": Decimal("7.054"), "frame": Decimal("2.500"), "card": Decimal("5")}
    assert (
        "1 weight(s) rounded to 0.001 of their unit (Variant Grams had more decimals than "
        "Backoffice keeps)." in batch.preview["notices"]
    )


def test_whole_number_currency_prices_in_the_millions(merchant, store):
    set_store(currency="VND")
    content = shopify_file(
        product_row("ring", "Nhẫn vàng", **{"Variant Price": "25000000",
                                             "Variant Compare At Price": "31500000.00"}),
    )  # fmt: skip
    imported(merchant, content, kind="shopify")
    variant = ProductVariant.objects.get()
    assert (variant.price, variant.compare_at_price) == (Decimal("25000000"), Decimal("31500000"))


def test_a_price_finer_than_the_currency_or_beyond_the_columns_is_refused(merchant, store):
    set_store(currency="JPY")
    content = shopify_file(
        product_row("half-yen", "Half", **{"Variant Price": "1500.5"}),
        product_row("too-big", "Big", **{"Variant Price": "1000000000000"}),
    )
    batch = preview(merchant, content, kind="shopify")
    assert [(row, column, msg) for row, column, _, msg in problems(batch)] == [
        (2, "Variant Price", "has more decimals than JPY prices have (in whole units)"),
        (3, "Variant Price", "is beyond the largest amount Backoffice records (999999999999)"),
    ]
    assert not Product.objects.exists()


def test_header_names_in_any_case_and_spacing(merchant):
    header = [" handle", "TITLE", "variant  price", "Variant sku", "option1 name", "Option1 VALUE"]
    content = csv_bytes([header, ["mug", "Mug", "9.50", "MUG-1", "Title", "Default Title"]])
    imported(merchant, content, kind="shopify")
    variant = ProductVariant.objects.select_related("product").get()
    assert (variant.product.title, variant.sku, variant.price) == ("Mug", "MUG-1", Decimal("9.50"))


def test_one_column_twice_in_different_case_is_refused(merchant):
    content = csv_bytes([["Handle", "Title", "title"], ["mug", "Mug", "Cup"]])
    with pytest.raises(Exception, match="'Title' and 'title' are the same column 'Title'"):
        preview(merchant, content, kind="shopify")
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("chosen", [ImportKind.PRODUCTS, ImportKind.PRICES, ImportKind.STOCK])
def test_a_shopify_export_chosen_as_another_kind_is_read_as_shopify(merchant, chosen):
    content = shopify_file(product_row("mug", "Mug", **{"Variant SKU": "MUG-1"}))
    batch = preview(merchant, content, kind=chosen)
    assert (batch.kind, batch.status) == (ImportKind.SHOPIFY, ImportStatus.READY)
    assert batch.counts["new"] == 1


def test_the_admin_says_the_file_was_read_as_shopify(merchant, client):
    client.force_login(merchant)
    content = shopify_file(product_row("mug", "Mug"))
    response = client.post(
        reverse("admin:imports_importbatch_new_import"),
        {"kind": ImportKind.PRODUCTS, "file": SimpleUploadedFile("products_export_1.csv", content)},
        follow=True,
    )
    batch = ImportBatch.objects.get()
    assert batch.kind == ImportKind.SHOPIFY
    assert (
        "This file is a Shopify products CSV file; it is previewed as one (you chose Products "
        "and variants)." in response.content.decode()
    )


def test_a_native_file_is_not_taken_for_shopify(merchant):
    content = csv_bytes([["handle", "title", "sku", "price"], ["mug", "Mug", "MUG-1", "9.50"]])
    batch = preview(merchant, content, kind=ImportKind.PRODUCTS)
    assert (batch.kind, batch.status) == (ImportKind.PRODUCTS, ImportStatus.READY)


def test_the_product_form_keeps_an_imported_unicode_handle(merchant, rf):
    """A merchant can edit and save a product that came in with a Unicode handle."""
    from django.contrib.admin import site

    product = ProductFactory(handle="מארז-מחברות-1", title="Notebooks")
    request = rf.post("/")
    request.user = merchant
    form_class = site._registry[Product].get_form(request, product)
    data = {**form_class(instance=product).initial, "title": "Notebook set", "tax_class": ""}
    data = {key: value for key, value in data.items() if value is not None}
    form = form_class(data, instance=product)
    assert form.is_valid(), form.errors
    bad = form_class({**data, "handle": "two words"}, instance=product)
    assert not bad.is_valid()
    assert bad.errors["handle"] == ["The handle holds a space (use - between words)."]


def test_the_storefront_api_finds_a_product_by_its_unicode_handle(client, db):
    from urllib.parse import quote

    from tests.integrations.api_helpers import get, issue_key

    product = ProductFactory(handle="nhẫn-1", status="active")
    VariantFactory(product=product, sku="RING-1")
    key = issue_key(ChannelFactory())
    response = get(client, f"/products/{quote(product.handle)}", key)
    assert response.status_code == 200, response.content
    assert response.json()["handle"] == "nhẫn-1"
