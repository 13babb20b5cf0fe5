"""The demo catalog that `seed_demo` loads, and a synthetic catalog for benchmarks.

The demo catalog is a small, believable shop: apparel, footwear, homeware, coffee and a gift
card in a category tree, with three warehouses whose stock was received, transferred,
adjusted and counted through the stock services, so the ledger tells the story of every
quantity. A fixed random seed makes it the same on every machine.

The synthetic catalog (`seed_demo --variants N`) is bulk data for benchmarks, written with
`bulk_create` in batches.
"""

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.text import slugify

from backoffice.actors import Actor
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
from inventory.services import (
    category_save,
    product_save,
    stock_adjust,
    stock_count,
    stock_receive,
    stock_transfer,
    variant_save,
    warehouse_save,
)

ACTOR = Actor.system("seed_demo")
REASON = "Demo catalog"
SEED = 20250601
IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
CENT = Decimal("0.01")

# --- reference data ---------------------------------------------------------------------------

# key -> (name, rate in percent)
TAX_CLASSES = {
    "standard": ("Standard", Decimal("20.000")),
    "reduced": ("Reduced", Decimal("5.500")),
    "zero": ("Zero rate", Decimal("0.000")),
}

# (slug, name, parent slug), parents first.
CATEGORIES = (
    ("apparel", "Apparel", None),
    ("tops", "Tops", "apparel"),
    ("t-shirts", "T-shirts", "tops"),
    ("shirts", "Shirts", "tops"),
    ("knitwear", "Knitwear", "tops"),
    ("trousers", "Trousers", "apparel"),
    ("outerwear", "Outerwear", "apparel"),
    ("footwear", "Footwear", None),
    ("sneakers", "Sneakers", "footwear"),
    ("boots", "Boots", "footwear"),
    ("home", "Home", None),
    ("kitchen", "Kitchen", "home"),
    ("tableware", "Tableware", "kitchen"),
    ("pantry", "Pantry", "home"),
    ("coffee", "Coffee", "pantry"),
    ("textiles", "Textiles", "home"),
    ("candles", "Candles & scents", "home"),
    ("accessories", "Accessories", None),
    ("bags", "Bags", "accessories"),
    ("hats-scarves", "Hats & scarves", "accessories"),
    ("gift-cards", "Gift cards", None),
)

# (code, name, address, default?)
WAREHOUSES = (
    ("main", "Main warehouse", "12 Rue des Entrepôts\n69007 Lyon\nFrance", True),
    ("shop", "Shop stockroom", "48 Rue de Charonne\n75011 Paris\nFrance", False),
    ("overflow", "Overflow (3PL)", "Zone Eurasanté, 3 Allée des Docks\n59000 Lille\nFrance", False),
)

NORTHBOUND = "Northbound Apparel"
MAISON_LIN = "Maison Lin"
FIELD_FERRY = "Field & Ferry"
KESTREL = "Kestrel Outdoor"
STRIDE = "Stride Works"
ATELIER_TERRE = "Atelier Terre"
COPPER_KETTLE = "Copper Kettle Co."
BEAN_BARROW = "Bean & Barrow Roasters"
LOOM_HOUSE = "Loom House"
WICK_WAX = "Wick & Wax"
CARRYALL = "Carryall Studio"
HOUSE = "House brand"

# A small potter whose catalog came in from a spreadsheet: no SKUs, no costs, made to order.
MADE_TO_ORDER_VENDORS = {ATELIER_TERRE}


@dataclass(frozen=True)
class Option:
    name: str
    values: tuple[str, ...]
    pick: int = 0  # 0: every value; n: n values chosen at random (colours vary by product)
    surcharge: str = "0"  # added to the price for each step along the values (bigger sizes)


@dataclass(frozen=True)
class Item:
    title: str
    vendor: str
    price: int  # whole currency units; the cents are chosen at random
    options: tuple[Option, ...] | None = None  # None: the family's options
    status: str = ProductStatus.ACTIVE
    product_type: str = ""
    weight: str = ""


@dataclass(frozen=True)
class Family:
    """Products that share a type, a category, an image and usually their options."""

    code: str  # SKU prefix
    product_type: str
    category: str
    image: str
    weight: str | None
    products: tuple[Item, ...]
    options: tuple[Option, ...] = ()
    weight_unit: str = "kg"
    tax: str = "standard"
    tags: tuple[str, ...] = ()
    lead: str = ""
    features: tuple[str, ...] = ()
    stocked: bool = True  # gift cards are never received into a warehouse
    price_from_option: bool = False  # a gift card's amount is its price


