"""The demo catalog: a small, believable shop whose stock was received, transferred, adjusted
and counted through the stock services, so the ledger tells the story of every quantity. A
fixed random seed makes it the same on every machine."""

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from inventory.demo.data import (
    ACTOR,
    CATEGORIES,
    CENT,
    DEMO_HANDLES,
    FAMILIES,
    IMAGES,
    MADE_TO_ORDER_VENDORS,
    REASON,
    SEED,
    TAX_CLASSES,
    WAREHOUSES,
    Family,
    Item,
    Option,
)
from inventory.models import (
    Category,
    InventoryPolicy,
    MovementReason,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    StockLevel,
    StockMovement,
    TaxClass,
    Warehouse,
)
from inventory.renditions import content_name
from inventory.services import (
    category_save,
    product_image_save,
    product_save,
    stock_adjust,
    stock_count,
    stock_receive,
    stock_transfer,
    variant_save,
    warehouse_save,
)

# --- the demo catalog -------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    variant: ProductVariant
    family: Family

    @property
    def stockable(self) -> bool:
        return self.family.stocked and self.variant.product.status != ProductStatus.DRAFT


def seed_demo_catalog() -> bool:
    """Create the demo catalog and its stock; False when it is there already."""
    with transaction.atomic():
        if Product.objects.filter(handle__in=DEMO_HANDLES).exists():
            return False
        rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        taxes = seed_tax_classes()
        categories = seed_categories()
        warehouses = seed_warehouses()
        seeded = seed_products(rng, taxes, categories)
        seed_stock(rng, [s for s in seeded if s.stockable], warehouses)
    return True


def catalog_summary() -> str:
    return (
        f"Catalog: {Product.objects.count()} products, "
        f"{ProductVariant.objects.count()} variants, "
        f"{Warehouse.objects.count()} warehouses, "
        f"{StockMovement.objects.count()} ledger rows"
    )


# --- reference rows: found by their key, created when missing ---------------------------------


def seed_tax_classes() -> dict[str, TaxClass]:
    taxes = {}
    for key, (name, rate) in TAX_CLASSES.items():
        tax = TaxClass.objects.filter(name=name).first()
        if tax is None:
            tax = TaxClass(name=name, rate=rate, exempt=key == "zero")
            save_with_history(tax)
        taxes[key] = tax
    return taxes


def seed_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for slug, name, parent in CATEGORIES:
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            category = Category(
                name=name, slug=slug, parent=categories.get(parent) if parent else None
            )
            category = category_save(category=category, actor=ACTOR, reason=REASON)
        categories[slug] = category
    return categories


def seed_warehouses() -> dict[str, Warehouse]:
    """The three demo warehouses; the first becomes the default unless another one is."""
    has_default = Warehouse.objects.filter(is_default=True).exists()
    warehouses = {}
    for code, name, address, default in WAREHOUSES:
        warehouse = Warehouse.objects.filter(code=code).first()
        if warehouse is None:
            warehouse = Warehouse(
                code=code, name=name, address=address, is_default=default and not has_default
            )
            warehouse = warehouse_save(warehouse=warehouse, actor=ACTOR, reason=REASON)
        warehouses[code] = warehouse
    return warehouses


def save_with_history(instance) -> None:
    """Save a row that has no catalog service yet (tax classes) with the same
    history note the services write for the system actor."""
    instance._change_reason = f"{REASON} ({ACTOR})"
    instance.save()


# --- products and variants --------------------------------------------------------------------


PRICE_ENDINGS = (Decimal("0.00"), Decimal("0.10"), Decimal("0.50"))  # 29.00, 28.90, 28.50
COST_SHARES = (Decimal("0.35"), Decimal("0.40"), Decimal("0.45"))
EXTRA_TAGS = ("new", "bestseller", "gift idea", "staff pick")


@dataclass(frozen=True)
class Plan:
    """What was chosen at random for one product."""

    family: Family
    item: Item
    number: int
    options: tuple[Option, ...]
    price: Decimal
    compare_at: Decimal | None
    cost_share: Decimal


