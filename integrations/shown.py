"""What the storefront API shows, field by field: for each field of each output schema, the
model attribute it is made of (or the nested schema it holds). The change log logs a change
of every resource whose rows it reads whenever one of those attributes is written
(`integrations.changes`), and the field-walk test edits each attribute listed here and expects
the resource's ETag to move and the feed to carry it. A field added to a schema without its
source here fails that test, so the feed cannot fall behind what the API shows.
"""

from typing import TypeAlias

from django.db.models import Model

from backoffice.models import StoreSettings
from integrations.api.schemas import (
    LINE_FIELDS,
    ORDER_FIELDS,
    AddressOut,
    CategoryOut,
    CustomerOut,
    ImageOut,
    OrderLineOut,
    OrderOut,
    PictureOut,
    ProductOut,
    RenditionsOut,
    ShipmentOut,
    StockOut,
    VariantOut,
    WarehouseStockOut,
)
from integrations.models import ChangeKind
from inventory.models import Category, Product, ProductImage, ProductVariant, StockLevel, Warehouse
from sales.models import Address, Fulfillment, Order, OrderLine

Attribute: TypeAlias = tuple[type[Model], str]
Source: TypeAlias = Attribute | tuple[Attribute, ...] | type  # a nested schema, by its class

# Beside a schema's fields, LISTED names what decides whether (and where) a thing is listed.
LISTED = "(listed)"

# The resource each kind of change stands for.
RESOURCES = {
    ChangeKind.CATEGORY: CategoryOut,  # in the feed; /categories nests the same as a tree
    ChangeKind.PRODUCT: ProductOut,
    ChangeKind.VARIANT: VariantOut,
    ChangeKind.STOCK: StockOut,
    ChangeKind.ORDER: OrderOut,
}

_STOCK = ((StockLevel, "on_hand"), (StockLevel, "allocated"), (Warehouse, "active"))

SOURCES: dict[type, dict[str, Source]] = {
    CategoryOut: {
        "id": (Category, "id"),
        "name": (Category, "name"),
        "slug": (Category, "slug"),
        "path": (Category, "full_path"),
        "parent_id": (Category, "parent"),
    },
    ProductOut: {
        "id": (Product, "id"),
        "handle": (Product, "handle"),
        "title": (Product, "title"),
        "description_html": (Product, "description"),
        "vendor": (Product, "vendor"),
        "product_type": (Product, "product_type"),
        "tags": (Product, "tags"),
        "category_id": (Product, "category"),
        "options": (
            (Product, "option1_name"),
            (Product, "option2_name"),
            (Product, "option3_name"),
        ),
        "seo_title": (Product, "seo_title"),
        "seo_description": (Product, "seo_description"),
        "variants": VariantOut,
        "images": ImageOut,
        "updated_at": (Product, "updated_at"),
        LISTED: (Product, "status"),
    },
    VariantOut: {
        "id": (ProductVariant, "id"),
        "product_id": (ProductVariant, "product"),
        "sku": (ProductVariant, "sku"),
        "barcode": (ProductVariant, "barcode"),
        "options": (
            (ProductVariant, "option1"),
            (ProductVariant, "option2"),
            (ProductVariant, "option3"),
        ),
        "price": (ProductVariant, "price"),
        "compare_at_price": (ProductVariant, "compare_at_price"),
        "currency": (StoreSettings, "currency"),
        "weight": (ProductVariant, "weight"),
        "weight_unit": (ProductVariant, "weight_unit"),
        "inventory_policy": (ProductVariant, "inventory_policy"),
        "available": _STOCK,
        "updated_at": (ProductVariant, "updated_at"),
        LISTED: ((ProductVariant, "active"), (ProductVariant, "position")),
    },
    ImageOut: {
        "id": (ProductImage, "id"),
        "url": (
            (ProductImage, "image"),
            (ProductImage, "source_url"),
            (StoreSettings, "public_base_url"),
        ),
        "width": (ProductImage, "renditions"),
        "height": (ProductImage, "renditions"),
        "alt_text": (ProductImage, "alt_text"),
        "position": (ProductImage, "position"),
        "variant_id": (ProductImage, "variant"),
        "renditions": RenditionsOut,
    },
    RenditionsOut: dict.fromkeys(RenditionsOut.model_fields, PictureOut),
    PictureOut: dict.fromkeys(PictureOut.model_fields, (ProductImage, "renditions")),
    StockOut: {
        "variant_id": (ProductVariant, "id"),
        "sku": (ProductVariant, "sku"),
        "available": _STOCK,
        "warehouses": WarehouseStockOut,
    },
    WarehouseStockOut: {"warehouse": (Warehouse, "code"), "available": _STOCK},
    OrderOut: {
        **{name: (Order, name) for name in ORDER_FIELDS},
        "customer": CustomerOut,
        "shipping_address": AddressOut,
        "lines": OrderLineOut,
        "shipments": ShipmentOut,
    },
    CustomerOut: {name: (Order, f"customer_{name}") for name in CustomerOut.model_fields},
    AddressOut: {name: (Address, name) for name in AddressOut.model_fields},
    OrderLineOut: {name: (OrderLine, name) for name in LINE_FIELDS},
    ShipmentOut: {
        "warehouse": (Warehouse, "code"),
        "carrier": (Fulfillment, "carrier"),
        "tracking_number": (Fulfillment, "tracking_number"),
        "shipped_at": (Fulfillment, "shipped_at"),
    },
}


def shown_attributes(schema: type) -> set[Attribute]:
    """Every model attribute a schema's answer is made of, its nested schemas' included."""
    found: set[Attribute] = set()
    for source in SOURCES[schema].values():
        if isinstance(source, type):
            found |= shown_attributes(source)
        elif isinstance(source[0], tuple):
            found |= set(source)  # type: ignore[arg-type]
        else:
            found.add(source)  # type: ignore[arg-type]
    return found


def shown_by_model() -> dict[type[Model], set[str]]:
    """For each model the API reads, the attributes it shows, in any resource."""
    shown: dict[type[Model], set[str]] = {}
    for schema in RESOURCES.values():
        for model, attribute in shown_attributes(schema):
            shown.setdefault(model, set()).add(attribute)
    return shown
