"""Rows of a catalog file turned into product records — a product with its variants and
images — whatever the file's shape: the native format (one row per variant, product fields
repeated or forward-filled) or Shopify's product export (see `shopify.py`).

A cell left blank means "keep the current value", so a record holds only the cells that
carry something, each parsed, with the row and column it came from."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from imports import limits, values
from imports.outcome import Outcome
from imports.reading import Table, require_columns
from inventory.handles import normalise_handle

PRODUCT_FIELDS = {  # attname: parser
    "title": values.text(255),
    "description": values.text(100_000),
    "vendor": values.text(255),
    "product_type": values.text(255),
    "tags": values.text(65_000),
    "status": values.status,
    "seo_title": values.text(255),
    "seo_description": values.text(1000),
    "option1_name": values.text(255),
    "option2_name": values.text(255),
    "option3_name": values.text(255),
}
VARIANT_FIELDS = {
    "barcode": values.barcode,
    "price": values.money,
    "compare_at_price": values.money,
    "cost": values.money,
    "weight": values.weight,
    "weight_unit": values.weight_unit,
    "inventory_policy": values.inventory_policy,
    "active": values.boolean,
}
OPTION_COLUMNS = ("option1", "option2", "option3")


@dataclass
class Cell:
    value: Any  # what the column's parser made of it: text, a number, a Decimal, a flag…
    row: int
    column: str
    raw: str


@dataclass
class VariantRecord:
    row: int
    options: tuple[str, str, str]
    sku: Cell | None = None
    fields: dict[str, Cell] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # cells given but not readable
    quantity: Cell | None = None  # Shopify's Variant Inventory Qty: opening stock, on request


@dataclass
class ImageRecord:
    row: int
    src: str
    position: int | None
    alt: str | None


@dataclass
class ProductRecord:
    handle: str
    row: int
    fields: dict[str, Cell] = field(default_factory=dict)
    # ("slug", value) in the native format, ("path", [names]) from Shopify.
    category: tuple[str, Any] | None = None
    category_cell: Cell | None = None
    tax_class: Cell | None = None
    taxable: list[Cell] = field(default_factory=list)  # Shopify's Variant Taxable, per row
    variants: list[VariantRecord] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    invalid: bool = False
    rows: list[int] = field(default_factory=list)  # every row of the file it was read from


def parse_cells(raw_row: dict, row: int, mapping: dict, parsers: dict, outcome: Outcome, bad=None):
    """{attname: Cell} for the non-blank cells of `row`; problems for unreadable ones (their
    attnames added to `bad`)."""
    cells = {}
    for column, attname in mapping.items():
        text = (raw_row.get(column) or "").strip()
        if not text:
            continue
        try:
            cells[attname] = Cell(parsers[attname](text), row, column, text)
        except values.BadValue as error:
            outcome.problem(row, column, text, str(error))
            if bad is not None:
                bad.add(attname)
    return cells


def room_for_variant(record: ProductRecord, row: int, outcome: Outcome) -> bool:
    """Whether the product may take one more variant (Shopify's limit, and a bound on what
    one product holds in memory)."""
    return _room(record.variants, limits.MAX_VARIANTS_PER_PRODUCT, "variants", record, row, outcome)


def room_for_image(record: ProductRecord, row: int, outcome: Outcome) -> bool:
    return _room(record.images, limits.MAX_IMAGES_PER_PRODUCT, "images", record, row, outcome)


def _room(items: list, limit: int, what: str, record, row: int, outcome: Outcome) -> bool:
    if len(items) < limit:
        return True
    message = f"a product has at most {limit:,} {what} (Shopify's limit)"
    outcome.problem(row, "", record.handle, message)
    return False


def merge_product_cells(record: ProductRecord, cells: dict[str, Cell], outcome: Outcome) -> None:
    """Product fields may repeat on every row of a product, or be given once: the first
    value stands and a different one later is an error."""
    for attname, cell in cells.items():
        first = record.fields.get(attname)
        if first is None:
            record.fields[attname] = cell
        elif first.value != cell.value:
            outcome.problem(
                cell.row,
                cell.column,
                cell.raw,
                f"differs from row {first.row} of the same product (“{first.raw[:60]}”)",
            )


# --- the native format -------------------------------------------------------------------------

NATIVE_PRODUCT_COLUMNS = {name: name for name in PRODUCT_FIELDS}
NATIVE_VARIANT_COLUMNS = {name: name for name in VARIANT_FIELDS}
NATIVE_COLUMNS = [
    "handle",
    *PRODUCT_FIELDS,
    "category",
    "tax_class",
    "sku",
    *OPTION_COLUMNS,
    *VARIANT_FIELDS,
]


def grouped_records(table: Table, outcome: Outcome, column: str, start, add):
    """Rows grouped into products by their handle `column`: consecutive rows with one handle
    are one product; a handle seen again after another product's rows is an error (the file
    is read as it streams). `start(handle, row, raw)` makes a product's record,
    `add(record, raw, row)` adds each of its rows to it."""
    done: dict[str, int] = {}
    record = None
    for row, raw in table.rows:
        outcome.rows_seen += 1
        handle = normalise_handle(raw.get(column) or "")
        if not handle:
            outcome.problem(row, column, "", "is required on every row")
            continue
        if record is None or handle != record.handle:
            if record is not None:
                done[record.handle] = record.row
                yield record
            if handle in done:
                message = f"rows of this product must follow row {done[handle]}"
                outcome.problem(row, column, handle, message)
                record = None
                continue
            record = start(handle, row, raw)
        record.rows.append(row)
        add(record, raw, row)
    if record is not None:
        yield record


def native_records(table: Table, outcome: Outcome) -> Iterator[ProductRecord]:
    """One row per variant, the rows of one product together."""
    require_columns(table, ["handle"], kind="products", known=NATIVE_COLUMNS)
    ignored = [c for c in table.columns if c and c not in NATIVE_COLUMNS]
    if ignored:
        outcome.notice(f"Columns not imported: {', '.join(ignored)}.")
    return grouped_records(
        table,
        outcome,
        "handle",
        lambda handle, row, raw: _new_record(handle, row, outcome),
        lambda record, raw, row: _native_row(record, raw, row, outcome),
    )


def _new_record(handle: str, row: int, outcome: Outcome) -> ProductRecord:
    record = ProductRecord(handle=handle, row=row)
    try:
        values.handle(handle)
    except values.BadValue as error:
        outcome.problem(row, "handle", handle, str(error))
        record.invalid = True
    return record


def _native_row(record: ProductRecord, raw: dict, row: int, outcome: Outcome) -> None:
    merge_product_cells(
        record, parse_cells(raw, row, NATIVE_PRODUCT_COLUMNS, PRODUCT_FIELDS, outcome), outcome
    )
    for column, kind in (("category", "slug"), ("tax_class", None)):
        text = (raw.get(column) or "").strip()
        if not text:
            continue
        cell = Cell(text, row, column, text)
        if kind:
            record.category, record.category_cell = (kind, text), cell
        else:
            record.tax_class = cell
    first, second, third = ((raw.get(column) or "").strip() for column in OPTION_COLUMNS)
    options = (first, second, third)
    sku_text = (raw.get("sku") or "").strip()
    variant = VariantRecord(row=row, options=options)
    if sku_text:
        try:
            variant.sku = Cell(values.sku(sku_text), row, "sku", sku_text)
        except values.BadValue as error:
            outcome.problem(row, "sku", sku_text, str(error))
    variant.fields = parse_cells(
        raw, row, NATIVE_VARIANT_COLUMNS, VARIANT_FIELDS, outcome, variant.unreadable
    )
    # A row with nothing of a variant carries only product fields (the export writes a
    # product without variants so).
    if (sku_text or any(options) or variant.fields or variant.unreadable) and room_for_variant(
        record, row, outcome
    ):
        record.variants.append(variant)
