"""An example of every answer, for the published schema: built from the output schemas
themselves, so an example cannot drift from the shape it illustrates. They show the demo
catalog's first T-shirt, as a storefront would receive it."""

from datetime import UTC, datetime
from decimal import Decimal

from integrations.api.http import cursor_encode
from integrations.api.schemas import (
    AddressOut,
    CategoryNode,
    CategoryOut,
    ChangesPage,
    CustomerOut,
    ImageOut,
    OrderChange,
    OrderLineOut,
    OrderOut,
    OrderPage,
    PictureOut,
    ProductChange,
    ProductOut,
    ProductPage,
    Removal,
    RenditionsOut,
    ShipmentOut,
    StockOut,
    StockPage,
    VariantOut,
    WarehouseStockOut,
)
from integrations.models import ChangeKind
from inventory.models import InventoryPolicy, WeightUnit
from sales.models import FulfilmentState, OrderStatus, PaymentState

UPDATED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
MEDIA = "https://shop.example.com/media/products"

CATEGORY = CategoryOut(
    id=4, name="T-shirts", slug="t-shirts", path="Apparel › T-shirts", parent_id=1
)
CATEGORY_TREE = [
    CategoryNode(
        id=1,
        name="Apparel",
        slug="apparel",
        path="Apparel",
        parent_id=None,
        children=[CategoryNode(**CATEGORY.model_dump(), children=[])],
    )
]


def _picture(name: str, width: int, height: int) -> PictureOut:
    return PictureOut(url=f"{MEDIA}/{name}", width=width, height=height)


VARIANT = VariantOut(
    id=41,
    product_id=12,
    sku="TS-001-M-NAVY",
    barcode="3760123000415",
    options=["M", "Navy"],
    price=Decimal("25.00"),
    compare_at_price=None,
    currency="EUR",
    weight=Decimal("0.180"),
    weight_unit=WeightUnit.KILOGRAM,
    inventory_policy=InventoryPolicy.DENY,
    available=37,
    updated_at=UPDATED,
)
PRODUCT = ProductOut(
    id=12,
    handle="organic-cotton-crew-tee",
    title="Organic Cotton Crew Tee",
    description_html="<p>Cut for everyday wear, with a soft hand.</p>",
    vendor="Northbound",
    product_type="T-shirt",
    tags=["basics", "cotton"],
    category_id=CATEGORY.id,
    options=["Size", "Color"],
    seo_title="",
    seo_description="",
    variants=[VARIANT],
    images=[
        ImageOut(
            id=7,
            url=f"{MEDIA}/5f0c9a1e2b7d4c3a.jpg",
            width=1800,
            height=1200,
            alt_text="Organic Cotton Crew Tee, navy",
            position=0,
            variant_id=None,
            renditions=RenditionsOut(
                thumbnail=_picture("5f0c9a1e2b7d4c3a-thumbnail.webp", 160, 160),
                medium=_picture("5f0c9a1e2b7d4c3a-medium.webp", 800, 533),
                large=_picture("5f0c9a1e2b7d4c3a-large.webp", 1600, 1067),
            ),
        )
    ],
    updated_at=UPDATED,
)
STOCK = StockOut(
    variant_id=VARIANT.id,
    sku=VARIANT.sku,
    available=37,
    warehouses=[
        WarehouseStockOut(warehouse="PAR", available=30),
        WarehouseStockOut(warehouse="LYO", available=7),
    ],
)
ORDER = OrderOut(
    id=318,
    number="SO-2026-000318",
    source_reference="web-10234",
    status=OrderStatus.PLACED,
    payment_status=PaymentState.PAID,
    fulfilment_status=FulfilmentState.FULFILLED,
    currency="EUR",
    subtotal=Decimal("50.00"),
    discount=Decimal("0.00"),
    shipping=Decimal("4.90"),
    tax=Decimal("9.15"),
    total=Decimal("54.90"),
    placed_at=UPDATED,
    updated_at=UPDATED,
    customer=CustomerOut(
        email="claire.martin@example.com", first_name="Claire", last_name="Martin"
    ),
    shipping_address=AddressOut(
        name="Claire Martin",
        company="",
        line1="12 rue des Tanneurs",
        line2="",
        postal_code="69002",
        city="Lyon",
        region="",
        country="FR",
        phone="+33612345678",
    ),
    lines=[
        OrderLineOut(
            sku=VARIANT.sku or "",
            title=PRODUCT.title,
            options="M / Navy",
            quantity=2,
            unit_price=Decimal("25.00"),
            tax_rate=Decimal("20.000"),
            discount=Decimal("0.00"),
            total=Decimal("50.00"),
            quantity_fulfilled=2,
        )
    ],
    shipments=[
        ShipmentOut(
            warehouse="PAR",
            carrier="Colissimo",
            tracking_number="6A12345678901",
            shipped_at=UPDATED,
        )
    ],
)
NEXT = cursor_encode(UPDATED, PRODUCT.id)
CHANGES = ChangesPage(
    changes=[
        ProductChange(type=ChangeKind.PRODUCT, id=PRODUCT.id, deleted=False, product=PRODUCT),
        OrderChange(type=ChangeKind.ORDER, id=ORDER.id, deleted=False, order=ORDER),
        Removal(type=ChangeKind.VARIANT, id=40, deleted=True),
    ],
    next=cursor_encode(5120, 88412),
    has_more=False,
)

# By the component they illustrate.
ANSWERS = {
    "CategoryNode": CATEGORY_TREE[0],
    "ProductOut": PRODUCT,
    "ProductPage": ProductPage(items=[PRODUCT], next=NEXT),
    "VariantOut": VARIANT,
    "StockOut": STOCK,
    "StockPage": StockPage(items=[STOCK], next=None),
    "OrderOut": ORDER,
    "OrderPage": OrderPage(items=[ORDER], next=None),
    "ChangesPage": CHANGES,
}

ERRORS = {
    400: "The request holds a NUL character, which no address, field or value may hold.",
    401: "Unauthorized",
    403: "This key lacks the catalog:read scope.",
    404: "No published product 'organic-cotton-crew-te'.",
    409: "Not enough stock of Organic Cotton Crew Tee — M / Navy: 2 ordered, 1 available in "
    "all warehouses.",
    422: "shipping_address.postal_code: 6900 is not a postal code of France (e.g. 75002).",
    429: "Too many failed authentications from this address. Try again in 12 seconds.",
}

# Path and query parameters, by name: values the demo catalog answers.
PARAMETERS = {
    "id_or_handle": PRODUCT.handle,
    "sku": VARIANT.sku,
    "number": ORDER.number,
    "updated_since": "2026-11-01T00:00:00Z",
    "cursor": NEXT,
    "since": cursor_encode(0, 0),
    "limit": 50,
    "Idempotency-Key": "checkout-7f3a9c2e-10234",
}
# Where an operation's parameter differs: the stock list pages by variant id.
OPERATION_PARAMETERS = {"listStock": {"cursor": cursor_encode(STOCK.variant_id)}}
