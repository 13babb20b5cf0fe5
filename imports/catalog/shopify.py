"""Shopify's product export read as it is: one product over consecutive rows sharing a
Handle, the first row carrying the product fields; image-only rows; "Default Title" for a
product without options; old and new column sets matched by name; metafield columns kept
out of the way; barcodes with a spreadsheet's apostrophe; grams and a display unit.

What the import has to change to fit is said in the preview's notices, never done silently
(a duplicate SKU is the main one: see `CatalogPlanner`)."""

import re
from collections.abc import Iterator
from decimal import Decimal

from imports import values
from imports.catalog.records import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Cell,
    ImageRecord,
    ProductRecord,
    VariantRecord,
    grouped_records,
    merge_product_cells,
    parse_cells,
    room_for_image,
    room_for_variant,
)
from imports.outcome import Outcome
from imports.reading import Table, column_key, require_columns
from inventory.models import ProductImage

PRODUCT_COLUMNS = {
    "Title": "title",
    "Body (HTML)": "description",
    "Vendor": "vendor",
    "Type": "product_type",
    "Tags": "tags",
    "Status": "status",
    "SEO Title": "seo_title",
    "SEO Description": "seo_description",
    "Option1 Name": "option1_name",
    "Option2 Name": "option2_name",
    "Option3 Name": "option3_name",
}
VARIANT_COLUMNS = {
    "Variant Barcode": "barcode",
    "Variant Price": "price",
    "Variant Compare At Price": "compare_at_price",
    "Cost per item": "cost",
    "Variant Inventory Policy": "inventory_policy",
}
OPTION_VALUE_COLUMNS = ("Option1 Value", "Option2 Value", "Option3 Value")
# A row is a variant row when one of these holds something; otherwise it only adds an image.
VARIANT_MARKERS = (
    *OPTION_VALUE_COLUMNS,
    "Variant SKU",
    "Variant Price",
    "Variant Grams",
    "Variant Barcode",
    "Variant Compare At Price",
    "Cost per item",
)
DEFAULT_TITLE = "Default Title"
WEIGHT_STEP = Decimal("0.001")
WEIGHT_LIMIT = Decimal(10) ** 7  # the weight column: 10 digits, 3 of them decimals
ALT_TEXT_MAX_LENGTH: int = ProductImage._meta.get_field("alt_text").max_length or 0
GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237")}
GRAMS_PER["oz"] = Decimal("28.349523125")
METAFIELD = re.compile(r"\((product|variant)\.metafields\.")
KNOWN_UNUSED = {
    "Published",
    "Product Category",
    "Variant SKU",
    "Variant Grams",
    "Variant Weight Unit",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Variant Taxable",
    "Variant Inventory Qty",
    *OPTION_VALUE_COLUMNS,
}
IGNORED_QUIETLY = {
    "Variant Inventory Tracker",
    "Variant Fulfillment Service",
    "Variant Requires Shipping",
    "Variant Tax Code",
    "Gift Card",
    "Variant Image",
    "Option1 Linked To",
    "Option2 Linked To",
    "Option3 Linked To",
}

SHOPIFY_COLUMNS = (
    "Handle",
    *PRODUCT_COLUMNS,
    *VARIANT_COLUMNS,
    *KNOWN_UNUSED,
    *IGNORED_QUIETLY,
)

# Columns only Shopify's product export has: two of them, with Handle and Title, make a file
# one (the native format has lower-case names of its own).
SHOPIFY_SIGNATURE = (
    "Body (HTML)",
    "Variant SKU",
    "Variant Price",
    "Option1 Value",
    "Variant Grams",
    "Variant Inventory Qty",
    "Image Src",
)


def is_shopify_export(columns: list[str]) -> bool:
    keys = {column_key(c) for c in columns}
    signature = sum(column_key(c) in keys for c in SHOPIFY_SIGNATURE)
    return {"handle", "title"} <= keys and signature >= 2


def shopify_records(table: Table, outcome: Outcome) -> Iterator[ProductRecord]:
    require_columns(table, ["Handle", "Title"], kind="Shopify products", known=SHOPIFY_COLUMNS)
    _note_columns(table, outcome)
    has_status = "Status" in table.columns
    categories = "Product Category" in table.columns
    return grouped_records(
        table,
        outcome,
        "Handle",
        lambda handle, row, raw: _first_row(
            handle, row, raw, outcome, has_status=has_status, has_category_column=categories
        ),
        lambda record, raw, row: _row(record, raw, row, outcome),
    )


def _note_columns(table: Table, outcome: Outcome) -> None:
    used = set(PRODUCT_COLUMNS) | set(VARIANT_COLUMNS) | KNOWN_UNUSED | {"Handle"}
    metafields = [c for c in table.columns if METAFIELD.search(c)]
    if metafields:
        outcome.notice(f"{len(metafields)} metafield column(s) are not imported.")
    other = [
        c
        for c in table.columns
        if c
        and c not in used
        and c not in IGNORED_QUIETLY
        and not METAFIELD.search(c)
        and not c.startswith("Google Shopping")
    ]
    if other:
        outcome.notice(f"Columns not imported: {', '.join(other)}.")


