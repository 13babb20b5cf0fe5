"""A channel's orders: read them, and submit new ones idempotently.

A submission must carry an `Idempotency-Key`. The key's request is fingerprinted; the same
key again returns the order it made, and the same key with another body is a 409. Requests
of one API key are serialised on its row, so two deliveries of one submission at the same
moment still make one order.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from ninja import Header, Query, Router, Status
from ninja.errors import HttpError

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.money import AmountInvalid
from integrations.api.auth import require_scope
from integrations.api.catalog import ListQuery
from integrations.api.http import conditional_json, keyset_page
from integrations.api.schemas import ERRORS, ErrorOut, OrderIn, OrderOut, OrderPage
from integrations.models import ApiClient, ApiOrderRequest, ChangeKind, Scope
from inventory.models import ProductVariant
from sales import services
from sales.models import Address, Customer
from sales.selectors import channel_order_list

router = Router(tags=["orders"])


@router.get("/orders", response={200: OrderPage, 304: None, **ERRORS})
def orders(request, query: Query[ListQuery]):
    """The orders of the key's channel, oldest change first."""
    client = require_scope(request, Scope.ORDERS_READ)
    limit = query.limit

    def build():
        rows = channel_order_list(client.channel_id)
        if query.updated_since:
            rows = rows.filter(updated_at__gte=query.updated_since)
        page, next_cursor = keyset_page(rows, query.cursor, limit)
        return OrderPage(items=[OrderOut.from_order(o) for o in page], next=next_cursor)

    return conditional_json(
        request,
        [ChangeKind.ORDER],
        build,
        cached=False,
        channel_id=client.channel_id,
    )


@router.get("/orders/{number}", response={200: OrderOut, 304: None, 404: ErrorOut, **ERRORS})
def order(request, number: str):
    """One order of the key's channel, by its number."""
    client = require_scope(request, Scope.ORDERS_READ)

    def build():
        found = channel_order_list(client.channel_id).filter(number=number).first()
        if found is None:
            raise HttpError(404, f"No order {number!r} in this channel.")
        return OrderOut.from_order(found)

    return conditional_json(
        request,
        [ChangeKind.ORDER],
        build,
        cached=False,
        channel_id=client.channel_id,
    )


@router.post(
    "/orders",
    response={200: OrderOut, 201: OrderOut, 409: ErrorOut, **ERRORS},
)
def order_submit(
    request,
    payload: OrderIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=200),
):
    """Place an order in the key's channel (stock allocated, priced from the catalog). The
    same `Idempotency-Key` again returns the same order (200); with a different body, 409."""
    client = require_scope(request, Scope.ORDERS_WRITE)
    fingerprint = hashlib.sha256(payload.model_dump_json().encode()).hexdigest()
    with transaction.atomic():
        ApiClient.objects.select_for_update().get(pk=client.pk)
        earlier = ApiOrderRequest.objects.filter(api_client=client, key=idempotency_key).first()
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise HttpError(409, "This Idempotency-Key was used with another order.")
            return Status(200, _order_out(client, earlier.order_id))
        placed = _place(client, payload)
        ApiOrderRequest.objects.create(
            api_client=client, key=idempotency_key, fingerprint=fingerprint, order=placed
        )
    return Status(201, _order_out(client, placed.pk))


def _order_out(client: ApiClient, order_id: int) -> OrderOut:
    return OrderOut.from_order(channel_order_list(client.channel_id).get(pk=order_id))


def _variants(payload: OrderIn) -> dict[str, ProductVariant]:
    skus = [line.sku for line in payload.lines]
    found = {
        v.sku: v
        for v in ProductVariant.objects.for_sale()
        .filter(sku__in=skus)
        .select_related("product__tax_class")
    }
    missing = [sku for sku in skus if sku not in found]
    if missing:
        raise HttpError(422, f"No variant for sale with the SKU(s): {', '.join(missing)}.")
    return found


def _customer(payload: OrderIn, actor: Actor) -> Customer:
    data = payload.customer
    customer = Customer.objects.filter(email__iexact=data.email).first()
    if customer is not None:
        return customer
    try:
        return services.customer_save(
            customer=Customer(
                email=data.email,
                first_name=data.first_name,
                last_name=data.last_name,
                phone=data.phone,
            ),
            actor=actor,
            reason="Created by an order",
        )
    except (IntegrityError, DomainError):
        # Another order (another key's, not serialised with this one) created this customer
        # meanwhile: the service's savepoint is rolled back, and that customer is the one.
        customer = Customer.objects.filter(email__iexact=data.email).first()
        if customer is None:
            raise
        return customer


def _place(client: ApiClient, payload: OrderIn):
    actor = Actor.api_client(f"{client.name} ({client.prefix})")
    variants = _variants(payload)
    try:
        with transaction.atomic():
            customer = _customer(payload, actor)
            address = services.address_save(
                address=Address(customer=customer, **payload.shipping_address.model_dump()),
                actor=actor,
            )
            draft = services.order_create(
                channel=client.channel,
                customer=customer,
                lines=[
                    services.LineRequest(variant=variants[line.sku], quantity=line.quantity)
                    for line in payload.lines
                ],
                shipping=payload.shipping,
                shipping_address=address,
                source_reference=payload.source_reference,
                actor=actor,
            )
            return services.order_place(order=draft, actor=actor)
    except AmountInvalid as invalid:
        raise HttpError(422, str(invalid)) from invalid
    except DomainError as refused:
        raise HttpError(409, str(refused)) from refused
    except ValidationError as invalid:
        raise HttpError(422, "; ".join(invalid.messages)) from invalid
