"""What the storefront API says, field by field. Nothing leaves the API that is not declared
here: no cost, no internal notes, no other channel's data, no unpublished product."""

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    PlainSerializer,
    Tag,
    WithJsonSchema,
)

from backoffice.selectors import store_settings
from integrations.models import ChangeKind, WebhookEvent
from inventory.html import description_html
from inventory.models import InventoryPolicy, WeightUnit
from inventory.public_images import public_image, public_media_base
from sales.models import FulfilmentState, OrderStatus, PaymentState
from sales.services.intake import StorefrontOrder


class Out(Schema):
    """What the API answers: every field is always present (null where it says so), so a
    generated client types none of them as optional."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


def _defaults_unsaid(schema: dict[str, Any]) -> None:
    """Client generators (openapi-typescript) type a field that has a default as always
    present; in what a client sends it is optional, so its description says the default."""
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class In(Schema):
    """What a client sends: a field the schema does not know is refused (422), not dropped —
    a misspelt `shiping` would otherwise place an order without its shipping."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_defaults_unsaid)


# Amounts and other decimals travel as strings, exactly: a JSON number would be read as a
# binary float by most clients (0.1 + 0.2). Answers may be negative (a refund's total).
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
AMOUNT_IN_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,3})?$"


def _plain(value: Decimal) -> str:
    return format(value, "f")  # never an exponent: 1E+2 is 100


def _decimal_string(description: str, example: str) -> WithJsonSchema:
    """The schema of a decimal answered as a string such as "19.90"."""
    schema = {"type": "string", "pattern": DECIMAL_PATTERN, "description": description,
              "examples": [example]}  # fmt: skip
    return WithJsonSchema(schema)


_AS_STRING = PlainSerializer(_plain, return_type=str)


