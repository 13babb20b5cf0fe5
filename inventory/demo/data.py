"""The demo catalog's reference data: tax classes, categories, warehouses, and the product
families it is built from."""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.text import slugify

from backoffice.actors import Actor
from inventory.models import (
    ProductStatus,
)

ACTOR = Actor.system("seed_demo")
REASON = "Demo catalog"
SEED = 20250601
IMAGES = Path(__file__).resolve().parents[2] / "fixtures" / "images"
CENT = Decimal("0.01")

# --- reference data ---------------------------------------------------------------------------

# key -> (name, rate in percent)
TAX_CLASSES = {
    "standard": ("Standard", Decimal("20.000")),
    "reduced": ("Reduced", Decimal("5.500")),
    # Gift cards are outside the scope of VAT until spent: the exempt class the migrations make.
    "zero": ("Exempt / zero-rated", Decimal("0.000")),
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
