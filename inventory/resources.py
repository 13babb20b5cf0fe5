"""Catalog and stock as files: the export resources, and the column names an import reads back.

Every export is a plain table with one header row. The columns:

- categories: `CATEGORY_COLUMNS`, parents before their children;
- products: `PRODUCT_COLUMNS`, one row per variant (the product's fields repeated on each), a
  product without variants as one row with the variant columns empty;
- prices: `PRICE_COLUMNS`, one row per variant;
- stock: `STOCK_COLUMNS`, one row per variant and warehouse (the stock as it is now); a count
  brought back in reads `STOCK_COUNT_COLUMNS`.

A variant without a SKU has an empty `sku` cell (such variants are known by their product's
handle and their option values). Text that a spreadsheet would run as a formula is written with
a leading quote. The Shopify products CSV is `inventory.shopify_export`.
"""

from django.db.models import Count, Prefetch, Q
from import_export.fields import Field

from backoffice.exports import ExportResource
from inventory.models import Category, Product, ProductVariant, StockLevel

CATEGORY_COLUMNS = ("slug", "name", "parent_slug", "description")
PRODUCT_FIELDS = (
    "handle",
    "title",
    "description",
    "vendor",
    "product_type",
    "tags",
    "status",
    "category",  # the category's slug
    "tax_class",  # the tax class's name
    "seo_title",
    "seo_description",
    "option1_name",
    "option2_name",
    "option3_name",
)
VARIANT_FIELDS = (
    "sku",
    "barcode",
    "option1",
    "option2",
    "option3",
    "price",
    "compare_at_price",
    "cost",
    "weight",
    "weight_unit",
    "inventory_policy",
    "active",
)
PRODUCT_COLUMNS = PRODUCT_FIELDS + VARIANT_FIELDS
PRICE_COLUMNS = ("sku", "price", "compare_at_price", "cost")
STOCK_COLUMNS = ("sku", "warehouse", "on_hand", "allocated", "available")
STOCK_COUNT_COLUMNS = ("sku", "warehouse", "counted")

MONEY_KINDS = {"price": "money", "compare_at_price": "money", "cost": "money"}
VARIANTS_IN_ORDER = ProductVariant.objects.order_by("position", "id")


def _product(path: str) -> Field:
    return Field(attribute=f"product__{path}", column_name=path.split("__")[0])


class CategoryResource(ExportResource):
    export_title = "Categories"
    columns = CATEGORY_COLUMNS
    source_model = Category
    source_order = ("full_path", "id")  # a parent's path is the start of its children's
    background_kind = "export_categories"

    parent_slug = Field(attribute="parent__slug", column_name="parent_slug")

    class Meta:
        model = Category
        fields = CATEGORY_COLUMNS
        export_order = CATEGORY_COLUMNS

    def prepare(self, sources):
        return super().prepare(sources).select_related("parent")


class _VariantRows(ExportResource):
    """Rows of variants, read from products (the product list's selection)."""

    source_model = Product
    source_order = ("title", "id")

    def prepare(self, sources):
        return (
            super()
            .prepare(sources)
            .prefetch_related(Prefetch("variants", queryset=VARIANTS_IN_ORDER))
        )

    def expand(self, product):
        return product.variants.all()  # prefetched, each with its product

    def count_rows(self, sources):
        return ProductVariant.objects.filter(product__in=sources.values("pk")).count()


class ProductResource(_VariantRows):
    """The catalog: one row per variant, its product's fields on every row."""

    export_title = "Products (one row per variant)"
    columns = PRODUCT_COLUMNS
    kinds = {**MONEY_KINDS, "weight": "decimal"}
    background_kind = "export_products"

    handle = _product("handle")
    title = _product("title")
    description = _product("description")
    vendor = _product("vendor")
    product_type = _product("product_type")
    tags = _product("tags")
    status = _product("status")
    category = _product("category__slug")
    tax_class = _product("tax_class__name")
    seo_title = _product("seo_title")
    seo_description = _product("seo_description")
    option1_name = _product("option1_name")
    option2_name = _product("option2_name")
    option3_name = _product("option3_name")

    class Meta:
        model = ProductVariant
        fields = PRODUCT_COLUMNS
        export_order = PRODUCT_COLUMNS

    def prepare(self, sources):
        return super().prepare(sources).select_related("category", "tax_class")

    def expand(self, product):
        variants = product.variants.all()
        if variants:
            return variants
        # Still in the file, so that a product without variants is not lost on the way back.
        return (_no_variant(product),)

    def count_rows(self, sources):
        return sources.aggregate(
            rows=Count("variants") + Count("pk", filter=Q(variants__isnull=True))
        )["rows"]


def _no_variant(product: Product) -> ProductVariant:
    """A row's stand-in for the variant a product does not have: every variant cell empty."""
    return ProductVariant(
        product=product,
        sku=None,
        price=None,
        weight_unit="",
        inventory_policy="",
        active=None,  # type: ignore[misc]  # an empty cell, neither yes nor no
    )


class PriceResource(_VariantRows):
    export_title = "Prices (SKU, price, compare-at price, cost)"
    columns = PRICE_COLUMNS
    kinds = MONEY_KINDS
    background_kind = "export_prices"

    class Meta:
        model = ProductVariant
        fields = PRICE_COLUMNS
        export_order = PRICE_COLUMNS


class StockResource(ExportResource):
    """The stock as it is now, one row per variant and warehouse."""

    export_title = "Stock (SKU, warehouse, on hand, allocated, available)"
    columns = STOCK_COLUMNS
    kinds = {"on_hand": "int", "allocated": "int", "available": "int"}
    source_model = StockLevel
    source_order = (
        "variant__product__title",
        "variant__product_id",
        "variant__position",
        "variant_id",
        "warehouse__code",
    )
    background_kind = "export_stock"

    sku = Field(attribute="variant__sku", column_name="sku")
    warehouse = Field(attribute="warehouse__code", column_name="warehouse")
    available = Field(column_name="available")

    class Meta:
        model = StockLevel
        fields = STOCK_COLUMNS
        export_order = STOCK_COLUMNS

    def prepare(self, sources):
        return super().prepare(sources).select_related("variant", "warehouse")

    def dehydrate_available(self, level: StockLevel) -> int:
        return level.available
