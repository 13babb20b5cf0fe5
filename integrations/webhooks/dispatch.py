"""From the change log to webhook messages.

The dispatcher reads the change log after its cursor, in the feed's order (settled changes
only, so a change committed late is never passed over), and writes a message for each event
and each active endpoint that chose it:
- a category, product, variant or stock change: `<kind>.changed`, its data the feed's entry
  (the thing's state now, or `deleted: true`), to endpoints of every channel;
- an order change: one message for each step of the order's timeline it chose (placed,
  paid, shipped, cancelled, refunded), to endpoints of the order's channel, each step told
  to each endpoint once.
A body is a `CatalogMessage` or an `OrderMessage`, the schemas the published API declares
under `webhooks`. Its cursor starts at the end of the log: endpoints are told of what happens after.
"""

import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from integrations.api.changes import feed_entry, feed_states
from integrations.api.schemas import CatalogMessage, OrderMessage
from integrations.changes import settled_changes
from integrations.models import (
    Change,
    ChangeKind,
    WebhookCursor,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
from sales.models import EventKind, OrderEvent

CATALOG_EVENTS = {
    ChangeKind.CATEGORY: WebhookEvent.CATEGORY_CHANGED,
    ChangeKind.PRODUCT: WebhookEvent.PRODUCT_CHANGED,
    ChangeKind.VARIANT: WebhookEvent.VARIANT_CHANGED,
    ChangeKind.STOCK: WebhookEvent.STOCK_CHANGED,
}
ORDER_EVENTS = {
    EventKind.PLACED: WebhookEvent.ORDER_PLACED,
    EventKind.PAID: WebhookEvent.ORDER_PAID,
    EventKind.FULFILLED: WebhookEvent.ORDER_SHIPPED,
    EventKind.CANCELLED: WebhookEvent.ORDER_CANCELLED,
    EventKind.REFUNDED: WebhookEvent.ORDER_REFUNDED,
}
BATCH = 500


def _message(endpoint: WebhookEndpoint, event_type: str, body: str, **fields) -> WebhookMessage:
    return WebhookMessage(
        webhook_id=f"msg_{uuid.uuid4().hex}",
        endpoint=endpoint,
        event_type=event_type,
        body=body,
        **fields,
    )


def _cursor() -> WebhookCursor | None:
    """The cursor, locked; None while another dispatcher holds it. Made at the log's end."""
    cursor = WebhookCursor.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if cursor is not None:
        return cursor
    if WebhookCursor.objects.filter(pk=1).exists():
        return None
    last = settled_changes().reverse().values_list("txid", "id").first() or (0, 0)
    WebhookCursor.objects.get_or_create(pk=1, defaults={"txid": last[0], "change_id": last[1]})
    return WebhookCursor.objects.select_for_update(skip_locked=True).filter(pk=1).first()


def webhooks_dispatch(batch: int = BATCH) -> tuple[list[int], bool]:
    """One batch of the log turned into messages: (their ids, whether more is waiting)."""
    with transaction.atomic():
        cursor = _cursor()
        if cursor is None:
            return [], False
        after = Q(txid__gt=cursor.txid) | Q(txid=cursor.txid, id__gt=cursor.change_id)
        rows = list(settled_changes().filter(after)[:batch])
        if not rows:
            return [], False
        endpoints = list(WebhookEndpoint.objects.filter(active=True))
        messages = []
        if endpoints:
            messages = _catalog_messages(rows, endpoints) + _order_messages(rows, endpoints, cursor)
            WebhookMessage.objects.bulk_create(messages, ignore_conflicts=True)
        cursor.txid, cursor.change_id = rows[-1].txid, rows[-1].id
        cursor.save(update_fields=["txid", "change_id"])
        made = WebhookMessage.objects.filter(webhook_id__in=[m.webhook_id for m in messages])
        return list(made.order_by("id").values_list("id", flat=True)), len(rows) == batch


def _catalog_messages(rows: list[Change], endpoints) -> list[WebhookMessage]:
    latest: dict[tuple[str, int], Change] = {}  # the last mention of each thing, in order
    for row in rows:
        if row.kind in CATALOG_EVENTS:
            latest.pop((row.kind, row.object_id), None)
            latest[(row.kind, row.object_id)] = row
    if not latest:
        return []
    ids_by_kind: dict[str, set[int]] = {kind: set() for kind in ChangeKind.values}
    for kind, object_id in latest:
        ids_by_kind[kind].add(object_id)
    states = feed_states(0, ids_by_kind)  # no orders asked: the channel does not matter
    messages = []
    for (kind, object_id), row in latest.items():
        event_type = CATALOG_EVENTS[ChangeKind(kind)]
        chosen = [endpoint for endpoint in endpoints if event_type in endpoint.events]
        if not chosen:
            continue
        entry = feed_entry(kind, object_id, states.get((kind, object_id)))
        body = CatalogMessage.model_validate(
            {"type": event_type, "timestamp": row.created_at, "data": entry}
        ).model_dump_json()
        messages += [_message(endpoint, event_type, body) for endpoint in chosen]
    return messages


def _order_messages(rows: list[Change], endpoints, cursor) -> list[WebhookMessage]:
    order_ids = {row.object_id for row in rows if row.kind == ChangeKind.ORDER}
    steps = (
        OrderEvent.objects.filter(
            order_id__in=order_ids, kind__in=ORDER_EVENTS, created_at__gte=cursor.started_at
        )
        .select_related("order")
        .order_by("id")
    )
    by_channel: dict[int, list[OrderEvent]] = defaultdict(list)
    for step in steps:
        by_channel[step.order.channel_id].append(step)
    messages = []
    for channel_id, channel_steps in by_channel.items():
        listening = [endpoint for endpoint in endpoints if endpoint.channel_id == channel_id]
        if not listening:
            continue
        ids = {step.order_id for step in channel_steps}
        states = feed_states(channel_id, {**{k: set() for k in ChangeKind.values}, "order": ids})
        for step in channel_steps:
            order = states.get((ChangeKind.ORDER, step.order_id))
            event_type = ORDER_EVENTS[EventKind(step.kind)]
            chosen = [
                endpoint
                for endpoint in listening
                if event_type in endpoint.events and endpoint.created_at <= step.created_at
            ]
            if order is None or not chosen:
                continue
            body = OrderMessage.model_validate(
                {"type": event_type, "timestamp": step.created_at, "data": {"order": order}}
            ).model_dump_json()
            messages += [_message(e, event_type, body, order_event=step) for e in chosen]
    return messages