def _first_row(handle, row, raw, outcome, *, has_status: bool, has_category_column: bool):
    record = ProductRecord(handle=handle, row=row)
    try:
        values.handle(handle)
    except values.BadValue as error:
        outcome.problem(row, "Handle", handle, str(error))
        record.invalid = True
    published = (raw.get("Published") or "").strip()
    if not has_status and published:
        # Exports from before the Status column: published means active, else a draft.
        try:
            status = "active" if values.boolean(published) else "draft"
            record.fields["status"] = Cell(status, row, "Published", published)
        except values.BadValue as error:
            outcome.problem(row, "Published", published, str(error))
    # The category: the "Product Category" path; in older exports, without that column,
    # the product's Type (a blank Product Category means no category, not the Type).
    path = (raw.get("Product Category") or "").strip()
    kind = "" if has_category_column else (raw.get("Type") or "").strip()
    names = [n.strip() for n in path.split(">") if n.strip()] if path else ([kind] if kind else [])
    if names:
        column = "Product Category" if path else "Type"
        record.category = ("path", names)
        record.category_cell = Cell(names, row, column, path or kind)
    return record


def _row(record: ProductRecord, raw: dict, row: int, outcome: Outcome) -> None:
    product_cells = parse_cells(raw, row, PRODUCT_COLUMNS, PRODUCT_FIELDS, outcome)
    options = tuple((raw.get(c) or "").strip() for c in OPTION_VALUE_COLUMNS)
    if options[0] == DEFAULT_TITLE and not any(options[1:]):
        options = ("", "", "")  # one variant, no real option
        name = product_cells.get("option1_name")
        if name is not None and name.value == "Title":
            del product_cells["option1_name"]
    merge_product_cells(record, product_cells, outcome)
    if any((raw.get(c) or "").strip() for c in VARIANT_MARKERS) and room_for_variant(
        record, row, outcome
    ):
        record.variants.append(_variant(raw, row, options, outcome))
        _taxable(record, raw, row, outcome)
    src = (raw.get("Image Src") or "").strip()
    if src and room_for_image(record, row, outcome):
        record.images.append(_image(raw, row, src, outcome))


def _variant(raw: dict, row: int, options: tuple, outcome: Outcome) -> VariantRecord:
    variant = VariantRecord(row=row, options=options)
    sku = (raw.get("Variant SKU") or "").strip()
    if sku:
        try:
            variant.sku = Cell(values.sku(sku), row, "Variant SKU", sku)
        except values.BadValue as error:
            outcome.problem(row, "Variant SKU", sku, str(error))
    variant.fields = parse_cells(
        raw, row, VARIANT_COLUMNS, VARIANT_FIELDS, outcome, variant.unreadable
    )
    _weight(variant, raw, row, outcome)
    _quantity(variant, raw, row, outcome)
    return variant


def _quantity(variant: VariantRecord, raw: dict, row: int, outcome: Outcome) -> None:
    """Variant Inventory Qty, for the opening stock the apply may set. Shopify lets a
    quantity go below zero (sold beyond stock); a count cannot: it is 0."""
    text = (raw.get("Variant Inventory Qty") or "").strip()
    if not text:
        return
    try:
        quantity = values.whole_number(text)
    except values.BadValue as error:
        outcome.problem(row, "Variant Inventory Qty", text, str(error))
        return
    if quantity < 0:
        outcome.tally(
            "{rows} variant(s) have a negative Variant Inventory Qty (sold beyond stock in "
            "Shopify): their opening stock would be 0."
        )
        quantity = 0
    variant.quantity = Cell(quantity, row, "Variant Inventory Qty", text)
    outcome.opening_stock["variants"] += 1
    outcome.opening_stock["units"] += quantity


def _taxable(record: ProductRecord, raw: dict, row: int, outcome: Outcome) -> None:
    text = (raw.get("Variant Taxable") or "").strip()
    if not text:
        return
    try:
        record.taxable.append(Cell(values.boolean(text), row, "Variant Taxable", text))
    except values.BadValue as error:
        outcome.problem(row, "Variant Taxable", text, str(error))


def _weight(variant: VariantRecord, raw: dict, row: int, outcome: Outcome) -> None:
    """Shopify keeps grams and the unit the merchant shows; the variant keeps the weight in
    that unit."""
    grams_text = (raw.get("Variant Grams") or "").strip()
    unit_text = (raw.get("Variant Weight Unit") or "").strip()
    try:
        unit = values.weight_unit(unit_text) if unit_text else "g"
    except values.BadValue as error:
        outcome.problem(row, "Variant Weight Unit", unit_text, str(error))
        return
    if not grams_text:
        return
    try:
        grams = values.decimal_value(grams_text, None)
    except values.BadValue as error:
        outcome.problem(row, "Variant Grams", grams_text, str(error))
        return
    exact = grams / GRAMS_PER[unit]
    weight = exact.quantize(WEIGHT_STEP)
    if weight >= WEIGHT_LIMIT:
        outcome.problem(row, "Variant Grams", grams_text, "is beyond the heaviest weight kept")
        return
    if weight != exact:
        # Shopify keeps grams with many decimals for weights entered in oz or lb.
        outcome.tally(
            "{rows} weight(s) rounded to 0.001 of their unit (Variant Grams had more decimals "
            "than Backoffice keeps)."
        )
    variant.fields["weight"] = Cell(weight, row, "Variant Grams", grams_text)
    variant.fields["weight_unit"] = Cell(unit, row, "Variant Weight Unit", unit_text or "g")


def _image(raw: dict, row: int, src: str, outcome: Outcome) -> ImageRecord:
    position_text = (raw.get("Image Position") or "").strip()
    position = None
    if position_text:
        try:
            position = values.quantity(position_text)
        except values.BadValue as error:
            outcome.problem(row, "Image Position", position_text, str(error))
    alt = (raw.get("Image Alt Text") or "").strip()
    if len(alt) > ALT_TEXT_MAX_LENGTH:
        outcome.problem(
            row, "Image Alt Text", alt, f"is longer than {ALT_TEXT_MAX_LENGTH} characters"
        )
        alt = ""
    return ImageRecord(row=row, src=src, position=position, alt=alt or None)