def seed_products(rng: random.Random, taxes, categories) -> list[Seeded]:
    seeded = []
    barcodes = ean13_barcodes()
    numbers = itertools.count(1)
    for family in FAMILIES:
        for item in family.products:
            plan = plan_product(rng, family, item, next(numbers))
            product = create_product(rng, plan, taxes, categories)
            seeded += [Seeded(v, family) for v in create_variants(plan, product, barcodes)]
            attach_image(product, family.image)
    return seeded


def plan_product(rng: random.Random, family: Family, item: Item, number: int) -> Plan:
    price = Decimal(item.price) - rng.choice(PRICE_ENDINGS)
    on_sale = not family.price_from_option and rng.random() < 0.2
    # A sale shows the old price, rounded up to a ".90" a little above the new one.
    compare_at = (price * Decimal("1.3")).quantize(Decimal(1), ROUND_HALF_UP) - Decimal("0.10")
    return Plan(
        family=family,
        item=item,
        number=number,
        options=choose_options(rng, family, item),
        price=price,
        compare_at=compare_at if on_sale else None,
        cost_share=rng.choice(COST_SHARES),
    )


def choose_options(rng: random.Random, family: Family, item: Item) -> tuple[Option, ...]:
    """The options of one product, with the values it comes in (in the palette's order)."""
    chosen = []
    for option in family.options if item.options is None else item.options:
        values = option.values
        if option.pick:
            picked = set(rng.sample(values, option.pick))
            values = tuple(value for value in option.values if value in picked)
        chosen.append(Option(option.name, values, surcharge=option.surcharge))
    return tuple(chosen)


def create_product(rng: random.Random, plan: Plan, taxes, categories) -> Product:
    family, item = plan.family, plan.item
    names = [option.name for option in plan.options] + ["", "", ""]
    tags = [*family.tags, *rng.sample(EXTRA_TAGS, rng.randint(0, 1))]
    if plan.compare_at:
        tags.append("sale")
    product = Product(
        title=item.title,
        handle=slugify(item.title),
        description=describe(family, item),
        vendor=item.vendor,
        product_type=item.product_type or family.product_type,
        tags=", ".join(tags),
        status=item.status,
        category=categories[family.category],
        tax_class=taxes[family.tax],
        seo_title=f"{item.title} | {item.vendor}",
        seo_description=family.lead,
        option1_name=names[0],
        option2_name=names[1],
        option3_name=names[2],
    )
    return product_save(product=product, actor=ACTOR, reason=REASON)


def describe(family: Family, item: Item) -> str:
    features = "".join(f"<li>{escape(feature)}</li>" for feature in family.features)
    lead = f"<strong>{escape(item.title)}</strong> by {escape(item.vendor)}."
    return f"<p>{lead} {escape(family.lead)}</p><ul>{features}</ul>"


def create_variants(plan: Plan, product: Product, barcodes) -> list[ProductVariant]:
    """Every combination of the product's option values; one "Default" variant without options."""
    family = plan.family
    made_to_order = plan.item.vendor in MADE_TO_ORDER_VENDORS
    weight = plan.item.weight or family.weight
    combinations = itertools.product(*(enumerate(option.values) for option in plan.options))
    variants = []
    for position, combination in enumerate(combinations):
        values = [value for _, value in combination]
        steps = [index for index, _ in combination]
        surcharge = sum(
            (Decimal(o.surcharge) * step for o, step in zip(plan.options, steps, strict=True)),
            Decimal(0),
        )
        price = Decimal(values[0]) if family.price_from_option else plan.price + surcharge
        padded = [*values, "", "", ""]
        variant = ProductVariant(
            product=product,
            sku=None if made_to_order else sku(plan, values),
            barcode=next(barcodes) if family.stocked and not made_to_order else "",
            option1=padded[0],
            option2=padded[1],
            option3=padded[2],
            price=price,
            compare_at_price=plan.compare_at + surcharge if plan.compare_at else None,
            cost=None
            if made_to_order or not family.stocked
            else (price * plan.cost_share).quantize(CENT, ROUND_HALF_UP),
            weight=Decimal(weight) if weight else None,
            weight_unit=family.weight_unit,
            # Made-to-order pieces and gift cards can be sold with nothing on the shelf.
            inventory_policy=InventoryPolicy.CONTINUE
            if made_to_order or not family.stocked
            else InventoryPolicy.DENY,
            position=position,
        )
        variants.append(variant_save(variant=variant, actor=ACTOR, reason=REASON))
    return variants


