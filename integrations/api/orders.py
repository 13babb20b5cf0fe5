"""A channel's orders: read them, and submit new ones idempotently.

A submission must carry an `Idempotency-Key`; the body is fingerprinted, so the same key
again returns the order it made and the same key with another body is a 409
(`integrations.services.api_order_submit`, which checks and places the order through
`sales.services.intake`). Here: scopes, and errors mapped to statuses.
"""

import hashlib

from django.core.exceptions import ValidationError
from ninja import Header, Query, Router, Status
from ninja.errors import HttpError

from backoffice.exceptions import DomainError
from backoffice.money import AmountInvalid
from integrations import services
from integrations.api.auth import require_scope
from integrations.api.catalog import ListQuery
from integrations.api.http import conditional_json, keyset_page
from integrations.api.schemas import ERRORS, ErrorOut, OrderIn, OrderOut, OrderPage
from integrations.models import ChangeKind, Scope
from sales.selectors import channel_order_list
from sales.services.intake import UnknownSkus

router = Router(tags=["orders"])


@router.get("/orders", response={200: OrderPage, 304: None, **ERRORS}, operation_id="listOrders")
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


@router.get(
    "/orders/{number}",
    response={200: OrderOut, 304: None, 404: ErrorOut, **ERRORS},
    operation_id="getOrder",
)
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
    operation_id="submitOrder",
)
def order_submit(
    request,
    payload: OrderIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=200),
):
    """Place an order in the key's channel (stock allocated, priced from the catalog). The
    same `Idempotency-Key` again returns the same order (200); with a different body, 409.
    The address must be deliverable (an ISO 3166 country, the country's postal code format,
    a real phone number), else 422 naming the field."""
    client = require_scope(request, Scope.ORDERS_WRITE)
    fingerprint = hashlib.sha256(payload.model_dump_json().encode()).hexdigest()
    try:
        submitted = services.api_order_submit(
            client=client,
            request=payload.as_request(),
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
        )
    except ValidationError as invalid:
        raise HttpError(422, _messages(invalid)) from invalid
    except (AmountInvalid, UnknownSkus) as refused:
        raise HttpError(422, str(refused)) from refused
    except DomainError as refused:  # stock ran out, the key reused: the request may be right
        raise HttpError(409, str(refused)) from refused
    order = channel_order_list(client.channel_id).get(pk=submitted.order_id)
    return Status(201 if submitted.created else 200, OrderOut.from_order(order))


def _messages(invalid: ValidationError) -> str:
    if not hasattr(invalid, "error_dict"):
        return "; ".join(invalid.messages)
    return "; ".join(
        f"{field}: {message}"
        for field, messages in invalid.message_dict.items()
        for message in messages
    )