def _amount_in(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        raise ValueError('an amount is a string of digits, e.g. "4.90"')
    whole, _, decimals = value.partition(".")
    if len(whole) > 12:
        raise ValueError("no more than 12 digits before the decimal point")
    if len(decimals) > 3:
        raise ValueError("no more than 3 decimal places")
    return value


Money = Annotated[
    Decimal,
    _AS_STRING,
    _decimal_string('An amount in the store currency, e.g. "19.90".', "19.90"),
]
Rate = Annotated[
    Decimal, _AS_STRING, _decimal_string('A percentage, e.g. "20.000" for 20 %.', "20.000")
]
Weight = Annotated[Decimal, _AS_STRING, _decimal_string("A weight in `weight_unit`.", "0.250")]
AmountIn = Annotated[
    Decimal,
    BeforeValidator(_amount_in),
    # No example of its own: the examples a client may send are whole orders (OrderIn's).
    WithJsonSchema({"type": "string", "pattern": AMOUNT_IN_PATTERN}),
]


class ErrorOut(Out):
    detail: str | list[dict] = Field(description="What was wrong, for a person to read.")


# What any operation may answer besides its own: a NUL character refused at the door, even
# in a parameter it does not name (400), no key or a bad one (401), a missing scope (403),
# input the schema refuses (422), too many requests (429).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}


# --- catalog ----------------------------------------------------------------------------------


class CategoryOut(Out):
    id: int
    name: str
    slug: str
    path: str = Field(description="Its ancestors' names and its own, e.g. Apparel › Shirts.")
    parent_id: int | None

    @staticmethod
    def fields_of(category) -> dict:
        return {
            "id": category.pk,
            "name": category.name,
            "slug": category.slug,
            "path": category.full_path or category.name,
            "parent_id": category.parent_id,
        }

    @staticmethod
    def from_category(category) -> "CategoryOut":
        return CategoryOut(**CategoryOut.fields_of(category))


class CategoryNode(CategoryOut):
    children: list["CategoryNode"] = []

    @staticmethod
    def from_node(node: dict) -> "CategoryNode":
        return CategoryNode(
            **CategoryOut.fields_of(node["category"]),
            children=[CategoryNode.from_node(child) for child in node["children"]],
        )


class PictureOut(Out):
    url: str = Field(description="Absolute; public; never expires nor changes its picture.")
    width: int | None = Field(description="In pixels; null until the picture is measured.")
    height: int | None


class RenditionsOut(Out):
    """Smaller copies in WebP, made by a worker once the picture is stored: null until then
    (and for a picture still at its source address)."""

    thumbnail: PictureOut | None = Field(description="160 × 160, cropped to fill.")
    medium: PictureOut | None = Field(description="At most 800 px on its longer side.")
    large: PictureOut | None = Field(description="At most 1600 px on its longer side.")


class ImageOut(PictureOut):
    id: int
    alt_text: str
    position: int
    variant_id: int | None
    renditions: RenditionsOut

    @staticmethod
    def from_image(image, base: str) -> "ImageOut":
        public = public_image(image, base)
        sizes = {
            name: PictureOut(url=made.url, width=made.width, height=made.height) if made else None
            for name, made in public.renditions.items()
        }
        return ImageOut(
            id=image.pk,
            url=public.url,
            width=public.width,
            height=public.height,
            alt_text=image.alt_text,
            position=image.position,
            variant_id=image.variant_id,
            renditions=RenditionsOut(**sizes),
        )


class VariantOut(Out):
    id: int
    product_id: int
    sku: str | None
    barcode: str
    options: list[str] = Field(description="Values of the product's options, in order.")
    price: Money
    compare_at_price: Money | None
    currency: str = Field(description="ISO 4217 code, e.g. EUR.")
    weight: Weight | None
    weight_unit: WeightUnit
    inventory_policy: InventoryPolicy = Field(
        description="deny: not sold beyond stock; continue: backorders."
    )
    available: int = Field(description="Units on hand less those allocated, in all warehouses.")
    updated_at: datetime

    @staticmethod
    def from_variant(variant) -> "VariantOut":
        return VariantOut(
            id=variant.pk,
            product_id=variant.product_id,
            sku=variant.sku,
            barcode=variant.barcode,
            options=variant.option_values,
            price=variant.price,
            compare_at_price=variant.compare_at_price,
            currency=store_settings().currency,
            weight=variant.weight,
            weight_unit=variant.weight_unit,
            inventory_policy=variant.inventory_policy,
            available=variant.available_n,
            updated_at=variant.updated_at,
        )


class ProductOut(Out):
    id: int
    handle: str
    title: str
    description_html: str = Field(
        description="The description as sanitised HTML, safe to insert into a page: "
        "no scripts, frames, forms, event handlers, javascript: links or positioning styles."
    )
    vendor: str
    product_type: str
    tags: list[str]
    category_id: int | None
    options: list[str] = Field(description="Option names, e.g. Size, Color.")
    seo_title: str
    seo_description: str
    variants: list[VariantOut]
    images: list[ImageOut]
    updated_at: datetime

    @staticmethod
    def from_product(product) -> "ProductOut":
        media_base = public_media_base()
        return ProductOut(
            id=product.pk,
            handle=product.handle,
            title=product.title,
            description_html=description_html(product.description),
            vendor=product.vendor,
            product_type=product.product_type,
            tags=product.tag_list,
            category_id=product.category_id,
            options=product.option_names,
            seo_title=product.seo_title,
            seo_description=product.seo_description,
            variants=[VariantOut.from_variant(v) for v in product.sellable_variants],
            images=[ImageOut.from_image(image, media_base) for image in product.images.all()],
            updated_at=product.updated_at,
        )


class ProductPage(Out):
    items: list[ProductOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


# --- stock ------------------------------------------------------------------------------------


class WarehouseStockOut(Out):
    warehouse: str
    available: int


class StockOut(Out):
    variant_id: int
    sku: str | None
    available: int
    warehouses: list[WarehouseStockOut]

    @staticmethod
    def from_variant(variant) -> "StockOut":
        return StockOut(
            variant_id=variant.pk,
            sku=variant.sku,
            available=variant.available_n,
            warehouses=[
                WarehouseStockOut(warehouse=level.warehouse.code, available=max(level.available, 0))
                for level in variant.stock.all()
            ],
        )


class StockPage(Out):
    items: list[StockOut]
    next: str | None


# --- orders -----------------------------------------------------------------------------------


class AddressIn(In):
    name: str = Field(max_length=200, min_length=1)
    company: str = Field("", max_length=200)
    line1: str = Field(max_length=200, min_length=1)
    line2: str = Field("", max_length=200)
    postal_code: str = Field(
        "", max_length=20, description="Required where the country has postal codes."
    )
    city: str = Field(max_length=100, min_length=1)
    region: str = Field(
        "", max_length=100, description="State, province…: required where the country needs one."
    )
    country: str = Field(min_length=2, max_length=2, description="ISO 3166 code, e.g. FR.")
    phone: str = Field("", max_length=50, description="Any format; kept in international form.")


class AddressOut(Out):
    name: str
    company: str
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    country: str = Field(description="ISO 3166 code, e.g. FR.")
    phone: str = Field(description="International form, e.g. +33612345678; or empty.")


class CustomerOut(Out):
    email: str
    first_name: str
    last_name: str


class OrderLineOut(Out):
    sku: str
    title: str
    options: str
    quantity: int
    unit_price: Money
    tax_rate: Rate
    discount: Money
    total: Money
    quantity_fulfilled: int


class ShipmentOut(Out):
    warehouse: str
    carrier: str
    tracking_number: str
    shipped_at: datetime


class OrderOut(Out):
    id: int
    number: str
    source_reference: str
    status: OrderStatus
    payment_status: PaymentState
    fulfilment_status: FulfilmentState
    currency: str
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    placed_at: datetime | None
    updated_at: datetime
    customer: CustomerOut
    shipping_address: AddressOut | None
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]

    @staticmethod
    def from_order(order) -> "OrderOut":
        return OrderOut(
            **{field: getattr(order, field) for field in ORDER_FIELDS},
            customer=CustomerOut(
                email=order.customer_email,
                first_name=order.customer_first_name,
                last_name=order.customer_last_name,
            ),
            shipping_address=_address(order.shipping_address),
            lines=[
                OrderLineOut(**{f: getattr(line, f) for f in LINE_FIELDS})
                for line in order.lines.all()
            ],
            shipments=[
                ShipmentOut(
                    warehouse=shipment.warehouse.code,
                    carrier=shipment.carrier,
                    tracking_number=shipment.tracking_number,
                    shipped_at=shipment.shipped_at,
                )
                for shipment in order.fulfillments.all()
            ],
        )


ORDER_FIELDS = (
    "id",
    "number",
    "source_reference",
    "status",
    "payment_status",
    "fulfilment_status",
    "currency",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "total",
    "placed_at",
    "updated_at",
)
LINE_FIELDS = tuple(OrderLineOut.model_fields)


def _address(address) -> AddressOut | None:
    if address is None:
        return None
    return AddressOut(**{field: getattr(address, field) for field in AddressOut.model_fields})


class OrderPage(Out):
    items: list[OrderOut]
    next: str | None


class CustomerIn(In):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    phone: str = Field("", max_length=50)


class OrderLineIn(In):
    sku: str = Field(min_length=1, max_length=255)
    quantity: int = Field(gt=0, le=10_000)


# A whole order as a storefront sends it (the SKU is one of the demo catalog's).
ORDER_EXAMPLE: dict[str, Any] = {
    "customer": {
        "email": "claire.martin@example.com",
        "first_name": "Claire",
        "last_name": "Martin",
        "phone": "+33 6 12 34 56 78",
    },
    "shipping_address": {
        "name": "Claire Martin",
        "line1": "12 rue des Tanneurs",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR",
    },
    "lines": [{"sku": "TS-001-M-NAVY", "quantity": 2}],
    "shipping": "4.90",
    "source_reference": "web-10234",
}


def _order_in_schema(schema: dict[str, Any]) -> None:
    _defaults_unsaid(schema)
    schema["examples"] = [ORDER_EXAMPLE]


class OrderIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_order_in_schema)

    customer: CustomerIn
    shipping_address: AddressIn
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    shipping: AmountIn = Field(
        Decimal(0),
        description="In the store currency, with at most its decimals; taxed at the store's "
        "shipping tax class. Omitted: free shipping.",
    )
    source_reference: str = Field(
        "", max_length=200, description="The storefront's own order number; may be omitted."
    )

    def as_request(self) -> StorefrontOrder:
        return StorefrontOrder(
            email=self.customer.email,
            first_name=self.customer.first_name,
            last_name=self.customer.last_name,
            phone=self.customer.phone,
            shipping_address=self.shipping_address.model_dump(),
            lines=[(line.sku, line.quantity) for line in self.lines],
            shipping=self.shipping,
            source_reference=self.source_reference,
        )


