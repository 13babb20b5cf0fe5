"""The catalog as a Shopify products CSV (the newer column set: Status, Cost per item, Variant
Weight Unit, Option Linked To …), so a merchant can take it to Shopify or back.

A product spans consecutive rows sharing its `Handle`: the first carries the product's fields,
its option names and its first variant (and first image); each further variant has a row of
its own (Handle, option values, variant fields, the image at that position, if any); images
beyond the variants follow as image-only rows (Handle, Image Src, Image Position, Image Alt
Text). A product without options has one variant written as `Option1 Name` = Title,
`Option1 Value` = Default Title. Yes/no cells are TRUE/FALSE, `Variant Grams` is the weight in
grams whatever unit the merchant shows, `Product Category` the category path "A > B > C".
Text is formula-escaped like every export.

`shopify_rows` streams the rows of a product queryset (a constant number of queries per chunk
of products, memory flat); `write_shopify_csv` writes the whole file to a binary stream.
"""

import csv
import io
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet

from backoffice.exports import CHUNK, escape_text
from backoffice.selectors import absolute_url, store_settings
from inventory.models import Category, Product, ProductImage, ProductStatus, ProductVariant

SHOPIFY_COLUMNS = (
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option1 Linked To",
    "Option2 Name",
    "Option2 Value",
    "Option2 Linked To",
    "Option3 Name",
    "Option3 Value",
    "Option3 Linked To",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Status",
)
INDEX = {name: index for index, name in enumerate(SHOPIFY_COLUMNS)}
GRAMS_PER_UNIT = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
MILLIGRAM = Decimal("0.001")
NO_OPTION = ("Title", "Default Title")


def boolean(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def grams(weight: Decimal | None, unit: str) -> str:
    """The weight in grams, to a milligram, so that the weight in its own unit reads back
    exactly (7 oz is 198.447 g): "200", "198.447"."""
    if weight is None:
        return ""
    value = (weight * GRAMS_PER_UNIT.get(unit, Decimal(1))).quantize(MILLIGRAM, ROUND_HALF_UP)
    return f"{value.normalize():f}"


def money(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def category_paths() -> dict[int, str]:
    """Every category's path from the root, "A > B > C", from one query."""
    nodes = {
        pk: (name, parent)
        for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}

    def path(pk: int) -> str:
        if pk not in paths:
            names, seen, node = [], set(), pk
            while node is not None and node in nodes and node not in seen:
                seen.add(node)
                name, parent = nodes[node]
                names.append(name)
                node = parent
            paths[pk] = " > ".join(reversed(names))
        return paths[pk]

    return {pk: path(pk) for pk in nodes}


def image_url(image: ProductImage) -> str:
    """Where Shopify can fetch the image: its source URL, else the stored file's URL (made
    absolute with the back office's address when storage gives a path)."""
    if image.source_url:
        return image.source_url
    return absolute_url(image.image.url) if image.image else ""


def _products(queryset: QuerySet) -> QuerySet:
    return (
        Product.objects.filter(pk__in=queryset.values("pk"))
        .select_related("tax_class")
        .prefetch_related(
            Prefetch("variants", queryset=ProductVariant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .order_by("title", "id")
    )


def _blank() -> list[str]:
    return [""] * len(SHOPIFY_COLUMNS)


def _product_cells(row: list[str], product: Product, category: str) -> None:
    row[INDEX["Title"]] = product.title
    row[INDEX["Body (HTML)"]] = product.description
    row[INDEX["Vendor"]] = product.vendor
    row[INDEX["Product Category"]] = category
    row[INDEX["Type"]] = product.product_type
    row[INDEX["Tags"]] = product.tags
    row[INDEX["Published"]] = boolean(product.status == ProductStatus.ACTIVE)
    row[INDEX["Gift Card"]] = "FALSE"
    row[INDEX["SEO Title"]] = product.seo_title
    row[INDEX["SEO Description"]] = product.seo_description
    row[INDEX["Status"]] = product.status
    names = product.option_names
    if names:
        for number, name in enumerate(
            (product.option1_name, product.option2_name, product.option3_name), start=1
        ):
            row[INDEX[f"Option{number} Name"]] = name
    else:
        row[INDEX["Option1 Name"]] = NO_OPTION[0]


def _variant_cells(
    row: list[str], product: Product, variant: ProductVariant, images: dict[int, str]
) -> None:
    if product.option_names:
        values = (variant.option1, variant.option2, variant.option3)
        for number, value in enumerate(values, start=1):
            row[INDEX[f"Option{number} Value"]] = value
    else:
        row[INDEX["Option1 Value"]] = NO_OPTION[1]
    # Shopify knows taxed or not: an exempt class (the product's, or the store's default for
    # a product without one) is "not taxable".
    tax_class = product.tax_class if product.tax_class_id else store_settings().default_tax_class
    taxable = tax_class is None or not tax_class.exempt
    row[INDEX["Variant SKU"]] = variant.sku or ""
    row[INDEX["Variant Grams"]] = grams(variant.weight, variant.weight_unit)
    row[INDEX["Variant Inventory Tracker"]] = "shopify"
    row[INDEX["Variant Inventory Policy"]] = variant.inventory_policy
    row[INDEX["Variant Fulfillment Service"]] = "manual"
    row[INDEX["Variant Price"]] = money(variant.price)
    row[INDEX["Variant Compare At Price"]] = money(variant.compare_at_price)
    row[INDEX["Variant Requires Shipping"]] = "TRUE"
    row[INDEX["Variant Taxable"]] = boolean(taxable)
    row[INDEX["Variant Barcode"]] = variant.barcode
    row[INDEX["Variant Image"]] = images.get(variant.pk, "")
    row[INDEX["Variant Weight Unit"]] = variant.weight_unit
    row[INDEX["Cost per item"]] = money(variant.cost)


def _image_cells(row: list[str], image: ProductImage, position: int) -> None:
    row[INDEX["Image Src"]] = image_url(image)
    row[INDEX["Image Position"]] = str(position)
    row[INDEX["Image Alt Text"]] = image.alt_text


def product_rows(product: Product, category: str = "") -> list[list[str]]:
    """The rows of one product (its variants and images prefetched, or read)."""
    variants = list(product.variants.all())
    images = list(product.images.all())
    variant_images: dict[int, str] = {}
    for image in images:
        if image.variant_id and image.variant_id not in variant_images:
            variant_images[image.variant_id] = image_url(image)
    rows = []
    for index in range(max(len(variants), len(images), 1)):
        row = _blank()
        row[INDEX["Handle"]] = product.handle
        if index == 0:
            _product_cells(row, product, category)
        if index < len(variants):
            _variant_cells(row, product, variants[index], variant_images)
        if index < len(images):
            _image_cells(row, images[index], index + 1)
        rows.append([escape_text(cell) for cell in row])
    return rows


def shopify_rows(queryset: QuerySet) -> Iterator[list[str]]:
    """The Shopify CSV rows (without the header) of the products of `queryset`, by title."""
    paths = category_paths()
    for product in _products(queryset).iterator(chunk_size=CHUNK):
        yield from product_rows(product, paths.get(product.category_id, ""))


def write_shopify_csv(queryset: QuerySet, target) -> int:
    """Write the Shopify CSV of the products of `queryset` to a binary stream; the number of
    rows written (the header not counted)."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(SHOPIFY_COLUMNS)
    count = 0
    for row in shopify_rows(queryset):
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count