APPAREL_SIZES = Option("Size", ("S", "M", "L", "XL"))
APPAREL_COLORS = ("White", "Black", "Navy", "Grey Marl", "Olive", "Ecru", "Rust", "Sky Blue")
KNIT_COLORS = ("Oatmeal", "Charcoal", "Forest", "Navy", "Camel")
SHOE_SIZES = Option("Size", ("40", "41", "42", "43", "44"))
GLAZES = ("Speckled White", "Sage", "Ink Blue", "Terracotta")
HOME_COLORS = ("Natural", "Sand", "Slate", "Clay", "Moss")
LEATHER_COLORS = ("Tan", "Black", "Cognac", "Olive")


def colors(palette: tuple[str, ...], pick: int) -> Option:
    return Option("Color", palette, pick=pick)


FAMILIES = (
    Family(
        code="TS",
        product_type="T-shirt",
        category="t-shirts",
        image="tshirt.png",
        weight="0.180",
        options=(APPAREL_SIZES, colors(APPAREL_COLORS, 2)),
        tags=("cotton", "basics"),
        lead="Cut for everyday wear, with a soft hand and a shape that holds after washing.",
        features=("Ribbed crew neck", "Side-seamed for a straight hang", "Machine wash at 30 °C"),
        products=(
            Item("Organic Cotton Crew Tee", NORTHBOUND, 25),
            Item("Heavyweight Pocket Tee", NORTHBOUND, 32),
            Item("Striped Breton Tee", MAISON_LIN, 39),
            Item("Merino Trail Tee", KESTREL, 59),
            Item("Washed Slub Tee", FIELD_FERRY, 29),
        ),
    ),
    Family(
        code="SH",
        product_type="Shirt",
        category="shirts",
        image="shirt.jpg",
        weight="0.300",
        options=(APPAREL_SIZES,),
        tags=("shirts",),
        lead="A shirt that works tucked in at the office and open over a tee at the weekend.",
        features=("Mother-of-pearl buttons", "Curved hem", "Machine wash at 40 °C"),
        products=(
            Item("Oxford Button-Down Shirt", FIELD_FERRY, 69),
            Item("Linen Camp-Collar Shirt", MAISON_LIN, 79),
            Item("Flannel Overshirt", NORTHBOUND, 89, status=ProductStatus.DRAFT),
        ),
    ),
    Family(
        code="KN",
        product_type="Sweater",
        category="knitwear",
        image="knitwear.png",
        weight="0.450",
        options=(Option("Size", ("S", "M", "L")), colors(KNIT_COLORS, 2)),
        tags=("wool", "knitwear"),
        lead="Knitted in a family mill from yarn that softens with every wear.",
        features=("Fully fashioned shoulders", "Rib cuffs and hem", "Hand wash cold, dry flat"),
        products=(
            Item("Lambswool Crewneck", NORTHBOUND, 95),
            Item("Cable-Knit Fisherman Sweater", KESTREL, 149),
            Item("Merino Roll-Neck", MAISON_LIN, 119),
        ),
    ),
    Family(
        code="TR",
        product_type="Trousers",
        category="trousers",
        image="trousers.jpg",
        weight="0.650",
        options=(Option("Waist", ("28", "30", "32", "34", "36")),),
        tags=("trousers",),
        lead="A straight, easy cut with room through the thigh and a clean finish at the ankle.",
        features=("Button fly", "Two back pockets", "Inside leg 81 cm, easy to take up"),
        products=(
            Item("Selvedge Straight Jeans", FIELD_FERRY, 129, product_type="Jeans"),
            Item("Cotton Chinos", FIELD_FERRY, 79),
            Item("Wide-Leg Linen Trousers", MAISON_LIN, 99),
            Item("Ripstop Hiking Pants", KESTREL, 89),
        ),
    ),
    Family(
        code="OW",
        product_type="Jacket",
        category="outerwear",
        image="jacket.png",
        weight="1.100",
        options=(APPAREL_SIZES,),
        tags=("outerwear", "weatherproof"),
        lead="Made for wet commutes and windy coast paths, and built to be repaired.",
        features=("Two-way zip", "Storm flap", "Lifetime repair service"),
        products=(
            Item("Waxed Cotton Jacket", NORTHBOUND, 249),
            Item("Packable Rain Shell", KESTREL, 149, weight="0.350"),
            Item("Quilted Liner Vest", KESTREL, 119, product_type="Vest", weight="0.500"),
        ),
    ),
    Family(
        code="SN",
        product_type="Sneakers",
        category="sneakers",
        image="sneaker.png",
        weight="0.850",
        options=(SHOE_SIZES,),
        tags=("footwear",),
        lead="A vulcanised sole and a padded collar: comfortable from the first day.",
        features=("Removable cork insole", "Waxed cotton laces", "EU sizes, true to size"),
        products=(
            Item("Canvas Low-Top Sneaker", STRIDE, 79),
            Item("Leather Court Sneaker", STRIDE, 139),
            Item("Suede Runner", STRIDE, 119),
            Item("Recycled Knit Trainer", STRIDE, 109),
        ),
    ),
    Family(
        code="BT",
        product_type="Boots",
        category="boots",
        image="boot.jpg",
        weight="1.400",
        options=(SHOE_SIZES,),
        tags=("footwear", "leather"),
        lead="Goodyear-welted, so the sole can be replaced when it wears through.",
        features=("Full-grain leather upper", "Leather lining", "Resoleable rubber sole"),
        products=(
            Item("Chelsea Boot", STRIDE, 199),
            Item("Lace-Up Work Boot", STRIDE, 229),
            Item("Shearling-Lined Winter Boot", STRIDE, 259, status=ProductStatus.ARCHIVED),
        ),
    ),
    Family(
        code="TW",
        product_type="Tableware",
        category="tableware",
        image="mug.png",
        weight="450",
        weight_unit="g",
        options=(Option("Glaze", GLAZES, pick=3),),
        tags=("ceramics", "handmade"),
        lead="Thrown and glazed by hand in our studio: every piece is a little different.",
        features=("Stoneware fired at 1,280 °C", "Dishwasher and microwave safe"),
        products=(
            Item("Stoneware Mug", ATELIER_TERRE, 24),
            Item("Hand-Thrown Espresso Cup", ATELIER_TERRE, 18, weight="120"),
            Item("Speckled Dinner Plate", ATELIER_TERRE, 32, options=(Option("Glaze", GLAZES, 2),)),
            Item("Stoneware Serving Platter", ATELIER_TERRE, 68, options=(), weight="1800"),
        ),
    ),
    Family(
        code="KT",
        product_type="Kitchenware",
        category="kitchen",
        image="mug.png",
        weight="1.600",
        tags=("kitchen",),
        lead="Honest kitchen tools that last a lifetime and look good on an open shelf.",
        features=("Suitable for all hobs, including induction", "Ten-year guarantee"),
        products=(
            Item(
                "Enamel Stovetop Kettle",
                COPPER_KETTLE,
                59,
                options=(colors(("Cream", "Sage", "Cobalt", "Red"), 3),),
            ),
            Item("Cast Iron Skillet 26 cm", COPPER_KETTLE, 69, weight="2.300"),
            Item("Olive Wood Chopping Board", COPPER_KETTLE, 45, weight="1.100"),
        ),
    ),
    Family(
        code="CF",
        product_type="Coffee",
        category="coffee",
        image="coffee.png",
        weight="0.270",
        tax="reduced",
        options=(Option("Grind", ("Whole bean", "Espresso", "Filter")),),
        tags=("coffee", "food"),
        lead="Roasted every Tuesday in small batches and shipped within the week (250 g).",
        features=("Speciality grade", "Roast date printed on the bag", "Home-compostable bag"),
        products=(
            Item("Ethiopia Yirgacheffe", BEAN_BARROW, 12),
            Item("Colombia Huila", BEAN_BARROW, 11),
            Item("House Espresso Blend", BEAN_BARROW, 9),
        ),
    ),
    Family(
        code="TX",
        product_type="Home textiles",
        category="textiles",
        image="textile.jpg",
        weight="0.900",
        options=(colors(HOME_COLORS, 3),),
        tags=("linen", "home"),
        lead="Woven from stone-washed European flax: soft from the first night.",
        features=("OEKO-TEX certified", "Machine wash at 40 °C", "Tumble dry low"),
        products=(
            Item("Waffle Bath Towel", LOOM_HOUSE, 35),
            Item(
                "Linen Duvet Cover",
                LOOM_HOUSE,
                119,
                options=(Option("Size", ("Single", "Double", "King"), surcharge="25"),),
                weight="1.300",
            ),
            Item("Wool Throw Blanket", LOOM_HOUSE, 139, options=(colors(HOME_COLORS, 2),)),
            Item("Linen Tea Towel Set", LOOM_HOUSE, 29, options=(colors(HOME_COLORS, 2),)),
            Item("Cotton Cushion Cover", LOOM_HOUSE, 32, weight="0.250"),
        ),
    ),
    Family(
        code="CN",
        product_type="Candle",
        category="candles",
        image="candle.png",
        weight="0.380",
        tags=("candles", "gift"),
        lead="Hand-poured rapeseed wax with a cotton wick: about 45 hours of burn.",
        features=("Vegan and paraben-free", "Reusable glass jar"),
        products=(
            Item("Fig & Cedar Candle", WICK_WAX, 34),
            Item("Sea Salt & Sage Candle", WICK_WAX, 34),
            Item("Amber Noir Candle", WICK_WAX, 38),
            Item("Bergamot Reed Diffuser", WICK_WAX, 42, product_type="Diffuser"),
        ),
    ),
    Family(
        code="BG",
        product_type="Bag",
        category="bags",
        image="bag.jpg",
        weight="0.700",
        options=(colors(LEATHER_COLORS, 2),),
        tags=("bags", "leather"),
        lead="Cut and stitched in a small Porto workshop from vegetable-tanned leather.",
        features=("Solid brass hardware", "Lined interior pocket"),
        products=(
            Item("Waxed Canvas Tote", CARRYALL, 69),
            Item(
                "Leather Card Holder",
                CARRYALL,
                39,
                options=(colors(LEATHER_COLORS, 3),),
                product_type="Small leather goods",
                weight="0.040",
            ),
            Item("Roll-Top Backpack", CARRYALL, 189, weight="1.050"),
            Item("Crossbody Sling Bag", CARRYALL, 89, options=()),
        ),
    ),
    Family(
        code="HT",
        product_type="Hat",
        category="hats-scarves",
        image="hat.png",
        weight="0.120",
        options=(colors(KNIT_COLORS, 3),),
        tags=("accessories", "wool"),
        lead="Warm, light and packable: the last thing you grab on the way out.",
        features=("One size fits most", "Hand wash cold"),
        products=(
            Item("Ribbed Merino Beanie", KESTREL, 35),
            Item(
                "Lambswool Scarf",
                NORTHBOUND,
                59,
                options=(colors(KNIT_COLORS, 2),),
                product_type="Scarf",
                weight="0.200",
            ),
            Item(
                "Cotton Bucket Hat",
                KESTREL,
                39,
                options=(Option("Size", ("S/M", "L/XL")), colors(APPAREL_COLORS, 2)),
            ),
        ),
    ),
    Family(
        code="GC",
        product_type="Gift card",
        category="gift-cards",
        image="giftcard.png",
        weight=None,
        tax="zero",
        options=(Option("Amount", ("25", "50", "100")),),
        tags=("gift",),
        lead="Sent by email with your message; valid for two years in the shop and online.",
        features=("Delivered instantly", "Spend it in several goes"),
        stocked=False,
        price_from_option=True,
        products=(Item("Gift Card", HOUSE, 0),),
    ),
)

DEMO_HANDLES = tuple(slugify(item.title) for family in FAMILIES for item in family.products)


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
            tax = TaxClass(name=name, rate=rate)
            save_with_history(tax)
        taxes[key] = tax
    return taxes


def seed_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for slug, name, parent in CATEGORIES:
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            category = Category(name=name, slug=slug, parent=categories.get(parent))
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
    """Save a row that has no catalog service yet (tax classes, images) with the same
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
    with (IMAGES / filename).open("rb") as source:
        # The file is written now, ahead of the commit: a failed seed leaves an unused
        # file in storage, which is harmless for demo data.
        image.image.save(filename, File(source, name=filename), save=False)
    save_with_history(image)
    return image


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
    return made


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
