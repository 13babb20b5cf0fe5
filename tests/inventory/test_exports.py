"""Catalog and stock exports through the admin (Django's test client posts the export form and
reads the file back with csv and openpyxl), the Shopify products CSV, and large exports that
become background runs."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice import exports
from backoffice.actors import Actor
from inventory import services
from inventory.models import Product, ProductImage, TaxClass
from inventory.resources import (
    CATEGORY_COLUMNS,
    PRICE_COLUMNS,
    PRODUCT_COLUMNS,
    STOCK_COLUMNS,
    ProductResource,
)
from inventory.shopify_export import SHOPIFY_COLUMNS, shopify_rows, write_shopify_csv
from reporting.models import ReportRun, RunStatus
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    TaxClassFactory,
    UserFactory,
    VariantFactory,
    WarehouseFactory,
)

SYSTEM = Actor.system("test")
PRODUCTS = "/admin/inventory/product/export/"
CATEGORIES = "/admin/inventory/category/export/"
STOCK = "/admin/inventory/stocklevel/export/"
DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.fixture
def catalog(db):
    """A shirt with two options and three images (one for its second variant), a mug without
    options, and a product without variants."""
    apparel = CategoryFactory(name="Apparel", slug="apparel", full_path="Apparel")
    shirts = CategoryFactory(
        name="Shirts", slug="shirts", parent=apparel, full_path="Apparel › Shirts"
    )
    standard = TaxClassFactory(name="Standard", rate=Decimal("20"))
    shirt = ProductFactory(
        title="Linen shirt",
        handle="linen-shirt",
        description="<p>Soft,\nwashed linen.</p>",
        tags="linen, summer",
        category=shirts,
        tax_class=standard,
        seo_title="Linen shirt | Acme",
        seo_description="A soft shirt",
        option1_name="Size",
        option2_name="Color",
    )
    medium = VariantFactory(
        product=shirt,
        sku="SHIRT-M",
        barcode="3700000000017",
        option1="M",
        option2="White",
        price=Decimal("39.00"),
        compare_at_price=Decimal("49.00"),
        cost=Decimal("12.50"),
        weight=Decimal("0.250"),
        weight_unit="kg",
        position=1,
    )
    large = VariantFactory(
        product=shirt,
        sku="SHIRT-L",
        option1="L",
        option2="White",
        price=Decimal("39.00"),
        cost=None,
        inventory_policy="continue",
        active=False,
        position=2,
    )
    for position, (url, alt, variant) in enumerate(
        [
            ("https://cdn.example.com/shirt-front.jpg", "Front", None),
            ("https://cdn.example.com/shirt-large.jpg", "Large", large),
            ("https://cdn.example.com/shirt-back.jpg", "Back", None),
        ],
        start=1,
    ):
        ProductImage.objects.create(
            product=shirt, source_url=url, alt_text=alt, variant=variant, position=position
        )
    mug = ProductFactory(
        title="Mug", handle="mug", product_type="Kitchen", status="draft", option1_name=""
    )
    VariantFactory(
        product=mug,
        sku="MUG",
        option1="",
        price=Decimal("12.00"),
        cost=Decimal("4.00"),
        weight=Decimal("1.500"),
        weight_unit="lb",
    )
    ProductFactory(title="Bare product", handle="bare-product", status="archived", option1_name="")
    return {"shirt": shirt, "medium": medium, "large": large, "mug": mug}


# --- helpers ----------------------------------------------------------------------------------


def format_index(page, title: str) -> str:
    choices = {label: value for value, label in page.context["form"].fields["format"].choices}
    return choices[title]


def export(client, url, title="csv", resource=0, **extra):
    page = client.get(url)
    assert page.status_code == 200
    data = {"format": format_index(page, title), "resource": resource, **extra}
    return client.post(url, data)


def csv_table(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def xlsx_table(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


SHIRT = [
    "linen-shirt",
    "Linen shirt",
    "<p>Soft,\nwashed linen.</p>",
    "Acme",
    "Shirts",
    "linen, summer",
    "active",
    "shirts",
    "Standard",
    "Linen shirt | Acme",
    "A soft shirt",
    "Size",
    "Color",
    "",
]
MUG = ["mug", "Mug", "", "Acme", "Kitchen", "", "draft", "", "", "", "", "", "", ""]
BARE = ["bare-product", "Bare product", "", "Acme", "Shirts", "", "archived", *[""] * 7]
NO_VARIANT = [""] * 12
PRODUCT_ROWS = [
    [*BARE, *NO_VARIANT],
    [
        *SHIRT,
        "SHIRT-M",
        "3700000000017",
        "M",
        "White",
        "",
        "39.00",
        "49.00",
        "12.50",
        "0.250",
        "kg",
        "deny",
        "TRUE",
    ],
    [*SHIRT, "SHIRT-L", "", "L", "White", "", "39.00", "", "", "", "kg", "continue", "FALSE"],
    [*MUG, "MUG", "", "", "", "", "12.00", "", "4.00", "1.500", "lb", "deny", "TRUE"],
]


# --- formats and permissions ------------------------------------------------------------------


def test_the_export_page_offers_the_safe_formats_and_never_html(client, merchant, catalog):
    client.force_login(merchant)
    page = client.get(PRODUCTS)
    offered = [label for value, label in page.context["form"].fields["format"].choices if value]
    assert offered == [fmt().get_title() for fmt in exports.SAFE_FORMATS]
    assert {"csv", "xlsx", "tsv", "json"} <= set(offered)
    assert "html" not in offered and "xls" not in offered
    response = client.post(PRODUCTS, {"format": str(len(offered)), "resource": 0})
    assert response.status_code == 200  # an index past the list: the form again, no file
    assert "Content-Disposition" not in response


@pytest.mark.parametrize(
    "url", [PRODUCTS, CATEGORIES, STOCK, "/admin/inventory/product/export-shopify/"]
)
def test_who_may_view_may_export_and_nobody_else(client, accountant, catalog, url):
    client.force_login(UserFactory(username="visitor"))
    assert client.get(url).status_code == 403
    client.force_login(accountant)  # reads the catalog and the stock: exports them
    assert client.get(url).status_code == 200


def test_the_lists_offer_export_and_the_products_the_shopify_csv(client, merchant, catalog):
    client.force_login(merchant)
    products = client.get("/admin/inventory/product/")
    actions = dict(products.context["action_form"].fields["action"].choices)
    assert actions["export_admin_action"] == "Export selected products"
    assert actions["export_shopify_selected"] == "Export selected products as Shopify CSV"
    assert PRODUCTS in products.content.decode()
    assert "/admin/inventory/product/export-shopify/" in products.content.decode()
    for page in ("/admin/inventory/category/", "/admin/inventory/stocklevel/"):
        assert "/export/" in client.get(page).content.decode()


# --- products, prices, categories, stock --------------------------------------------------------


def test_the_products_csv_has_one_row_per_variant(client, merchant, catalog):
    client.force_login(merchant)
    table = csv_table(export(client, PRODUCTS))
    assert table[0] == list(PRODUCT_COLUMNS)
    assert table[1:] == PRODUCT_ROWS


def test_the_products_xlsx_holds_the_same_rows_typed(client, merchant, catalog):
    client.force_login(merchant)
    response = export(client, PRODUCTS, "xlsx")
    assert response.status_code == 200
    table = xlsx_table(response.content)
    assert table[0] == list(PRODUCT_COLUMNS)
    shirt_m = dict(zip(PRODUCT_COLUMNS, table[2], strict=True))
    assert shirt_m["price"] == 39 and shirt_m["cost"] == 12.5 and shirt_m["active"] is True
    assert shirt_m["weight"] == 0.25 and shirt_m["sku"] == "SHIRT-M"
    as_text = [["" if v is None else v for v in row] for row in table[1:]]
    assert [row[:5] for row in as_text] == [row[:5] for row in PRODUCT_ROWS]


def test_the_prices_export_is_one_row_per_variant(client, merchant, catalog):
    client.force_login(merchant)
    table = csv_table(export(client, PRODUCTS, resource=1))
    assert table == [
        list(PRICE_COLUMNS),
        ["SHIRT-M", "39.00", "49.00", "12.50"],
        ["SHIRT-L", "39.00", "", ""],
        ["MUG", "12.00", "", "4.00"],
    ]


def test_the_selected_products_only(client, merchant, catalog):
    client.force_login(merchant)
    page = client.post(
        "/admin/inventory/product/",
        {"action": "export_admin_action", "_selected_action": [catalog["mug"].pk]},
    )
    assert page.status_code == 200
    assert page.context["form"].initial["export_items"] == [catalog["mug"].pk]
    table = csv_table(export(client, PRODUCTS, export_items=[catalog["mug"].pk]))
    assert table[1:] == [PRODUCT_ROWS[3]]


def test_selecting_every_match_exports_the_filtered_list(client, merchant, catalog):
    client.force_login(merchant)
    response = client.post(
        "/admin/inventory/product/?status__exact=draft",
        {
            "action": "export_admin_action",
            "_selected_action": [catalog["mug"].pk],
            "select_across": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PRODUCTS}?status__exact=draft"
    table = csv_table(export(client, response["Location"]))
    assert table[1:] == [PRODUCT_ROWS[3]]


def test_a_searched_list_exports_what_it_shows(client, merchant, catalog):
    client.force_login(merchant)
    table = csv_table(export(client, f"{PRODUCTS}?q=SHIRT-L"))
    assert [row[14] for row in table[1:]] == ["SHIRT-M", "SHIRT-L"]  # the product, whole


def test_categories_come_parents_first_with_their_parent(client, merchant, catalog):
    client.force_login(merchant)
    table = csv_table(export(client, CATEGORIES))
    assert table == [
        list(CATEGORY_COLUMNS),
        ["apparel", "Apparel", "", ""],
        ["shirts", "Shirts", "apparel", ""],
    ]


def test_the_stock_export_is_the_stock_as_it_is(client, merchant, catalog):
    main = WarehouseFactory(code="main", is_default=True)
    east = WarehouseFactory(code="east")
    for variant, warehouse, quantity in [
        (catalog["medium"], main, 10),
        (catalog["medium"], east, 2),
        (catalog["large"], main, 1),
    ]:
        services.stock_receive(
            variant=variant, warehouse=warehouse, quantity=quantity, actor=SYSTEM
        )
    services.stock_allocate(variant=catalog["medium"], warehouse=main, quantity=4, actor=SYSTEM)
    services.stock_allocate(variant=catalog["large"], warehouse=main, quantity=3, actor=SYSTEM)
    client.force_login(merchant)
    table = csv_table(export(client, STOCK))
    assert table == [
        list(STOCK_COLUMNS),
        ["SHIRT-M", "east", "2", "0", "2"],
        ["SHIRT-M", "main", "10", "4", "6"],
        ["SHIRT-L", "main", "1", "3", "-2"],  # backordered: negative, and not escaped
    ]
    sheet = xlsx_table(export(client, STOCK, "xlsx").content)
    assert sheet[3] == ["SHIRT-L", "main", 1, 3, -2]


# --- formula escaping ---------------------------------------------------------------------------


@pytest.fixture
def dangerous(db):
    for n, text in enumerate(DANGEROUS):
        VariantFactory(
            sku=f"{text[0]}SKU-{n}",
            barcode=text,
            product__title=text,
            product__handle=f"dangerous-{n}",
            product__vendor=text,
            product__tags=text,
            product__description=text,
        )
    return DANGEROUS


def escaped(text: str) -> str:
    return "'" + text


def test_every_dangerous_prefix_is_escaped_in_the_csv(client, merchant, dangerous):
    client.force_login(merchant)
    table = csv_table(export(client, PRODUCTS))
    cells = [cell for row in table[1:] for cell in row]
    assert [cell for cell in cells if cell[:1] in tuple("=+-@\t\r")] == []
    titles = sorted(row[1] for row in table[1:])
    assert titles == sorted(escaped(text) for text in dangerous)
    assert sorted(row[14] for row in table[1:]) == sorted(
        escaped(f"{t[0]}SKU-{n}") for n, t in enumerate(dangerous)
    )


def test_every_dangerous_prefix_is_a_text_cell_in_the_xlsx(client, merchant, dangerous):
    """In a workbook such text is a text cell with the hidden quote prefix: it reads as typed,
    with no apostrophe, and never runs."""
    client.force_login(merchant)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, PRODUCTS, "xlsx").content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    risky = [cell for cell in cells if str(cell.value or "")[:1] in tuple("=+-@\t\r\n")]
    assert risky and all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
    # XML reads a carriage return in text as a line feed
    expected = sorted(t.replace("\r", "\n") for t in dangerous)
    assert sorted(row[1].value for row in sheet.iter_rows(min_row=2)) == expected


def test_a_text_cell_the_workbook_cannot_hold_is_cleaned_not_fatal(client, merchant, db):
    VariantFactory(product__title="Bell\x07 jar", product__description="a\x01b")
    client.force_login(merchant)
    table = xlsx_table(export(client, PRODUCTS, "xlsx").content)
    assert table[1][1:3] == ["Bell jar", "ab"]


# --- cost of an export ------------------------------------------------------------------------


def build(count: int) -> None:
    category = CategoryFactory()
    for n in range(count):
        product = ProductFactory(category=category, tax_class=TaxClassFactory())
        VariantFactory(product=product, option1="S")
        VariantFactory(product=product, option1="M")
        ProductImage.objects.create(
            product=product, source_url=f"https://cdn.example.com/{n}.jpg", position=1
        )


def export_queries(client, url, title="csv") -> int:
    page = client.get(url)
    data = {"format": format_index(page, title), "resource": 0}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, data).status_code == 200
    return len(queries)


def test_an_export_runs_a_constant_number_of_queries(client, merchant, db):
    client.force_login(merchant)
    build(5)
    few = export_queries(client, PRODUCTS), export_queries(client, PRODUCTS, "xlsx")
    build(45)
    many = export_queries(client, PRODUCTS), export_queries(client, PRODUCTS, "xlsx")
    assert few == many
    assert len(csv_table(client.post(PRODUCTS, {"format": "0", "resource": 0}))) == 101


def test_the_shopify_rows_run_a_constant_number_of_queries(db):
    build(5)
    with CaptureQueriesContext(connection) as few:
        assert len(list(shopify_rows(Product.objects.all()))) == 10
    build(45)
    with CaptureQueriesContext(connection) as many:
        assert len(list(shopify_rows(Product.objects.all()))) == 100
    assert len(few) == len(many) <= 4


# --- the Shopify CSV -----------------------------------------------------------------------------


def shopify_table(products=None) -> list[dict[str, str]]:
    stream = io.BytesIO()
    count = write_shopify_csv(products or Product.objects.all(), stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue().decode("utf-8"))))
    assert count == len(rows)
    return rows


def test_the_shopify_csv_has_the_newer_header(catalog):
    stream = io.BytesIO()
    write_shopify_csv(Product.objects.all(), stream)
    header = next(csv.reader(io.StringIO(stream.getvalue().decode("utf-8"))))
    assert header == list(SHOPIFY_COLUMNS)
    for name in ("Status", "Cost per item", "Variant Weight Unit", "Variant Grams", "Handle"):
        assert name in header


def test_a_product_with_options_spans_its_variants_then_its_extra_images(catalog):
    rows = [row for row in shopify_table() if row["Handle"] == "linen-shirt"]
    assert len(rows) == 3
    first, second, image_only = rows
    assert {k: first[k] for k in first if first[k]} == {
        "Handle": "linen-shirt",
        "Title": "Linen shirt",
        "Body (HTML)": "<p>Soft,\nwashed linen.</p>",
        "Vendor": "Acme",
        "Product Category": "Apparel > Shirts",
        "Type": "Shirts",
        "Tags": "linen, summer",
        "Published": "TRUE",
        "Option1 Name": "Size",
        "Option1 Value": "M",
        "Option2 Name": "Color",
        "Option2 Value": "White",
        "Variant SKU": "SHIRT-M",
        "Variant Grams": "250",
        "Variant Inventory Tracker": "shopify",
        "Variant Inventory Policy": "deny",
        "Variant Fulfillment Service": "manual",
        "Variant Price": "39.00",
        "Variant Compare At Price": "49.00",
        "Variant Requires Shipping": "TRUE",
        "Variant Taxable": "TRUE",
        "Variant Barcode": "3700000000017",
        "Image Src": "https://cdn.example.com/shirt-front.jpg",
        "Image Position": "1",
        "Image Alt Text": "Front",
        "Gift Card": "FALSE",
        "SEO Title": "Linen shirt | Acme",
        "SEO Description": "A soft shirt",
        "Variant Weight Unit": "kg",
        "Cost per item": "12.50",
        "Status": "active",
    }
    assert {k: second[k] for k in second if second[k]} == {
        "Handle": "linen-shirt",
        "Option1 Value": "L",
        "Option2 Value": "White",
        "Variant SKU": "SHIRT-L",
        "Variant Inventory Tracker": "shopify",
        "Variant Inventory Policy": "continue",
        "Variant Fulfillment Service": "manual",
        "Variant Price": "39.00",
        "Variant Requires Shipping": "TRUE",
        "Variant Taxable": "TRUE",
        "Image Src": "https://cdn.example.com/shirt-large.jpg",
        "Image Position": "2",
        "Image Alt Text": "Large",
        "Variant Image": "https://cdn.example.com/shirt-large.jpg",
        "Variant Weight Unit": "kg",
    }
    assert {k: image_only[k] for k in image_only if image_only[k]} == {
        "Handle": "linen-shirt",
        "Image Src": "https://cdn.example.com/shirt-back.jpg",
        "Image Position": "3",
        "Image Alt Text": "Back",
    }


def test_a_product_without_options_is_one_default_title_variant(catalog):
    (mug,) = [row for row in shopify_table() if row["Handle"] == "mug"]
    assert (mug["Option1 Name"], mug["Option1 Value"]) == ("Title", "Default Title")
    assert (mug["Option2 Name"], mug["Option2 Value"]) == ("", "")
    assert (mug["Variant Grams"], mug["Variant Weight Unit"]) == ("680.389", "lb")  # 1.5 lb
    # No class of its own: taxed at the store's default class, as Shopify's "taxable".
    assert (mug["Published"], mug["Status"], mug["Variant Taxable"]) == ("FALSE", "draft", "TRUE")
    assert (mug["Product Category"], mug["Cost per item"]) == ("", "4.00")

    catalog["mug"].tax_class = TaxClass.objects.get(exempt=True)
    catalog["mug"].save()
    (mug,) = [row for row in shopify_table() if row["Handle"] == "mug"]
    assert mug["Variant Taxable"] == "FALSE"


def test_the_shopify_csv_read_back_is_the_catalog(catalog):
    """Grouped by handle as Shopify reads it: the products, their variants (by option values)
    and their images are the catalog's."""
    products: dict[str, dict] = {}
    for row in shopify_table():
        product = products.setdefault(row["Handle"], {"variants": [], "images": []})
        if row["Title"]:
            product.update(
                title=row["Title"],
                status=row["Status"],
                names=[row[f"Option{n} Name"] for n in (1, 2, 3) if row[f"Option{n} Name"]],
            )
        if row["Variant Price"]:
            options = tuple(row[f"Option{n} Value"] for n in (1, 2, 3) if row[f"Option{n} Value"])
            product["variants"].append((options, row["Variant SKU"], Decimal(row["Variant Price"])))
        if row["Image Src"]:
            product["images"].append((int(row["Image Position"]), row["Image Src"]))
    expected = {}
    for product in Product.objects.prefetch_related("variants", "images"):
        default = not product.option_names
        expected[product.handle] = {
            "title": product.title,
            "status": product.status,
            "names": product.option_names or ["Title"],
            "variants": [
                (("Default Title",) if default else tuple(v.option_values), v.sku, v.price)
                for v in product.variants.order_by("position", "id")
            ],
            "images": [
                (n, image.source_url)
                for n, image in enumerate(product.images.order_by("position", "id"), start=1)
            ],
        }
    assert products == expected


