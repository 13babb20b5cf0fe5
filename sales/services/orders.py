"""Orders through their life: draft → placed → completed, or cancelled.

Every service locks the order row first, refuses a transition the order's state does not
allow with a `DomainError` saying why, moves stock only through the stock services (so the
ledger explains every unit), and records a history row and a timeline event.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from backoffice.money import AmountInvalid, check_fits, fits_currency, precision_phrase
from backoffice.selectors import store_settings
from inventory.models import ProductVariant, StockLevel, TaxClass, Warehouse
from inventory.services import stock_allocate, stock_levels_lock, stock_release, stock_ship
from reporting.rollups import refresh_after_commit, refresh_order_after_commit
from sales.models import (
    Address,
    Channel,
    Customer,
    EventKind,
    Fulfillment,
    FulfillmentLine,
    FulfilmentState,
    Invoice,
    LineAllocation,
    NoteVisibility,
    Order,
    OrderLine,
    OrderNote,
    OrderStatus,
    PaymentState,
)
from sales.services.documents import credit_note_cancel_invoice
from sales.services.links import payment_links_withdraw
from sales.services.pricing import ZERO, line_amounts, money, shipping_amounts
from sales.services.timeline import order_event_record


class OrderStateError(DomainError):
    """The order's state does not allow what was asked."""


class OrderNotCancellable(OrderStateError):
    pass


class OutOfStock(DomainError):
    def __init__(self, *, variant: ProductVariant, requested: int, available: int):
        super().__init__(
            f"Not enough stock of {variant.label}: {requested} ordered, {available} available "
            "in all warehouses.",
            sku=variant.sku,
            requested=requested,
            available=available,
        )


@dataclass(frozen=True)
class Contact:
    """Who an order is for, as it was given (a storefront's checkout): kept on the order."""

    email: str
    first_name: str = ""
    last_name: str = ""

    @staticmethod
    def of(customer: Customer) -> "Contact":
        return Contact(customer.email, customer.first_name, customer.last_name)


def _set_contact(order: Order, contact: Contact) -> None:
    order.customer_email = contact.email
    order.customer_first_name, order.customer_last_name = contact.first_name, contact.last_name


@dataclass(frozen=True)
class LineRequest:
    variant: ProductVariant
    quantity: int
    discount: Decimal = ZERO


# --- helpers ----------------------------------------------------------------------------------


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _require_status(order: Order, *allowed: str, doing: str) -> None:
    if order.status not in allowed:
        state = order.get_status_display().lower()
        raise OrderStateError(f"Order {order.number} is {state}: it cannot be {doing}.")


class MissingTaxClass(DomainError):
    """Something would be sold without knowing its tax."""


def _tax_class(product, default: TaxClass | None) -> TaxClass | None:
    return product.tax_class if product.tax_class_id else default


def _require_tax_classes(variants: list[ProductVariant], default: TaxClass | None) -> None:
    untaxed = sorted({v.product.title for v in variants if _tax_class(v.product, default) is None})
    if untaxed:
        raise MissingTaxClass(
            f"No tax class for {', '.join(untaxed)}: give the product a tax class (the "
            "exempt class for untaxed goods) or set the store's default tax class under "
            "Administration → Store settings.",
            products=untaxed,
        )


def _snapshot(line: OrderLine, variant: ProductVariant, default: TaxClass | None) -> None:
    """Copy what the catalog says now onto the line: the line keeps it for good. A product
    without a tax class of its own is taxed at the store's default class."""
    product = variant.product
    # Never None: _require_tax_classes refused products without one before any line.
    tax_class = cast(TaxClass, _tax_class(product, default))
    line.variant = variant
    line.sku = variant.sku or ""
    line.title = product.title
    line.options = " / ".join(variant.option_values)
    line.unit_price = variant.price
    line.tax_rate, line.tax_exempt = tax_class.rate, tax_class.exempt
    line.tax_note = tax_class.invoice_note


def _price_shipping_tax(order: Order, store) -> None:
    """Shipping is taxed at the store's shipping tax class (the default class without one)."""
    tax_class = store.shipping_tax_class or store.default_tax_class
    if tax_class is None:
        if order.shipping:
            raise MissingTaxClass(
                "No tax class for shipping: set the shipping (or default) tax class under "
                "Administration → Store settings."
            )
        order.shipping_tax_rate, order.shipping_tax_exempt = ZERO, False
        return
    order.shipping_tax_rate, order.shipping_tax_exempt = tax_class.rate, tax_class.exempt


