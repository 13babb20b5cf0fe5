"""The synthetic catalog (`seed_demo --variants N`): bulk data for benchmarks, written with
`bulk_create` in batches."""

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from inventory.demo.catalog import (
    seed_warehouses,
)
from inventory.demo.data import (
    ACTOR,
    CENT,
    FIELD_FERRY,
    KESTREL,
    MAISON_LIN,
    NORTHBOUND,
    SEED,
    TAX_CLASSES,
)
from inventory.models import (
    Category,
    MovementReason,
    Product,
    ProductStatus,
    ProductVariant,
    StockLevel,
    StockMovement,
    TaxClass,
    Warehouse,
)

# --- the synthetic catalog for benchmarks -----------------------------------------------------

SYNTHETIC_HANDLE = "syn-"
SYNTHETIC_SKU = "SYN-"
SYNTHETIC_BATCH = 5000  # variants per transaction: memory stays flat, progress is visible
BULK = 1000  # rows per INSERT
SYNTHETIC_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SYNTHETIC_WORDS = (
    ("Everyday", "Classic", "Relaxed", "Utility", "Heritage", "Lightweight"),
    ("Cotton", "Linen", "Wool", "Canvas", "Denim", "Jersey"),
    ("Tee", "Shirt", "Jacket", "Trousers", "Sweater", "Shorts"),
)
SYNTHETIC_VENDORS = (NORTHBOUND, MAISON_LIN, FIELD_FERRY, KESTREL)


@dataclass(frozen=True)
class SyntheticContext:
    warehouses: list[Warehouse]  # the default first
    categories: list[int | None]
    tax_class: TaxClass | None


def seed_synthetic_catalog(variants: int, stdout) -> int:
    """Add `variants` synthetic variants (about four per product) with received stock.

    The rows are written with bulk_create, so these products and variants get no
    simple-history rows: acceptable for throwaway benchmark data that nobody audits. The
    stock stays ledger-true: every stock row with units has its receipt movement, so
    check_stock_integrity passes. Each run adds new handles and SKUs after the last ones.
    """
    context = synthetic_context()
    number = next_synthetic_number()
    rng = random.Random(SEED + number)  # noqa: S311 - benchmark data, not secrets
    made = 0
    while made < variants:
        with transaction.atomic():
            products, batch = write_synthetic_batch(
                rng, number, min(SYNTHETIC_BATCH, variants - made), context
            )
        number += products
        made += batch
        stdout.write(f"  synthetic catalog: {made:,} of {variants:,} variants")
    refresh_planner_statistics()
    return made


def refresh_planner_statistics() -> None:
    """After a bulk load PostgreSQL still plans with the old row counts until autovacuum
    comes round; refresh them now, so the first pages are planned for the real catalog."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Product, ProductVariant, StockLevel, StockMovement):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def synthetic_context() -> SyntheticContext:
    seed_warehouses()  # the synthetic stock needs somewhere to be, even without the demo
    leaves = Category.objects.filter(children__isnull=True).order_by("pk")
    return SyntheticContext(
        warehouses=list(Warehouse.objects.filter(active=True)),
        categories=list(leaves.values_list("pk", flat=True)) or [None],
        tax_class=TaxClass.objects.filter(name=TAX_CLASSES["standard"][0]).first(),
    )


def next_synthetic_number() -> int:
    """One past the highest synthetic product number (handles are zero-padded, so the
    highest handle is the highest number)."""
    last = (
        Product.objects.filter(handle__startswith=SYNTHETIC_HANDLE)
        .order_by("-handle")
        .values_list("handle", flat=True)
        .first()
    )
    return int(last.removeprefix(SYNTHETIC_HANDLE)) + 1 if last else 1


def write_synthetic_batch(
    rng: random.Random, first_number: int, wanted: int, context: SyntheticContext
) -> tuple[int, int]:
    """Products, variants, stock rows and their receipts for `wanted` variants; returns
    (products made, variants made)."""
    products, variant_counts = [], []
    remaining, number = wanted, first_number
    while remaining:
        variant_count = min(rng.randint(2, 6), remaining)
        products.append(synthetic_product(rng, number, context))
        variant_counts.append(variant_count)
        remaining -= variant_count
        number += 1
    Product.objects.bulk_create(products, batch_size=BULK)
    variants = [
        synthetic_variant(rng, product, position)
        for product, variant_count in zip(products, variant_counts, strict=True)
        for position in range(variant_count)
    ]
    ProductVariant.objects.bulk_create(variants, batch_size=BULK)
    levels = [level for variant in variants for level in synthetic_levels(rng, variant, context)]
    StockLevel.objects.bulk_create(levels, batch_size=BULK)
    receipts = [synthetic_receipt(level) for level in levels if level.on_hand]
    StockMovement.objects.bulk_create(receipts, batch_size=BULK)
    return len(products), len(variants)


def synthetic_product(rng: random.Random, number: int, context: SyntheticContext) -> Product:
    adjective, material, noun = (rng.choice(words) for words in SYNTHETIC_WORDS)
    return Product(
        title=f"{adjective} {material} {noun} {number:07d}",
        handle=f"{SYNTHETIC_HANDLE}{number:07d}",
        description=f"<p>Synthetic benchmark product {number}.</p>",
        vendor=rng.choice(SYNTHETIC_VENDORS),
        product_type=noun,
        tags="synthetic",
        status=ProductStatus.ACTIVE,
        category_id=rng.choice(context.categories),
        tax_class=context.tax_class,
        option1_name="Size",
    )


def synthetic_variant(rng: random.Random, product: Product, position: int) -> ProductVariant:
    size = SYNTHETIC_SIZES[position]
    number = product.handle.removeprefix(SYNTHETIC_HANDLE)
    price = Decimal(rng.randint(9, 199)) + Decimal("0.90")
    return ProductVariant(
        product=product,
        sku=f"{SYNTHETIC_SKU}{number}-{size}",
        option1=size,
        price=price,
        cost=(price * Decimal("0.40")).quantize(CENT, ROUND_HALF_UP),
        weight=Decimal("0.300"),
        position=position,
    )


def synthetic_levels(
    rng: random.Random, variant: ProductVariant, context: SyntheticContext
) -> list[StockLevel]:
    """A row in the default warehouse (one in ten empty, some with reorder settings), and
    for one variant in four a row in another warehouse."""
    default, *others = context.warehouses
    reorder = rng.random() < 0.3
    levels = [
        StockLevel(
            variant=variant,
            warehouse=default,
            on_hand=0 if rng.random() < 0.1 else rng.randint(1, 60),
            reorder_point=10 if reorder else 0,
            reorder_quantity=40 if reorder else 0,
        )
    ]
    if others and rng.random() < 0.25:
        warehouse = rng.choice(others)
        levels.append(StockLevel(variant=variant, warehouse=warehouse, on_hand=rng.randint(1, 20)))
    return levels


def synthetic_receipt(level: StockLevel) -> StockMovement:
    return StockMovement(
        variant=level.variant,
        warehouse=level.warehouse,
        on_hand_delta=level.on_hand,
        allocated_delta=0,
        on_hand_after=level.on_hand,
        allocated_after=0,
        reason=MovementReason.RECEIPT,
        reference=f"SYN-PO-{level.variant.product_id}",
        actor_kind=ACTOR.kind,
        actor_name=ACTOR.name,
        note="Synthetic opening stock",
    )
