"""Exports as report kinds: what the admin's export pages hand to a worker when an export is
large (or always, for orders and the Shopify CSV), and what anyone may request from the report
form. A run of one of these writes the same columns as the admin's export of the same rows
(the resources in `inventory.resources` and `sales.resources`), as a plain table: no totals
row, so the file reads back in.

The rows are everything (a catalog as it is now; the period and the channel are not used), or,
when the export came from a filtered list or a selection, the source rows named in the
parameters' `ids`, looked up a thousand at a time in the order they were listed. Orders with
lines requested from the report form cover the orders placed in the period (and channel).
"""

from functools import cached_property

from django.utils.module_loading import import_string

from reporting.reports.base import OPERATIONS, Column, Parameters, Report

IDS_PER_QUERY = 1000


def _batches(ids):
    size = IDS_PER_QUERY
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class ResourceExport(Report):
    audience = OPERATIONS
    totals_row = False
    resource: str  # the resource class, by its dotted path (imported when first used)

    @cached_property
    def resource_class(self):
        return import_string(self.resource)

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]  # read-only: derived
        return self.resource_class.report_columns()

    @property
    def read_permissions(self) -> tuple[str, ...]:  # type: ignore[override]  # derived
        meta = self.resource_class.source_model._meta
        return (f"{meta.app_label}.view_{meta.model_name}",)

    def everything(self, parameters: Parameters):
        return self.resource_class.source_model._default_manager.all()

    def sources(self, parameters: Parameters):
        if parameters.ids is None:
            yield self.everything(parameters)
            return
        manager = self.resource_class.source_model._default_manager
        for batch in _batches(parameters.ids):
            yield manager.filter(pk__in=batch)

    def rows(self, parameters):
        resource = self.resource_class()
        for sources in self.sources(parameters):
            yield from resource.row_values(sources)

    def describe(self, parameters):
        if parameters.ids is not None:
            return f"{self.title}, {len(parameters.ids)} chosen"
        return self.title


CATALOG_NOTE = " The catalog as it is now: the period and the channel are not used."


class CategoriesExport(ResourceExport):
    kind = "export_categories"
    title = "Categories"
    resource = "inventory.resources.CategoryResource"
    description = "Every category with its parent, parents first." + CATALOG_NOTE


class ProductsExport(ResourceExport):
    kind = "export_products"
    title = "Catalog (products and variants)"
    resource = "inventory.resources.ProductResource"
    description = (
        "Every product, one row per variant, with its prices, cost and weight." + CATALOG_NOTE
    )


class PricesExport(ResourceExport):
    kind = "export_prices"
    title = "Prices"
    resource = "inventory.resources.PriceResource"
    description = "Every variant's price, compare-at price and cost, by SKU." + CATALOG_NOTE


class StockExport(ResourceExport):
    kind = "export_stock"
    title = "Stock levels"
    resource = "inventory.resources.StockResource"
    description = (
        "On hand, allocated and available stock of every variant in every warehouse, as it "
        "is now; the period and the channel are not used."
    )


class CustomersExport(ResourceExport):
    kind = "export_customers"
    title = "Customers"
    resource = "sales.resources.CustomerResource"
    description = (
        "Every customer: email, name, phone and since when (never the internal notes); the "
        "period and the channel are not used."
    )


class OrdersExport(ResourceExport):
    kind = "export_orders"
    title = "Orders with lines"
    resource = "sales.resources.OrderLineResource"
    description = (
        "Orders placed in the period (and channel), one row per line: the order's number, "
        "date, channel, customer, states and currency, the line's SKU, title, options, "
        "quantity, unit price, discount, tax rate, tax and total. Never the internal notes."
    )

    def everything(self, parameters):
        orders = super().everything(parameters)
        if parameters.preset == "all":  # an export of the whole order list
            return orders
        return parameters.scope(orders, "placed_at", "channel_id")

    def describe(self, parameters):
        if parameters.ids is None and parameters.preset != "all":
            return f"{self.title}, {parameters.start} to {parameters.end}"
        return super().describe(parameters)


class ShopifyCatalogExport(Report):
    kind = "catalog_shopify"
    title = "Catalog as Shopify CSV"
    audience = OPERATIONS
    totals_row = False
    read_permissions = ("inventory.view_product",)
    description = (
        "Every product in Shopify's product CSV format (request it as CSV): a product over "
        "several rows, its variants and images." + CATALOG_NOTE
    )

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]  # read-only: derived
        from inventory.shopify_export import SHOPIFY_COLUMNS

        return [Column(name) for name in SHOPIFY_COLUMNS]

    def rows(self, parameters):
        from inventory.models import Product
        from inventory.shopify_export import shopify_rows

        if parameters.ids is None:
            yield from shopify_rows(Product.objects.all())
            return
        for batch in _batches(parameters.ids):
            yield from shopify_rows(Product.objects.filter(pk__in=batch))

    def describe(self, parameters):
        if parameters.ids is not None:
            return f"{self.title}, {len(parameters.ids)} products"
        return self.title


EXPORTS = (
    CategoriesExport(),
    ProductsExport(),
    PricesExport(),
    StockExport(),
    CustomersExport(),
    OrdersExport(),
    ShopifyCatalogExport(),
)