def _price_lines(order: Order, lines: list[OrderLine]) -> None:
    """Price every line, then the order as the sum of its lines and shipping."""
    included, currency = order.prices_include_tax, order.currency
    for line in lines:
        amounts = line_amounts(
            unit_price=line.unit_price,
            quantity=line.quantity,
            discount=line.discount,
            tax_rate=line.tax_rate,
            included=included,
            currency=currency,
        )
        line.subtotal, line.discount = amounts.subtotal, amounts.discount
        line.tax, line.total = amounts.tax, amounts.total
    shipping = shipping_amounts(
        amount=order.shipping,
        tax_rate=order.shipping_tax_rate,
        included=included,
        currency=currency,
    )
    order.shipping_tax = shipping.tax
    order.subtotal = sum((line.subtotal for line in lines), ZERO)
    order.discount = sum((line.discount for line in lines), ZERO)
    order.tax = sum((line.tax for line in lines), ZERO) + shipping.tax
    order.total = sum((line.total for line in lines), ZERO) + shipping.net + shipping.tax
    for amount in (order.subtotal, order.total):  # each line fits; their sum may not
        check_fits(amount, currency)


def _validated(requests: list[LineRequest]) -> list[LineRequest]:
    seen = set()
    for request in requests:
        quantity = request.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise DomainError(
                f"{request.variant.label}: the quantity must be a whole number above zero, "
                f"not {quantity!r}."
            )
        if request.variant.pk in seen:
            raise DomainError(f"{request.variant.label} is on the order twice: use one line.")
        seen.add(request.variant.pk)
    return requests


def _write_lines(order: Order, requests: list[LineRequest]) -> list[OrderLine]:
    order.lines.all().delete()
    default = store_settings().default_tax_class
    requests = _validated(requests)
    _require_tax_classes([request.variant for request in requests], default)
    lines = []
    for position, request in enumerate(requests):
        line = OrderLine(
            order=order, quantity=request.quantity, discount=request.discount, position=position
        )
        _priced(request.variant)
        _snapshot(line, request.variant, default)
        lines.append(line)
    _price_lines(order, lines)
    return OrderLine.objects.bulk_create(lines)


def _shipping(amount, currency: str) -> Decimal:
    """Shipping as typed: in the currency's units, never rounded behind anyone's back."""
    amount = Decimal(amount)
    if not fits_currency(amount, currency):
        raise AmountInvalid(
            f"Shipping of {amount} {currency} has more decimals than {currency} has: "
            f"give it {precision_phrase(currency)}."
        )
    return money(amount, currency)


# --- draft orders -----------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *,
    channel: Channel,
    customer: Customer,
    actor: Actor,
    lines: Sequence[LineRequest] = (),
    shipping: Decimal = ZERO,
    shipping_address: Address | None = None,
    billing_address: Address | None = None,
    source_reference: str = "",
    idempotency_key: str | None = None,
    contact: Contact | None = None,
) -> Order:
    """A draft order: priced from the catalog now, and again when it is placed, in the store
    currency and with the store's choice of prices with or without tax. It keeps `contact`
    (by default the customer's own) as who it is for."""
    if not channel.active:
        raise DomainError(f"The channel {channel.name} is inactive: it takes no new orders.")
    store = store_settings()
    order = Order(
        channel=channel,
        customer=customer,
        currency=store.currency,
        prices_include_tax=store.prices_include_tax,
        shipping=_shipping(shipping, store.currency),
        shipping_address=shipping_address or customer.addresses.first(),
        billing_address=billing_address or shipping_address or customer.addresses.first(),
        source_reference=source_reference,
        idempotency_key=idempotency_key,
        number=f"new-{uuid4().hex[:24]}",  # replaced below, once the id is known
    )
    _set_contact(order, contact or Contact.of(customer))
    _price_shipping_tax(order, store)
    # Its history starts below, once it has its number (django-simple-history's switch).
    order.skip_history_when_saving = True  # type: ignore[attr-defined]
    order.save()
    del order.skip_history_when_saving  # type: ignore[attr-defined]
    year = timezone.localtime(order.created_at).year
    order.number = f"{settings.ORDER_SERIES}-{year}-{order.pk:06d}"
    _write_lines(order, list(lines))
    save_with_reason(order, actor, "Created")
    order_event_record(order=order, kind=EventKind.CREATED, message="Draft created", actor=actor)
    return order


