"""Financial reports: tax by rate from the tax documents, and payments and refunds."""

from decimal import Decimal
from heapq import merge

from django.db.models import Sum

from reporting.reports.base import FINANCE, Column, Report, cents
from sales.models import CreditNoteLine, InvoiceLine, Payment, PaymentStatus, Refund, RefundStatus

ZERO = Decimal("0.00")


class TaxSummary(Report):
    kind = "tax_summary"
    title = "Tax summary"
    audience = FINANCE
    description = (
        "Taxable amounts and tax by rate: invoices issued in the period less credit notes "
        "issued in the period."
    )
    columns = [
        Column("Tax rate %", "decimal"),
        Column("Invoiced net", "money", total=True),
        Column("Invoiced tax", "money", total=True),
        Column("Credited net", "money", total=True),
        Column("Credited tax", "money", total=True),
        Column("Taxable amount", "money", total=True),
        Column("Tax", "money", total=True),
    ]

    def _by_rate(self, lines, parameters):
        lines = parameters.scope(lines, "document__issued_at", "document__order__channel_id")
        return {
            row["tax_rate"]: (cents(row["net"]), cents(row["tax"]))
            for row in lines.values("tax_rate").annotate(net=Sum("net"), tax=Sum("tax")).order_by()
        }

    def rows(self, parameters):
        invoiced = self._by_rate(InvoiceLine.objects, parameters)
        credited = self._by_rate(CreditNoteLine.objects, parameters)
        for rate in sorted(set(invoiced) | set(credited), reverse=True):
            net, tax = invoiced.get(rate, (ZERO, ZERO))
            credit_net, credit_tax = credited.get(rate, (ZERO, ZERO))
            yield (rate, net, tax, credit_net, credit_tax, net - credit_net, tax - credit_tax)


class PaymentsAndRefunds(Report):
    kind = "payments_refunds"
    title = "Payments and refunds"
    audience = FINANCE
    description = (
        "Every payment received and every refund made in the period, in time order, with the "
        "provider's fees; refunds count as negative amounts."
    )
    columns = [
        Column("Date", "datetime"),
        Column("Type"),
        Column("Order"),
        Column("Provider"),
        Column("Method or reason"),
        Column("Reference"),
        Column("Amount", "money", total=True),
        Column("Fee", "money", total=True),
        Column("Net", "money", total=True),
    ]

    def _payments(self, parameters):
        payments = parameters.scope(
            Payment.objects.filter(status=PaymentStatus.SUCCEEDED),
            "captured_at",
            "order__channel_id",
        )
        rows = payments.order_by("captured_at", "id").values_list(
            "captured_at",
            "order__number",
            "provider",
            "method",
            "stripe_payment_intent_id",
            "reference",
            "amount",
            "fee",
        )
        for at, number, provider, method, intent, reference, amount, fee in rows.iterator(2000):
            fee = fee or ZERO
            yield (
                at,
                "Payment",
                number,
                provider,
                method,
                intent or reference,
                amount,
                fee,
                amount - fee,
            )

    def _refunds(self, parameters):
        refunds = parameters.scope(
            Refund.objects.filter(status=RefundStatus.SUCCEEDED), "created_at", "order__channel_id"
        )
        rows = refunds.order_by("created_at", "id").values_list(
            "created_at",
            "order__number",
            "payment__provider",
            "reason",
            "stripe_refund_id",
            "amount",
        )
        for at, number, provider, reason, refund_id, amount in rows.iterator(2000):
            yield (at, "Refund", number, provider, reason, refund_id or "", -amount, ZERO, -amount)

    def rows(self, parameters):
        yield from merge(
            self._payments(parameters), self._refunds(parameters), key=lambda row: row[0]
        )