# --- the change feed --------------------------------------------------------------------------


# One entry of the feed: a thing's current state, named by `type`, or its removal from view.
# A client tells them apart on `deleted`, then on `type`.

_ID = Field(description="The id of the thing that changed (stock: the variant's).")


class CategoryChange(Out):
    type: Literal[ChangeKind.CATEGORY]
    id: int = _ID
    deleted: Literal[False]
    category: CategoryOut


class ProductChange(Out):
    type: Literal[ChangeKind.PRODUCT]
    id: int = _ID
    deleted: Literal[False]
    product: ProductOut


class VariantChange(Out):
    type: Literal[ChangeKind.VARIANT]
    id: int = _ID
    deleted: Literal[False]
    variant: VariantOut


class StockChange(Out):
    type: Literal[ChangeKind.STOCK]
    id: int = _ID
    deleted: Literal[False]
    stock: StockOut


class OrderChange(Out):
    type: Literal[ChangeKind.ORDER]
    id: int = _ID
    deleted: Literal[False]
    order: OrderOut


class Removal(Out):
    """Gone from the storefront's view: deleted, unpublished or made inactive."""

    type: ChangeKind
    id: int = _ID
    deleted: Literal[True]


def _entry_tag(entry: Any) -> str:
    deleted = entry.get("deleted") if isinstance(entry, dict) else entry.deleted
    kind = entry.get("type") if isinstance(entry, dict) else entry.type
    return "removal" if deleted else str(kind)