@transaction.atomic
def order_lines_set(*, order: Order, lines: list[LineRequest], actor: Actor) -> Order:
    """Replace a draft's lines (and re-price it)."""
    order = _locked(order)
    _require_status(order, OrderStatus.DRAFT, doing="edited (only drafts change their lines)")
    _write_lines(order, list(lines))
    save_with_reason(order, actor, "Lines changed")
    return order


@transaction.atomic
def order_draft_update(
    *,
    order: Order,
    actor: Actor,
    customer: Customer,
    shipping: Decimal,
    source_reference: str = "",
) -> Order:
    """Change a draft's customer, shipping or reference (and re-price it)."""
    order = _locked(order)
    _require_status(order, OrderStatus.DRAFT, doing="edited (only drafts change)")
    if customer.pk != order.customer_id:
        order.customer = customer
        _set_contact(order, Contact.of(customer))
        order.shipping_address = order.billing_address = customer.addresses.first()
    order.shipping = _shipping(shipping, order.currency)
    _price_shipping_tax(order, store_settings())
    order.source_reference = source_reference
    _price_lines(order, list(order.lines.all()))
    save_with_reason(order, actor, "Draft changed")
    return order


# --- placing: prices and stock ----------------------------------------------------------------


def _sellable(line: OrderLine) -> None:
    variant = line.variant
    _priced(variant)
    if not variant.is_for_sale:
        raise DomainError(
            f"{variant.label} ({variant.product.title}) is not for sale: its product is "
            f"{variant.product.get_status_display().lower()} or the variant is inactive."
        )


def _priced(variant: ProductVariant) -> None:
    if variant.price is None:
        raise DomainError(
            f"{variant.label} ({variant.product.title}) has no price yet: price it before "
            "selling it."
        )


def _allocation_plan(line: OrderLine, warehouses: list[Warehouse]) -> list[tuple[Warehouse, int]]:
    """Where the line's units come from: the default warehouse first, then the others."""
    variant = line.variant
    levels = {
        level.warehouse_id: level
        for level in StockLevel.objects.select_for_update()
        .filter(variant=variant, warehouse__in=warehouses)
        .order_by("pk")
    }
    plan, remaining = [], line.quantity
    for warehouse in warehouses:
        level = levels.get(warehouse.pk)
        take = min(max(level.available, 0) if level else 0, remaining)
        if take:
            plan.append((warehouse, take))
            remaining -= take
    if remaining and not variant.allows_backorder:
        raise OutOfStock(
            variant=variant, requested=line.quantity, available=line.quantity - remaining
        )
    if remaining:  # backordered in the default warehouse
        merged = dict(plan)
        merged[warehouses[0]] = merged.get(warehouses[0], 0) + remaining
        plan = list(merged.items())
    return plan


def _allocate(order: Order, lines: list[OrderLine], actor: Actor) -> None:
    warehouses = list(Warehouse.objects.filter(active=True).order_by("-is_default", "code"))
    if not warehouses:
        raise DomainError("There is no active warehouse to allocate stock from.")
    # Variants in primary-key order, so two orders of the same variants cannot deadlock.
    for line in sorted(lines, key=lambda line: line.variant_id):
        for warehouse, quantity in _allocation_plan(line, warehouses):
            stock_allocate(
                variant=line.variant,
                warehouse=warehouse,
                quantity=quantity,
                actor=actor,
                reference=order.number,
            )
            LineAllocation.objects.create(line=line, warehouse=warehouse, quantity=quantity)


@transaction.atomic
def order_place(*, order: Order, actor: Actor) -> Order:
    """Confirm a draft: re-price it from the catalog and allocate its stock, all or nothing."""
    order = _locked(order)
    _require_status(order, OrderStatus.DRAFT, doing="placed")
    lines = list(order.lines.select_related("variant__product__tax_class"))
    if not lines:
        raise DomainError(f"Order {order.number} has no lines: add what the customer buys.")
    store = store_settings()
    for line in lines:
        _sellable(line)
    _require_tax_classes([line.variant for line in lines], store.default_tax_class)
    for line in lines:
        _snapshot(line, line.variant, store.default_tax_class)
    _price_shipping_tax(order, store)
    _price_lines(order, lines)
    OrderLine.objects.bulk_update(
        lines,
        [
            *("sku", "title", "options", "unit_price"),
            *("tax_rate", "tax_exempt", "tax_note", "subtotal", "tax", "total"),
        ],
    )
    stock_levels_lock(variant_ids=[line.variant_id for line in lines])
    _allocate(order, lines, actor)
    order.status, order.placed_at = OrderStatus.PLACED, timezone.now()
    if order.total == 0:
        order.payment_status, order.paid_at = PaymentState.PAID, order.placed_at
    save_with_reason(order, actor, "Placed")
    refresh_after_commit(moment=order.placed_at, channel_id=order.channel_id)
    units = sum(line.quantity for line in lines)
    order_event_record(
        order=order,
        kind=EventKind.PLACED,
        message=f"Placed: {units} unit(s), total {order.total} {order.currency}",
        actor=actor,
    )
    return order