def sku(plan: Plan, values: list[str]) -> str:
    """E.g. TS-001-M-NAVY: family, product number, then a short code per option value."""
    codes = ["".join(ch for ch in value.upper() if ch.isalnum())[:4] for value in values]
    return "-".join([plan.family.code, f"{plan.number:03d}", *codes])


def ean13_barcodes():
    """Valid EAN-13 numbers (French GS1 prefix 376), one after another."""
    for serial in itertools.count(1):
        body = f"3760123{serial:05d}"
        total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
        yield f"{body}{(10 - total % 10) % 10}"


def attach_image(product: Product, filename: str) -> ProductImage:
    image = ProductImage(product=product, alt_text=product.title, position=0)
    content = (IMAGES / filename).read_bytes()
    # Named by its content, as uploads and imported copies are. The file is written now, ahead
    # of the commit: a failed seed leaves an unused file in storage, harmless for demo data.
    name = content_name(content, filename.rsplit(".", 1)[-1])
    image.image.save(name, ContentFile(content), save=False)
    return product_image_save(image=image, actor=ACTOR, reason=REASON)


# --- stock: every quantity comes from a service, so the ledger explains it --------------------

Balances = dict[tuple[ProductVariant, str], int]  # on hand per (variant, warehouse code)

RECEIPT_QUANTITIES = (0, 6, 12, 12, 18, 24, 24, 36, 48)
MADE_TO_ORDER_QUANTITIES = (0, 2, 4, 6)

# (reason, change of on hand, note): what a few months of running a shop leaves behind.
ADJUSTMENTS = (
    (MovementReason.DAMAGE, -2, "Crushed carton at goods-in"),
    (MovementReason.DAMAGE, -1, "Water damage from a leaking roof"),
    (MovementReason.DAMAGE, -1, "Stained on the shop floor"),
    (MovementReason.DAMAGE, -1, "Faulty zip, returned to vendor"),
    (MovementReason.DAMAGE, -2, "Dropped during picking"),
    (MovementReason.LOSS, -1, "Missing at shelf check"),
    (MovementReason.LOSS, -1, "Suspected shoplifting"),
    (MovementReason.LOSS, -2, "Lost in transit by the carrier"),
    (MovementReason.FOUND, 1, "Found behind the returns rack"),
    (MovementReason.FOUND, 2, "Unlabelled box identified"),
    (MovementReason.RETURN, 1, "Customer return, resaleable"),
    (MovementReason.CORRECTION, -1, "Receipt keyed twice"),
)


def seed_stock(rng: random.Random, seeded: list[Seeded], warehouses) -> None:
    balances: Balances = {}
    receive_purchase_orders(rng, seeded, warehouses, balances)
    stock_the_shop(rng, seeded, warehouses, balances)
    record_adjustments(rng, warehouses, balances)
    take_stock(rng, warehouses, balances)
    set_reorder_points(rng, warehouses["main"])


def remember(balances: Balances, *movements: StockMovement) -> None:
    for movement in movements:
        balances[(movement.variant, movement.warehouse.code)] = movement.on_hand_after