def test_the_shopify_csv_escapes_text_like_every_export(dangerous):
    cells = [value for row in shopify_table() for value in row.values()]
    assert [cell for cell in cells if cell[:1] in tuple("=+-@\t\r")] == []
    assert sorted(row["Title"] for row in shopify_table()) == sorted(
        escaped(text) for text in dangerous
    )


# --- in the background ------------------------------------------------------------------------


@pytest.fixture
def worker(settings, tmp_path, eager_tasks):
    """Runs go to an in-process worker (as in the embedded mode, whatever REDIS_URL says) and
    their files to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


def run_file(run: ReportRun) -> bytes:
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    with run.file.open("rb") as stream:
        return stream.read()


@pytest.mark.parametrize("title", ["csv", "xlsx"])
def test_a_large_export_becomes_a_background_run_with_the_same_rows(
    client, merchant, catalog, worker, monkeypatch, django_capture_on_commit_callbacks, title
):
    monkeypatch.setattr(exports, "BACKGROUND_ABOVE", 3)  # this catalog has 4 rows
    client.force_login(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, PRODUCTS, title)
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/reporting/reportrun/{run.pk}/change/"
    assert (run.kind, run.format, run.requested_by) == ("export_products", title, merchant)
    assert run.parameters["preset"] == "all" and "ids" not in run.parameters
    content = run_file(run)
    if title == "csv":
        table = list(csv.reader(io.StringIO(content.decode("utf-8"))))
        assert table == [list(PRODUCT_COLUMNS), *PRODUCT_ROWS]
    else:
        table = xlsx_table(content)
        assert table[0] == list(PRODUCT_COLUMNS)
        assert len(table) == 5  # the header and four rows: no totals row
        assert [row[14] for row in table[1:]] == [None, "SHIRT-M", "SHIRT-L", "MUG"]
    assert run.row_count == 4
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Products (one row per variant): 4 rows are being exported in the background. This "
        "page shows the progress and, when the file is ready, its download."
    ]
    download = client.get(f"/admin/reporting/reportrun/{run.pk}/download/")
    assert b"".join(download.streaming_content) == content


def test_a_large_export_of_a_filtered_list_carries_its_rows(
    client, merchant, catalog, worker, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "BACKGROUND_ABOVE", 1)
    client.force_login(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, f"{PRODUCTS}?q=shirt")
    run = ReportRun.objects.get()
    assert run.parameters["ids"] == [catalog["shirt"].pk]
    table = list(csv.reader(io.StringIO(run_file(run).decode("utf-8"))))
    assert table[1:] == PRODUCT_ROWS[1:3]


def test_a_large_export_in_a_format_a_run_cannot_write_is_refused(
    client, merchant, catalog, monkeypatch
):
    monkeypatch.setattr(exports, "BACKGROUND_ABOVE", 3)
    client.force_login(merchant)
    response = export(client, PRODUCTS, "json")
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert [str(m) for m in response.context["messages"]] == [
        "An export of more than 3 rows is prepared in the background, as CSV or Excel (xlsx): "
        "choose one of those."
    ]
    assert ReportRun.objects.count() == 0


def test_a_small_json_export_is_a_file_right_away(client, merchant, catalog):
    client.force_login(merchant)
    response = export(client, PRODUCTS, "json")
    assert response["Content-Type"] == "application/json"
    assert [row["sku"] for row in json.loads(response.content)] == [
        "",
        "SHIRT-M",
        "SHIRT-L",
        "MUG",
    ]


def test_the_shopify_csv_of_selected_products_is_prepared_in_the_background(
    client, merchant, catalog, worker, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    chosen = [catalog["mug"].pk, catalog["shirt"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/inventory/product/",
            {"action": "export_shopify_selected", "_selected_action": chosen},
        )
    run = ReportRun.objects.get()
    assert response["Location"] == f"/admin/reporting/reportrun/{run.pk}/change/"
    assert (run.kind, run.format) == ("catalog_shopify", "csv")
    assert run.parameters["ids"] == [catalog["shirt"].pk, catalog["mug"].pk]  # by title
    stream = io.BytesIO()
    write_shopify_csv(Product.objects.filter(pk__in=chosen), stream)
    assert run_file(run) == stream.getvalue()
    assert run.row_count == 4


def test_the_shopify_csv_of_the_whole_catalog_from_the_list_button(
    client, merchant, catalog, worker, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    page = client.get("/admin/inventory/product/export-shopify/")
    assert page.status_code == 200 and ReportRun.objects.count() == 0  # asking is not doing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/inventory/product/export-shopify/")
    run = ReportRun.objects.get()
    assert response["Location"] == f"/admin/reporting/reportrun/{run.pk}/change/"
    assert "ids" not in run.parameters
    stream = io.BytesIO()
    write_shopify_csv(Product.objects.all(), stream)
    assert run_file(run) == stream.getvalue()


def test_the_row_count_that_decides_counts_variants_and_bare_products(catalog):
    assert ProductResource().row_count(Product.objects.all()) == 4
    assert ProductResource().row_count(Product.objects.filter(handle="linen-shirt")) == 2