# --- fulfilment -------------------------------------------------------------------------------


def refresh_progress(order: Order) -> None:
    """Fulfilment state from the lines, and completion when shipped and settled."""
    lines = list(order.lines.all())
    shipped = sum(line.quantity_fulfilled for line in lines)
    still_open = sum(line.quantity_open for line in lines)
    if still_open == 0 and shipped:
        order.fulfilment_status = FulfilmentState.FULFILLED
        order.fulfilled_at = order.fulfilled_at or timezone.now()
    elif shipped:
        order.fulfilment_status = FulfilmentState.PARTIAL
    settled = order.payment_status in (
        PaymentState.PAID,
        PaymentState.PARTIALLY_REFUNDED,
        PaymentState.REFUNDED,
    )
    if order.status == OrderStatus.PLACED and still_open == 0 and shipped and settled:
        order.status = OrderStatus.COMPLETED


def _warehouse(warehouse: Warehouse | str) -> Warehouse:
    if isinstance(warehouse, str):
        found = Warehouse.objects.filter(code=warehouse).first()
        if found is None:
            raise DomainError(f"There is no warehouse with the code {warehouse!r}.")
        return found
    return warehouse


def _shipment_plan(order, warehouse, quantities) -> list[tuple[OrderLine, LineAllocation, int]]:
    lines = {line.pk: line for line in order.lines.select_related("variant__product")}
    allocations = {
        allocation.line_id: allocation
        for allocation in LineAllocation.objects.filter(line__order=order, warehouse=warehouse)
    }
    if quantities is None:  # everything still to ship that waits in this warehouse
        quantities = {
            line_id: min(allocation.quantity, lines[line_id].quantity_open)
            for line_id, allocation in allocations.items()
            if lines[line_id].quantity_open
        }
    if not quantities or not any(quantities.values()):
        raise DomainError(f"Nothing of order {order.number} waits to ship from {warehouse.code}.")
    plan = []
    for line_id, quantity in quantities.items():
        if not quantity:
            continue
        line = lines.get(int(line_id))
        if line is None:
            raise DomainError(f"Line {line_id} is not a line of order {order.number}.")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise DomainError(f"{line.sku or line.title}: {quantity!r} is not a quantity.")
        if quantity > line.quantity_open:
            raise DomainError(
                f"Cannot ship {quantity} of {line.sku or line.title}: "
                f"{line.quantity_open} left to ship."
            )
        allocation = allocations.get(line.pk)
        if allocation is None or allocation.quantity < quantity:
            held = allocation.quantity if allocation else 0
            raise DomainError(
                f"Cannot ship {quantity} of {line.sku or line.title} from {warehouse.code}: "
                f"{held} allocated there."
            )
        plan.append((line, allocation, quantity))
    return plan


@transaction.atomic
def order_fulfil(
    *,
    order: Order,
    warehouse: Warehouse | str,
    actor: Actor,
    quantities: dict[int, int] | None = None,
    carrier: str = "",
    tracking_number: str = "",
) -> Fulfillment:
    """Ship units from one warehouse: all that waits there, or `quantities` by line id."""
    order = _locked(order)
    _require_status(order, OrderStatus.PLACED, doing="shipped")
    _require_something_to_ship(order)
    warehouse = _warehouse(warehouse)
    plan = sorted(_shipment_plan(order, warehouse, quantities), key=lambda step: step[0].variant_id)
    stock_levels_lock(variant_ids=[line.variant_id for line, _, _ in plan])
    fulfillment = Fulfillment.objects.create(
        order=order,
        warehouse=warehouse,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=timezone.now(),
        created_by=str(actor),
    )
    for line, allocation, quantity in plan:
        stock_ship(
            variant=line.variant,
            warehouse=warehouse,
            quantity=quantity,
            actor=actor,
            reference=order.number,
        )
        _reduce_allocation(allocation, quantity)
        line.quantity_fulfilled += quantity
        line.save(update_fields=["quantity_fulfilled"])
        FulfillmentLine.objects.create(fulfillment=fulfillment, line=line, quantity=quantity)
    refresh_progress(order)
    save_with_reason(order, actor, "Shipped")
    units = sum(quantity for _, _, quantity in plan)
    tracking = f" ({carrier} {tracking_number})".rstrip() if carrier or tracking_number else ""
    order_event_record(
        order=order,
        kind=EventKind.FULFILLED,
        message=f"Shipped {units} unit(s) from {warehouse.code}{tracking}",
        actor=actor,
    )
    return fulfillment


