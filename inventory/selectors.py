"""Reads of catalog and stock shared by the admin, the API, the dashboard and reports."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from inventory.models import (
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    StockLevel,
    StockMovement,
)


@dataclass(frozen=True)
class StockDrift:
    sku: str
    warehouse: str
    level_on_hand: int
    ledger_on_hand: int
    level_allocated: int
    ledger_allocated: int


def stock_drift_list() -> Iterator[StockDrift]:
    """Every stock row whose quantities differ from the sum of its ledger movements.

    Two grouped queries, whatever the catalog size: the ledger summed per (variant,
    warehouse), and the stock rows, compared in memory one pair at a time.
    """
    ledger = {
        (row["variant_id"], row["warehouse_id"]): (row["on_hand"], row["allocated"])
        for row in StockMovement.objects.order_by()
        .values("variant_id", "warehouse_id")
        .annotate(on_hand=Sum("on_hand_delta"), allocated=Sum("allocated_delta"))
    }
    levels = StockLevel.objects.values_list(
        "variant_id",
        "warehouse_id",
        "on_hand",
        "allocated",
        "variant__sku",
        "warehouse__code",
        "variant__product__title",
    ).order_by("pk")
    for variant_id, warehouse_id, on_hand, allocated, sku, code, title in levels.iterator(2000):
        expected = ledger.pop((variant_id, warehouse_id), (0, 0))
        if expected != (on_hand, allocated):
            yield StockDrift(
                sku or f"{title} (no SKU)", code, on_hand, expected[0], allocated, expected[1]
            )
    # Ledger movements for a row that no longer exists at all.
    for (variant_id, warehouse_id), (on_hand, allocated) in ledger.items():
        if on_hand or allocated:
            yield StockDrift(
                f"variant {variant_id}", f"warehouse {warehouse_id}", 0, on_hand, 0, allocated
            )


# --- the storefront's view of the catalog -----------------------------------------------------


def _available_in_active_warehouses():
    """Units a storefront may sell: on hand less allocated, per active warehouse, never
    below zero (a backordered row does not take units from the others)."""
    levels = StockLevel.objects.filter(variant=OuterRef("pk"), warehouse__active=True)
    per_row = Greatest(F("on_hand") - F("allocated"), Value(0))
    total = levels.order_by().values("variant").annotate(total=Sum(per_row)).values("total")
    return Coalesce(Subquery(total[:1], output_field=IntegerField()), Value(0))


VARIANT_MATCHES_SHOWN = 20


def variant_find(text: str) -> list[ProductVariant]:
    """The variants a person means by `text`: its SKU (whatever its case), else its barcode
    (what a scanner types), else every word found in the product's title, the option values
    or the SKU ("linen shirt m"). A variant without a SKU is found as well as one with."""
    text = " ".join(text.split())
    if not text:
        return []
    variants = ProductVariant.objects.select_related("product").order_by(
        "product__title", "position", "pk"
    )
    for exact in (Q(sku=text), Q(sku__iexact=text), Q(barcode=text.lstrip("'"))):
        found = list(variants.filter(exact)[:VARIANT_MATCHES_SHOWN])
        if found:
            return found
    words = Q()
    for word in text.split():
        words &= (
            Q(product__title__icontains=word)
            | Q(option1__iexact=word)
            | Q(option2__iexact=word)
            | Q(option3__iexact=word)
            | Q(sku__icontains=word)
        )
    found = list(variants.filter(words)[: VARIANT_MATCHES_SHOWN * 5])
    return _best_by_options(found, text)[:VARIANT_MATCHES_SHOWN]


def _best_by_options(variants: list[ProductVariant], text: str) -> list[ProductVariant]:
    """Of variants matching every word, those whose option values are words of the text
    ("linen shirt s" is the S, though "s" is in "shirt" too)."""
    words = {word.casefold() for word in text.split()}

    def hits(variant):
        return sum(value.casefold() in words for value in variant.option_values)

    best = max((hits(v) for v in variants), default=0)
    return [v for v in variants if hits(v) == best]


def sellable_variants():
    """Variants for sale (active, priced, of active products), with `available_n`."""
    return ProductVariant.objects.for_sale().annotate(available_n=_available_in_active_warehouses())


def storefront_product_list():
    """Active products with their sellable variants (with availability) and images: three
    queries for a page, whatever its size."""
    variants = sellable_variants().order_by("position", "id")
    # An image of an inactive variant would show that variant's id: the storefront never
    # sees the variant, so it does not see its pictures either.
    images = ProductImage.objects.filter(Q(variant__isnull=True) | Q(variant__active=True))
    return (
        Product.objects.filter(status=ProductStatus.ACTIVE)
        .prefetch_related(
            Prefetch("variants", queryset=variants, to_attr="sellable_variants"),
            Prefetch("images", queryset=images.order_by("position", "id")),
        )
        .order_by("updated_at", "id")
    )


def storefront_product_get(id_or_handle: str) -> Product | None:
    products = storefront_product_list()
    # ASCII digits only ("²" is a digit to str.isdigit, not to int), and within the column.
    if id_or_handle.isascii() and id_or_handle.isdigit() and len(id_or_handle) <= 18:
        return products.filter(pk=int(id_or_handle)).first()
    return products.filter(handle=id_or_handle).first()


def storefront_stock_list():
    """Sellable variants with their stock rows in active warehouses."""
    levels = StockLevel.objects.filter(warehouse__active=True).select_related("warehouse")
    return (
        sellable_variants()
        .prefetch_related(Prefetch("stock", queryset=levels.order_by("warehouse__code")))
        .order_by("id")
    )


def category_tree() -> list[dict]:
    """Every category as nested nodes, in one query."""
    nodes: dict[int, dict[str, Any]] = {
        category.pk: {"category": category, "children": []}
        for category in Category.objects.order_by("full_path")
    }
    roots: list[dict] = []
    for node in nodes.values():
        parent = node["category"].parent_id
        (nodes[parent]["children"] if parent in nodes else roots).append(node)
    return roots
