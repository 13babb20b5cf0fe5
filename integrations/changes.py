"""The change log behind the API's sync feed and its cheap "nothing changed" answers.

Every save or delete of a category, product, variant, stock level or order appends a `Change` row in
the same transaction. Signals are used here, and only here, because the log must see every
write whatever door it came through (a service, an admin inline, an import) and because it
is bookkeeping for the integration, not a rule of the domain. Writes that skip `save()`
(bulk loads of synthetic benchmark data) are not logged.
"""

from django.db import connection
from django.db.models import BigIntegerField, Func
from django.db.models.signals import post_delete, post_save

from integrations.models import Change, ChangeKind

# Constant SQL, no parameters: the transaction's id, and the oldest one still running.
TXID = Func(template="pg_current_xact_id()::text::bigint", output_field=BigIntegerField())
OLDEST_RUNNING_TXID = Func(
    template="pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
    output_field=BigIntegerField(),
)


def _record(kind: str, object_id: int, channel_id: int | None = None) -> None:
    txid = TXID if connection.vendor == "postgresql" else 0
    Change.objects.create(kind=kind, object_id=object_id, channel_id=channel_id, txid=txid)


def _on_category(sender, instance, **kwargs):
    _record(ChangeKind.CATEGORY, instance.pk)


def _on_product(sender, instance, **kwargs):
    _record(ChangeKind.PRODUCT, instance.pk)


def _on_variant(sender, instance, **kwargs):
    _record(ChangeKind.VARIANT, instance.pk)
    _record(ChangeKind.PRODUCT, instance.product_id)  # a product's page lists its variants


def _on_stock(sender, instance, **kwargs):
    _record(ChangeKind.STOCK, instance.variant_id)


def _on_image(sender, instance, **kwargs):
    _record(ChangeKind.PRODUCT, instance.product_id)


def _on_order(sender, instance, **kwargs):
    _record(ChangeKind.ORDER, instance.pk, instance.channel_id)


def connect() -> None:
    from inventory.models import Category, Product, ProductImage, ProductVariant, StockLevel
    from sales.models import Order

    for model, receiver in [
        (Category, _on_category),
        (Product, _on_product),
        (ProductVariant, _on_variant),
        (ProductImage, _on_image),
        (StockLevel, _on_stock),
        (Order, _on_order),
    ]:
        uid = f"change-log-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")


def settled_changes():
    """Changes of transactions that have all finished, in the order the feed serves them."""
    changes = Change.objects.all()
    if connection.vendor == "postgresql":
        changes = changes.filter(txid__lt=OLDEST_RUNNING_TXID)
    return changes.order_by("txid", "id")


def watermark(kinds: list[str], channel_id: int | None = None) -> Change | None:
    """The newest change of these kinds (for one channel's orders): what a response's ETag
    and Last-Modified stand for."""
    changes = Change.objects.filter(kind__in=kinds)
    if channel_id is not None:
        changes = changes.filter(channel_id=channel_id)
    return changes.order_by("-id").first()
