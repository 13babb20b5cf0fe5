"""The sync feed: everything a storefront's copy must apply, in order, since its cursor.

Each change names a category, product, variant, stock of a variant or order, with its current
state — or `deleted: true` when it left the storefront's view (deleted, unpublished, made
inactive).
Replaying the feed from the start rebuilds exactly what the API would list now.
"""

from typing import cast

from django.db.models import Q
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from integrations.api.catalog import page_limit
from integrations.api.http import cursor_decode, cursor_encode
from integrations.api.schemas import (
    CHANGE_OF_KIND,
    ERRORS,
    CategoryOut,
    ChangeOut,
    ChangesPage,
    OrderOut,
    ProductOut,
    Removal,
    StockOut,
    VariantOut,
)
from integrations.changes import settled_changes
from integrations.models import ApiClient, ChangeKind, Scope
from inventory import selectors
from inventory.models import Category
from sales.selectors import channel_order_list

router = Router(tags=["sync"])

KINDS_BY_SCOPE = {
    Scope.CATALOG_READ: [ChangeKind.CATEGORY, ChangeKind.PRODUCT, ChangeKind.VARIANT],
    Scope.STOCK_READ: [ChangeKind.STOCK],
    Scope.ORDERS_READ: [ChangeKind.ORDER],
}


class FeedQuery(Schema):
    since: str | None = Field(
        None, description="The `next` of the previous page; omit it to start."
    )
    limit: int = page_limit(100)


def _visible_changes(client: ApiClient):
    kinds = [
        kind for scope, kinds in KINDS_BY_SCOPE.items() if client.has_scope(scope) for kind in kinds
    ]
    if not kinds:
        raise HttpError(403, "This key has no scope that the feed serves.")
    changes = settled_changes().filter(kind__in=kinds)
    if ChangeKind.ORDER in kinds:
        changes = changes.exclude(kind=ChangeKind.ORDER, channel_id__isnull=True).exclude(
            Q(kind=ChangeKind.ORDER) & ~Q(channel_id=client.channel_id)
        )
    return changes


def feed_states(channel_id: int, ids_by_kind: dict[str, set[int]]) -> dict:
    """The current state of every object named, by (kind, id), as a storefront of this
    channel sees it; absent: gone from its view."""
    states: dict[tuple[str, int], Schema] = {}
    categories = Category.objects.filter(pk__in=ids_by_kind[ChangeKind.CATEGORY])
    states.update({(ChangeKind.CATEGORY, c.pk): CategoryOut.from_category(c) for c in categories})
    products = selectors.storefront_product_list().filter(pk__in=ids_by_kind[ChangeKind.PRODUCT])
    states.update({(ChangeKind.PRODUCT, p.pk): ProductOut.from_product(p) for p in products})
    variants = selectors.sellable_variants().filter(pk__in=ids_by_kind[ChangeKind.VARIANT])
    states.update({(ChangeKind.VARIANT, v.pk): VariantOut.from_variant(v) for v in variants})
    stock = selectors.storefront_stock_list().filter(pk__in=ids_by_kind[ChangeKind.STOCK])
    states.update({(ChangeKind.STOCK, v.pk): StockOut.from_variant(v) for v in stock})
    orders = channel_order_list(channel_id).filter(pk__in=ids_by_kind[ChangeKind.ORDER])
    states.update({(ChangeKind.ORDER, o.pk): OrderOut.from_order(o) for o in orders})
    return states


@router.get(
    "/changes",
    response={200: ChangesPage, **ERRORS},
    operation_id="listChanges",
)
def changes(request, query: Query[FeedQuery]):
    """What changed since `since` (omit it to start from the beginning), oldest first."""
    client: ApiClient = request.auth
    limit = query.limit
    rows = _visible_changes(client)
    if query.since:
        txid, pk = cursor_decode(query.since, int, int)
        rows = rows.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=pk))
    page = list(rows[: limit + 1].values_list("txid", "id", "kind", "object_id"))
    has_more = len(page) > limit
    page = page[:limit]
    latest: dict[
        tuple[str, int], bool
    ] = {}  # the last mention of each object wins: its current state is what counts
    for _, _, kind, object_id in page:
        latest.pop((kind, object_id), None)
        latest[(kind, object_id)] = True
    ids_by_kind: dict[str, set[int]] = {kind: set() for kind in ChangeKind.values}
    for kind, object_id in latest:
        ids_by_kind[kind].add(object_id)
    states = feed_states(client.channel_id, ids_by_kind)
    items = [
        feed_entry(kind, object_id, states.get((kind, object_id))) for kind, object_id in latest
    ]
    next_cursor = (
        cursor_encode(page[-1][0], page[-1][1]) if page else (query.since or cursor_encode(0, 0))
    )
    return ChangesPage(changes=items, next=next_cursor, has_more=has_more)


def feed_entry(kind: str, object_id: int, state) -> ChangeOut:
    if state is None:
        return Removal(type=ChangeKind(kind), id=object_id, deleted=True)
    entry = {"type": kind, "id": object_id, "deleted": False, kind: state}
    return cast(ChangeOut, CHANGE_OF_KIND[kind].model_validate(entry))