ChangeOut = Annotated[
    Annotated[CategoryChange, Tag(ChangeKind.CATEGORY)]
    | Annotated[ProductChange, Tag(ChangeKind.PRODUCT)]
    | Annotated[VariantChange, Tag(ChangeKind.VARIANT)]
    | Annotated[StockChange, Tag(ChangeKind.STOCK)]
    | Annotated[OrderChange, Tag(ChangeKind.ORDER)]
    | Annotated[Removal, Tag("removal")],
    Discriminator(_entry_tag),
]
CHANGE_OF_KIND: dict[str, type[Out]] = {
    ChangeKind.CATEGORY: CategoryChange,
    ChangeKind.PRODUCT: ProductChange,
    ChangeKind.VARIANT: VariantChange,
    ChangeKind.STOCK: StockChange,
    ChangeKind.ORDER: OrderChange,
}


class ChangesPage(Out):
    changes: list[ChangeOut]
    next: str = Field(description="Pass as `since` next time; it only moves forward.")
    has_more: bool


# --- webhooks ---------------------------------------------------------------------------------
# What a webhook posts (the `webhooks` of the published schema), signed following Standard
# Webhooks: the event's type, when it happened, and its data.


class CatalogMessage(Out):
    type: Literal[
        WebhookEvent.PRODUCT_CHANGED,
        WebhookEvent.VARIANT_CHANGED,
        WebhookEvent.STOCK_CHANGED,
        WebhookEvent.CATEGORY_CHANGED,
    ]
    timestamp: datetime = Field(description="When the change was made.")
    data: ChangeOut = Field(description="The feed's entry: the thing now, or its removal.")


class OrderMessageData(Out):
    order: OrderOut = Field(description="The order as it is when the message is made.")


class OrderMessage(Out):
    type: Literal[
        WebhookEvent.ORDER_PLACED,
        WebhookEvent.ORDER_PAID,
        WebhookEvent.ORDER_SHIPPED,
        WebhookEvent.ORDER_CANCELLED,
        WebhookEvent.ORDER_REFUNDED,
    ]
    timestamp: datetime = Field(description="When the step was taken.")
    data: OrderMessageData
