"""Sales: channels and customers, orders and their lines, payments and refunds, fulfilments,
invoices and credit notes. One module per part; every model is importable from here."""

from sales.models.customers import Address, Channel, Customer
from sales.models.documents import (
    CreditNote,
    CreditNoteLine,
    DocumentPdf,
    DocumentSequence,
    Invoice,
    InvoiceLine,
)
from sales.models.orders import (
    EventKind,
    Fulfillment,
    FulfillmentLine,
    FulfilmentState,
    LineAllocation,
    NoteVisibility,
    Order,
    OrderEvent,
    OrderLine,
    OrderNote,
    OrderStatus,
    PaymentState,
)
from sales.models.payments import (
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
)

__all__ = [
    "Address",
    "Channel",
    "CreditNote",
    "CreditNoteLine",
    "Customer",
    "DocumentPdf",
    "DocumentSequence",
    "EventKind",
    "Fulfillment",
    "FulfillmentLine",
    "FulfilmentState",
    "Invoice",
    "InvoiceLine",
    "LineAllocation",
    "NoteVisibility",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderNote",
    "OrderStatus",
    "Payment",
    "PaymentProvider",
    "PaymentState",
    "PaymentStatus",
    "Refund",
    "RefundLine",
    "RefundStatus",
]
