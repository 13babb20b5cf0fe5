"""Catalog and stock endpoints: read-only, cached, answered with 304 when nothing changed.

Each endpoint looks at the change watermark first: a client whose copy is current gets a
304, and a copy rendered since the last change comes from the cache, both without reading
the catalog itself."""

import re
from datetime import UTC

from django.conf import settings
from django.db.models import Exists, OuterRef
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import AwareDatetime, field_validator

from integrations.api.auth import require_scope
from integrations.api.http import conditional_json, id_page, keyset_page
from integrations.api.schemas import (
    ERRORS,
    CategoryNode,
    ErrorOut,
    ProductOut,
    ProductPage,
    StockOut,
    StockPage,
    VariantOut,
)
from integrations.models import ChangeKind, Scope
from inventory import selectors
from inventory.models import StockLevel

router = Router(tags=["catalog"])
stock_router = Router(tags=["stock"])

CATALOG = [ChangeKind.CATEGORY, ChangeKind.PRODUCT, ChangeKind.VARIANT, ChangeKind.STOCK]
STOCK = [ChangeKind.STOCK, ChangeKind.VARIANT, ChangeKind.PRODUCT]
NOT_FOUND = {**ERRORS, 404: ErrorOut}


# A date-time as RFC 3339 writes it, with its offset: pydantic alone would also take a bare
# number (as a Unix time) or a date, which the published schema (format: date-time) does not.
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:\d\d)")


def page_limit(default: int):
    """The `limit` parameter: its bounds are in the published schema, and Ninja answers 422
    outside them."""
    return Field(default, ge=1, le=settings.API_MAX_PAGE_SIZE, description="Items per page.")


class ListQuery(Schema):
    updated_since: AwareDatetime | None = Field(
        None, description="Only what changed at or after this time, e.g. 2026-05-01T08:00:00Z."
    )
    cursor: str | None = Field(None, description="The `next` of the previous page.")
    limit: int = page_limit(50)

    @field_validator("updated_since")
    @classmethod
    def in_utc(cls, value):
        # Any offset a client may send (up to ±23:59) becomes UTC, which every database takes;
        # near year 1 or 9999 that moves out of the calendar Python and the databases know.
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the date is outside the years 1 to 9999 once in UTC") from None

    @field_validator("updated_since", mode="before")
    @classmethod
    def rfc3339(cls, value):
        if isinstance(value, str) and not DATE_TIME.fullmatch(value):
            raise ValueError("expected a date-time with its offset, e.g. 2026-05-01T08:00:00Z")
        return value


class Nodes(list):
    """A list of schemas that renders like one (for the shared conditional answer)."""

    def model_dump(self, **kwargs):
        return [node.model_dump(**kwargs) for node in self]


@router.get(
    "/categories",
    response={200: list[CategoryNode], 304: None, **ERRORS},
    operation_id="listCategories",
)
def categories(request):
    """Every category, as a tree."""
    require_scope(request, Scope.CATALOG_READ)
    return conditional_json(
        request,
        [ChangeKind.CATEGORY],
        lambda: Nodes(CategoryNode.from_node(node) for node in selectors.category_tree()),
        cached=True,
    )


@router.get(
    "/products", response={200: ProductPage, 304: None, **ERRORS}, operation_id="listProducts"
)
def products(request, query: Query[ListQuery]):
    """Active products, oldest change first; follow `next` to page on, and pass
    `updated_since` to fetch only what changed."""
    require_scope(request, Scope.CATALOG_READ)
    limit = query.limit

    def build():
        rows = selectors.storefront_product_list()
        if query.updated_since:
            rows = rows.filter(updated_at__gte=query.updated_since)
        page, next_cursor = keyset_page(rows, query.cursor, limit)
        return ProductPage(items=[ProductOut.from_product(p) for p in page], next=next_cursor)

    return conditional_json(request, CATALOG, build, cached=True)


def _found(row, what: str):
    if row is None:
        raise HttpError(404, what)
    return row


@router.get(
    "/products/{id_or_handle}",
    response={200: ProductOut, 304: None, **NOT_FOUND},
    operation_id="getProduct",
)
def product(request, id_or_handle: str):
    """One active product, by id or handle."""
    require_scope(request, Scope.CATALOG_READ)
    return conditional_json(
        request,
        CATALOG,
        lambda: ProductOut.from_product(
            _found(
                selectors.storefront_product_get(id_or_handle),
                f"No published product {id_or_handle!r}.",
            )
        ),
        cached=True,
    )


@router.get(
    "/variants/{sku}",
    response={200: VariantOut, 304: None, **NOT_FOUND},
    operation_id="getVariant",
)
def variant(request, sku: str):
    """One sellable variant, by SKU."""
    require_scope(request, Scope.CATALOG_READ)
    return conditional_json(
        request,
        CATALOG,
        lambda: VariantOut.from_variant(
            _found(
                selectors.sellable_variants().filter(sku=sku).first(),
                f"No variant for sale with the SKU {sku!r}.",
            )
        ),
        cached=True,
    )


@stock_router.get(
    "/stock", response={200: StockPage, 304: None, **ERRORS}, operation_id="listStock"
)
def stock(request, query: Query[ListQuery]):
    """Availability of every sellable variant, per warehouse; `updated_since` keeps the
    variants whose stock moved since then."""
    require_scope(request, Scope.STOCK_READ)
    limit = query.limit

    def build():
        rows = selectors.storefront_stock_list()
        if query.updated_since:
            moved = StockLevel.objects.filter(
                variant=OuterRef("pk"), updated_at__gte=query.updated_since
            )
            rows = rows.filter(Exists(moved))
        page, next_cursor = id_page(rows, query.cursor, limit)
        return StockPage(items=[StockOut.from_variant(v) for v in page], next=next_cursor)

    return conditional_json(request, STOCK, build, cached=True)


@stock_router.get(
    "/stock/{sku}",
    response={200: StockOut, 304: None, **NOT_FOUND},
    operation_id="getStock",
)
def stock_of(request, sku: str):
    """Availability of one sellable variant, by SKU."""
    require_scope(request, Scope.STOCK_READ)
    return conditional_json(
        request,
        STOCK,
        lambda: StockOut.from_variant(
            _found(
                selectors.storefront_stock_list().filter(sku=sku).first(),
                f"No variant for sale with the SKU {sku!r}.",
            )
        ),
        cached=True,
    )