def receive_purchase_orders(rng: random.Random, seeded: list[Seeded], warehouses, balances):
    """One purchase order per vendor into the main warehouse; big deliveries are split,
    half a pallet going to the overflow warehouse."""
    orders: dict[str, str] = {}
    for variant in (s.variant for s in seeded):
        vendor = variant.product.vendor
        reference = orders.setdefault(vendor, f"PO-{4101 + len(orders)}")
        quantities = MADE_TO_ORDER_QUANTITIES if variant.allows_backorder else RECEIPT_QUANTITIES
        quantity = rng.choice(quantities)
        if not quantity:
            continue
        note = f"Delivery from {vendor}"
        remember(balances, receive(variant, warehouses["main"], quantity, reference, note))
        if quantity >= 36:
            note = "Split delivery: half a pallet to overflow"
            overflow = receive(variant, warehouses["overflow"], quantity // 2, reference, note)
            remember(balances, overflow)


def receive(variant, warehouse, quantity: int, reference: str, note: str) -> StockMovement:
    return stock_receive(
        variant=variant,
        warehouse=warehouse,
        quantity=quantity,
        actor=ACTOR,
        reference=reference,
        note=note,
    )


def stock_the_shop(rng: random.Random, seeded: list[Seeded], warehouses, balances) -> None:
    """Weekly transfers from the main warehouse fill the Paris shop with about half the range."""
    for index, variant in enumerate(s.variant for s in seeded):
        on_hand = balances.get((variant, "main"), 0)
        if on_hand < 6 or rng.random() < 0.5:
            continue
        movements = stock_transfer(
            variant=variant,
            from_warehouse=warehouses["main"],
            to_warehouse=warehouses["shop"],
            quantity=rng.randint(2, min(8, on_hand // 2)),
            actor=ACTOR,
            reference=f"TR-{5001 + index // 25}",
        )
        remember(balances, *movements)


def record_adjustments(rng: random.Random, warehouses, balances: Balances) -> None:
    candidates = [row for row, on_hand in balances.items() if on_hand >= 3]
    for (variant, code), (reason, delta, note) in zip(
        rng.sample(candidates, len(ADJUSTMENTS)), ADJUSTMENTS, strict=True
    ):
        movement = stock_adjust(
            variant=variant,
            warehouse=warehouses[code],
            delta=delta,
            reason=reason,
            actor=ACTOR,
            note=note,
        )
        remember(balances, movement)


def take_stock(rng: random.Random, warehouses, balances: Balances) -> None:
    """A stocktake in the shop finds a few small differences, and three bins in the main
    warehouse turn out to be empty."""
    shop_rows = [row for row in balances if row[1] == "shop"]
    for variant, code in rng.sample(shop_rows, min(8, len(shop_rows))):
        counted = max(0, balances[(variant, code)] + rng.choice((-2, -1, 0, 1)))
        count(variant, warehouses[code], counted, "COUNT-SHOP-01", balances)
    low_rows = [row for row, on_hand in balances.items() if row[1] == "main" and on_hand <= 12]
    for variant, code in rng.sample(low_rows, min(3, len(low_rows))):
        count(variant, warehouses[code], 0, "COUNT-MAIN-01", balances)


def count(variant, warehouse, quantity: int, reference: str, balances: Balances) -> None:
    movement = stock_count(
        variant=variant, warehouse=warehouse, quantity=quantity, actor=ACTOR, reference=reference
    )
    if movement is not None:
        remember(balances, movement)


def set_reorder_points(rng: random.Random, main: Warehouse) -> None:
    """Reorder settings on about a third of the main warehouse's rows and on every empty one,
    so the low- and out-of-stock lists have something to show. They are settings, not
    quantities: a plain update, with no ledger row."""
    rows = StockLevel.objects.filter(warehouse=main).order_by("pk").values_list("pk", "on_hand")
    by_setting: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, on_hand in rows:
        if on_hand == 0 or rng.random() < 0.35:
            by_setting[(rng.choice((5, 8, 12)), rng.choice((24, 36, 48)))].append(pk)
    for (point, quantity), pks in by_setting.items():
        StockLevel.objects.filter(pk__in=pks).update(reorder_point=point, reorder_quantity=quantity)
