"""The change log behind the API's sync feed and its cheap "nothing changed" answers.

Every save or delete of a category, product, variant, image, stock level or order appends
`Change` rows in the same transaction, one for each thing the API shows differently after
it: a stock move also changes its variant and its product's page (both show availability),
a product's status shows or hides its variants and their stock, a warehouse closing changes
the stock kept there, its code shows on the orders shipped from it, an address on the orders
sent to it (`integrations.shown` lists what the API shows). Signals are used here, and
only here, because the log must see every write whatever door it came through (a service,
an admin inline, an import) and because it is bookkeeping for the integration, not a rule of
the domain. Imports write in bulk, without signals, and log what they change with
`catalog_changed`; bulk loads of synthetic benchmark data are not logged.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Func
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from backoffice.bulk import insert_plain
from backoffice.models import StoreSettings
from integrations.models import Change, ChangeKind
from inventory.models import Category, Product, ProductImage, ProductVariant, StockLevel, Warehouse
from sales.models import Address, Fulfillment, Order, OrderLine

# Constant SQL, no parameters: the transaction's id, and the feed's horizon.
TXID = Func(template="pg_current_xact_id()::text::bigint", output_field=BigIntegerField())

# The horizon on PostgreSQL: every transaction older than it has finished, so the changes
# below it are all visible and final. It is the snapshot's oldest running transaction (with
# none, the next to start), leaving out those a backend of another database runs: they cannot
# write here, and one long transaction elsewhere on the server would hold the feed back. A
# transaction whose database cannot be told (another role's session, a prepared one) counts.
# Running ids come as xid8, a backend's as a 32-bit xid: compared on their low 32 bits.
HORIZON_SQL = """(
    SELECT coalesce(
        (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) AS x
         WHERE (x::text::bigint & 4294967295) NOT IN (
             SELECT backend_xid::text::bigint FROM pg_stat_activity
             WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())),
        pg_snapshot_xmax(s)::text::bigint)
    FROM pg_current_snapshot() AS s
)"""
HORIZON = Func(template=HORIZON_SQL, output_field=BigIntegerField())


def _record(*changes: tuple[str, int, int | None]) -> None:
    """Append (kind, object id, channel id) rows to the log, in one statement."""
    if not changes:
        return
    txid = TXID if connection.vendor == "postgresql" else 0
    Change.objects.bulk_create(
        Change(kind=kind, object_id=object_id, channel_id=channel_id, txid=txid)
        for kind, object_id, channel_id in changes
    )


def _catalog(pairs) -> list[tuple[str, int, None]]:
    """What changes with these (variant id, product id) pairs: each variant's stock and its
    page, and the products listing them (a product shows its variants' availability)."""
    rows: list[tuple[str, int, None]] = []
    products: dict[int, None] = {}  # a set that keeps their order
    for variant_id, product_id in pairs:
        rows += [(ChangeKind.VARIANT, variant_id, None), (ChangeKind.STOCK, variant_id, None)]
        products[product_id] = None
    return rows + [(ChangeKind.PRODUCT, product_id, None) for product_id in products]


def catalog_changed(
    *,
    products: Sequence[int],
    variants: Sequence[tuple[int, int]],
    categories: Sequence[int] = (),
) -> None:
    """Log a bulk write that sent no signals (an import, an UPDATE): these products, these
    (variant id, product id) pairs with their stock, these categories. The transaction id is
    read once, not computed by every row of a large insert."""
    rows: list[tuple[str, int, None]] = [(ChangeKind.CATEGORY, pk, None) for pk in categories]
    rows += [(ChangeKind.PRODUCT, pk, None) for pk in products] + _catalog(variants)
    if not rows:
        return
    txid = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            txid = cursor.fetchone()[0]
    now = timezone.now()
    insert_plain(
        Change,
        [
            {"txid": txid, "kind": kind, "object_id": pk, "channel_id": ch, "created_at": now}
            for kind, pk, ch in rows
        ],
    )


def _on_category(sender, instance, **kwargs):
    _record((ChangeKind.CATEGORY, instance.pk, None))


def _on_category_deleting(sender, instance, **kwargs):
    # Its products lose their category by an UPDATE that sends no signal: log them now.
    products = instance.products.values_list("pk", flat=True)
    _record(*[(ChangeKind.PRODUCT, pk, None) for pk in products])


def _on_product(sender, instance, **kwargs):
    # Publishing or unpublishing shows or hides its variants and their stock too.
    variants = instance.variants.values_list("pk", "product_id") if instance.pk else []
    _record((ChangeKind.PRODUCT, instance.pk, None), *_catalog(variants))


def _remember_product(sender, instance, **kwargs):
    # A variant or an image moved to another product leaves the one it was listed in.
    rows = sender._default_manager.filter(pk=instance.pk) if instance.pk else None
    instance._product_before = rows.values_list("product_id", flat=True).first() if rows else None


def _products_of(instance) -> list[int]:
    before = getattr(instance, "_product_before", None)
    return [instance.product_id] + ([before] if before not in (None, instance.product_id) else [])


def _on_variant(sender, instance, **kwargs):
    _record(*_catalog([(instance.pk, product_id) for product_id in _products_of(instance)]))


def _on_stock(sender, instance, **kwargs):
    variant_field = sender._meta.get_field("variant")
    if variant_field.is_cached(instance):
        product_id = instance.variant.product_id
    else:
        product_id = (
            ProductVariant.objects.filter(pk=instance.variant_id)
            .values_list("product_id", flat=True)
            .first()
        )
    _record(*_catalog([(instance.variant_id, product_id)]))


def _on_image(sender, instance, **kwargs):
    _record(*[(ChangeKind.PRODUCT, product_id, None) for product_id in _products_of(instance)])


# Rows many resources show a few fields of: logged only when one of those fields changes
# (`integrations.shown` lists what each resource shows; its test walks every field).
SHOWN_FIELDS = {
    Warehouse: ("code", "active"),  # stock lists warehouses by code; active ones count
    Address: tuple(f.name for f in Address._meta.concrete_fields),
    StoreSettings: ("currency", "public_base_url"),  # variants' currency, images' addresses
}


def _remember_shown(sender, instance, **kwargs):
    fields = SHOWN_FIELDS[sender]
    instance._shown_before = (
        sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()
    )


def _shown_changed(sender, instance) -> bool:
    before = getattr(instance, "_shown_before", None)
    return before is not None and before != tuple(
        getattr(instance, f) for f in SHOWN_FIELDS[sender]
    )


def _on_warehouse(sender, instance, **kwargs):
    # Availability counts active warehouses, listed by code: a change of either changes the
    # stock of every variant kept there, and an order shows the code it shipped from.
    if not _shown_changed(sender, instance):
        return
    kept = StockLevel.objects.filter(warehouse=instance).order_by("variant_id")
    shipped = Order.objects.filter(fulfillments__warehouse=instance).distinct()
    _record(*_catalog(kept.values_list("variant_id", "variant__product_id")), *_orders(shipped))


def _on_store(sender, instance, **kwargs):
    # Every variant shows the store currency, every stored image an address on its site.
    if not _shown_changed(sender, instance):
        return
    variants = ProductVariant.objects.order_by("pk").values_list("pk", "product_id")
    products = Product.objects.order_by("pk").values_list("pk", flat=True)
    catalog_changed(products=list(products), variants=list(variants))


def _on_order(sender, instance, **kwargs):
    _record((ChangeKind.ORDER, instance.pk, instance.channel_id))


def _orders(orders) -> list[tuple[str, int, int]]:
    return [(ChangeKind.ORDER, pk, channel) for pk, channel in orders.values_list("pk", "channel")]


def _on_order_part(sender, instance, **kwargs):
    # An order shows its lines and its shipments.
    _record(*_orders(Order.objects.filter(pk=instance.order_id)))


def _on_address(sender, instance, **kwargs):
    if _shown_changed(sender, instance):
        _record(*_orders(Order.objects.filter(shipping_address=instance)))


def connect() -> None:
    def on_save_and_delete(model, receiver):
        uid = f"change-log-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")

    for model, receiver in [
        (Category, _on_category),
        (Product, _on_product),
        (ProductVariant, _on_variant),
        (ProductImage, _on_image),
        (StockLevel, _on_stock),
        (Order, _on_order),
        (OrderLine, _on_order_part),
        (Fulfillment, _on_order_part),
    ]:
        on_save_and_delete(model, receiver)
    pre_delete.connect(_on_category_deleting, sender=Category, dispatch_uid="change-log-cat-del")
    for model in (ProductVariant, ProductImage):
        uid = f"change-log-{model._meta.label_lower}-before"
        pre_save.connect(_remember_product, sender=model, dispatch_uid=uid)
    for model, receiver in [
        (Warehouse, _on_warehouse),
        (Address, _on_address),
        (StoreSettings, _on_store),
    ]:
        uid = f"change-log-{model._meta.label_lower}"
        pre_save.connect(_remember_shown, sender=model, dispatch_uid=f"{uid}-before")
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")