def why_nothing_ships(order: Order) -> str:
    """Why nothing of the order may ship now ("" when something may). Nothing refunded ever
    ships: refunded units are cancelled, and an order refunded in full ships nothing more."""
    if order.payment_status == PaymentState.REFUNDED:
        return (
            f"Order {order.number} is refunded in full: nothing of it may ship. Take a new "
            "order for goods that should still go out."
        )
    if not any(line.quantity_open for line in order.lines.all()):
        return (
            f"Nothing of order {order.number} is left to ship: every unit is shipped, "
            "refunded or cancelled."
        )
    return ""


def _require_something_to_ship(order: Order) -> None:
    reason = why_nothing_ships(order)
    if reason:
        raise DomainError(reason)


def _reduce_allocation(allocation: LineAllocation, quantity: int) -> None:
    allocation.quantity -= quantity
    if allocation.quantity:
        allocation.save(update_fields=["quantity"])
    else:
        allocation.delete()


def release_line_allocations(line: OrderLine, quantity: int, actor: Actor, reference: str) -> None:
    """Give back `quantity` reserved units of a line (from its last warehouses first)."""
    allocations = LineAllocation.objects.filter(line=line).select_related("warehouse")
    for allocation in allocations.order_by("-id"):
        if quantity == 0:
            return
        take = min(allocation.quantity, quantity)
        stock_release(
            variant=line.variant,
            warehouse=allocation.warehouse,
            quantity=take,
            actor=actor,
            reference=reference,
        )
        _reduce_allocation(allocation, take)
        quantity -= take


# --- cancelling and notes ---------------------------------------------------------------------


@transaction.atomic
def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Cancel an order nothing of which has shipped, giving its stock back."""
    order = _locked(order)
    if order.status == OrderStatus.CANCELLED:
        raise OrderNotCancellable(f"Order {order.number} is already cancelled.")
    if order.status == OrderStatus.COMPLETED or order.fulfillments.exists():
        raise OrderNotCancellable(
            f"Order {order.number} has shipped: it cannot be cancelled. Refund what comes back."
        )
    held = order.amount_paid - order.amount_refunded
    if held > 0:
        raise OrderNotCancellable(
            f"Order {order.number} has {held} {order.currency} paid: refund it before cancelling."
        )
    payment_links_withdraw(order=order, actor=actor)
    lines = list(order.lines.select_related("variant"))
    stock_levels_lock(variant_ids=[line.variant_id for line in lines])
    for line in sorted(lines, key=lambda line: line.variant_id):
        release_line_allocations(line, line.quantity_open, actor, order.number)
    order.status, order.cancelled_at = OrderStatus.CANCELLED, timezone.now()
    message = f"Cancelled: {reason}" if reason else "Cancelled"
    save_with_reason(order, actor, message)
    # The placed day loses the order, and the days of its refunds lose them.
    refresh_order_after_commit(order=order)
    order_event_record(order=order, kind=EventKind.CANCELLED, message=message, actor=actor)
    invoice = Invoice.objects.filter(order=order).first()
    if invoice is not None:
        credit_note_cancel_invoice(invoice=invoice, actor=actor)
    return order


@transaction.atomic
def order_note_add(
    *, order: Order, body: str, actor: Actor, visibility: str = NoteVisibility.INTERNAL
) -> OrderNote:
    body = body.strip()
    if not body:
        raise DomainError("A note needs some text.")
    if visibility not in NoteVisibility.values:
        raise DomainError(f"{visibility!r} is not a note visibility.")
    note = OrderNote.objects.create(
        order=order, body=body, visibility=visibility, author=str(actor)
    )
    label = "Customer note" if visibility == NoteVisibility.CUSTOMER else "Internal note"
    order_event_record(order=order, kind=EventKind.NOTE, message=f"{label} added", actor=actor)
    return note
