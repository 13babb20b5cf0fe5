"""Every write of the sales side. Orders (`orders`), money (`payments`), invoices and credit
notes (`documents`), and Stripe's news (`stripe_events`); importable from here."""

from sales.services.customers import address_save, channel_save, customer_save
from sales.services.documents import credit_note_issue, invoice_issue
from sales.services.orders import (
    Contact,
    LineRequest,
    OrderNotCancellable,
    OrderStateError,
    OutOfStock,
    order_cancel,
    order_create,
    order_draft_update,
    order_fulfil,
    order_lines_set,
    order_note_add,
    order_place,
    why_nothing_ships,
)
from sales.services.payments import order_mark_paid, payment_link_create
from sales.services.refunds import (
    RefundLineRequest,
    RefundPreview,
    payment_refund,
    refund_preview,
)

__all__ = [
    "Contact",
    "LineRequest",
    "OrderNotCancellable",
    "OrderStateError",
    "OutOfStock",
    "RefundLineRequest",
    "RefundPreview",
    "address_save",
    "channel_save",
    "credit_note_issue",
    "customer_save",
    "invoice_issue",
    "order_cancel",
    "order_create",
    "order_draft_update",
    "order_fulfil",
    "order_lines_set",
    "order_mark_paid",
    "order_note_add",
    "order_place",
    "payment_link_create",
    "payment_refund",
    "refund_preview",
    "why_nothing_ships",
]