def settled_changes():
    """Changes of transactions that have all finished, in the order the feed serves them."""
    changes = Change.objects.all()
    if connection.vendor == "postgresql":
        changes = changes.filter(txid__lt=HORIZON)
    return changes.order_by("txid", "id")


def watermark(kinds: Sequence[str], channel_id: int | None = None) -> str:
    """The version of the data made of these kinds of change (of one channel's orders):
    equal versions, equal data. What a response's ETag and cache entry stand for."""
    changes = Change.objects.filter(kind__in=kinds)
    if channel_id is not None:
        changes = changes.filter(channel_id=channel_id)
    if connection.vendor != "postgresql":
        # One writer at a time: ids are given in commit order.
        return str(changes.order_by("-id").values_list("id", flat=True).first() or 0)
    return _postgres_watermark(kinds, channel_id)


# On PostgreSQL a transaction may commit a change with a lower id than changes already
# visible, so the newest id alone could stay the same while the data changed. The version is
# the last settled change in feed order (that prefix never changes again) and the number of
# changes committed since (they only grow until they settle and move the first number), both
# read in one statement, under one snapshot.
WATERMARK_SQL = """
WITH horizon AS (SELECT {horizon} AS xmin)
SELECT
    (SELECT id FROM {table}, horizon WHERE {where} AND txid < horizon.xmin
     ORDER BY txid DESC, id DESC LIMIT 1),
    (SELECT count(*) FROM {table}, horizon WHERE {where} AND txid >= horizon.xmin)
"""


def _postgres_watermark(kinds: Sequence[str], channel_id: int | None) -> str:
    where, params = "kind = ANY(%s)", list[Any]([list(kinds)])
    if channel_id is not None:
        where, params = f"{where} AND channel_id = %s", [*params, channel_id]
    sql = WATERMARK_SQL.format(horizon=HORIZON_SQL, table=Change._meta.db_table, where=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        settled, pending = cursor.fetchone()
    return f"{settled or 0}.{pending}"
