"""The order page's actions: each a form page that calls one sales service.

GET shows what will happen (and asks for what the service needs); POST runs the service,
turning a refusal into a message that changes nothing. The actions a role may not use are
refused by Unfold's permission check; those that do not fit the order's state are hidden
from its page, and refused by the service with a reason if reached anyway.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from backoffice.admin_services import actor_of, report_domain_errors
from backoffice.money import format_money
from integrations.stripe import client as stripe_client
from sales import forms, services
from sales.models import Order


def order_summary(order: Order) -> list[tuple[str, object]]:
    return [
        ("Order", order.number),
        ("Customer", order.customer),
        ("Status", order.get_status_display()),
        ("Payment", order.get_payment_status_display()),
        ("Shipping", order.get_fulfilment_status_display()),
        ("Total", format_money(order.total, order.currency)),
        ("Paid", format_money(order.amount_paid - order.amount_refunded, order.currency)),
    ]


def order_action(
    form_class, title: str, submit: str, run, explanation="", available=None, confirm=None
):
    """A detail action of the order admin: `run(order, form, actor)` returns the success
    message. `explanation` may be a function of the order; when `available(order)` is false the
    page only explains (no button to press). With `confirm(order, form)` (the lines that say
    what will happen), a valid form first shows a page to confirm, and runs only from there."""

    def view(model_admin, request, object_id):
        order = get_object_or_404(Order.objects.select_related("customer", "channel"), pk=object_id)
        usable = available(order) if available else True
        form = form_class(order, request.POST if request.method == "POST" and usable else None)
        result: dict[str, object] = {}
        confirming = confirm is not None and "confirmed" not in request.POST
        if form.is_bound and form.is_valid():
            actor = actor_of(request)
            if confirming:
                if report_domain_errors(request, lambda: result.update(lines=confirm(order, form))):
                    return _page(request, model_admin, order, form, title, submit, result)
            elif report_domain_errors(
                request, lambda: result.update(message=run(order, form, actor))
            ):
                messages.success(request, str(result["message"]))
                return redirect(reverse("admin:sales_order_change", args=[order.pk]))
        text = explanation(order) if callable(explanation) else explanation
        return _page(request, model_admin, order, form, title, submit if usable else "", text)

    return view


def _page(request, model_admin, order, form, title, submit, explained):
    """The action's page: its form, or (`explained` a dict of lines) the confirmation of what
    the valid form will do, with the form's values carried along hidden."""
    confirmation = explained.get("lines") if isinstance(explained, dict) else None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"{title} — {order.number}",
        "form": form,
        "summary": order_summary(order),
        "explanation": "" if confirmation else explained,
        "confirmation": confirmation,
        "submit_label": f"Confirm: {submit.lower()}" if confirmation else submit,
        "cancel_url": reverse("admin:sales_order_change", args=[order.pk]),
    }
    return TemplateResponse(request, "backoffice/action_form.html", context)


def place(order, form, actor):
    order = services.order_place(order=order, actor=actor)
    return f"Order {order.number} placed: stock allocated, total {order.total} {order.currency}."


def mark_paid(order, form, actor):
    payment = services.order_mark_paid(
        order=order,
        actor=actor,
        method=form.cleaned_data["method"],
        reference=form.cleaned_data["reference"],
    )
    return f"Payment of {payment.amount} {payment.currency} recorded on {order.number}."


def send_payment_link(order, form, actor):
    payment = services.payment_link_create(order=order, actor=actor)
    return f"Stripe payment link for {order.number}: {payment.payment_url}"


def payment_link_explanation(order) -> str:
    if not stripe_client.is_enabled():
        return (
            "Stripe is off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to send payment "
            "links. Payments received another way can still be recorded with “Mark paid”."
        )
    return (
        f"Creates a Stripe payment page for the {order.balance_due} {order.currency} due; "
        "the order is paid when Stripe confirms the payment."
    )


def fulfil(order, form, actor):
    fulfillment = services.order_fulfil(
        order=order,
        warehouse=form.cleaned_data["warehouse"],
        quantities=form.quantities(),
        carrier=form.cleaned_data["carrier"],
        tracking_number=form.cleaned_data["tracking_number"],
        actor=actor,
    )
    units = sum(line.quantity for line in fulfillment.lines.all())
    return f"Shipped {units} unit(s) of {order.number} from {fulfillment.warehouse.code}."


def fulfil_explanation(order) -> str:
    return (
        services.why_nothing_ships(order)
        or "Leave the quantities empty to ship everything waiting in the warehouse."
    )


def issue_invoice(order, form, actor):
    invoice = services.invoice_issue(order=order, actor=actor)
    return f"Invoice {invoice.number} issued for {order.number}."


def refund(order, form, actor):
    data = form.cleaned_data
    done = services.payment_refund(
        payment=data["payment"],
        actor=actor,
        amount=data["amount"],
        lines=_refund_requests(order, form),
        reason=data["reason"],
    )
    note = f", credit note {done.credit_note.number}" if hasattr(done, "credit_note") else ""
    return f"Refunded {done.amount} {done.currency} on {order.number}{note}."


def _refund_requests(order, form) -> list:
    data = form.cleaned_data
    lines = {line.pk: line for line in form.lines}
    return [
        services.RefundLineRequest(
            line=lines[line_id],
            quantity=quantity,
            restock=data["restock"],
            warehouse=data["warehouse"],
        )
        for line_id, quantity in form.line_quantities().items()
    ]


def refund_confirmation(order, form) -> list[str]:
    data = form.cleaned_data
    preview = services.refund_preview(
        payment=data["payment"], amount=data["amount"], lines=_refund_requests(order, form)
    )
    amount = format_money(preview.amount, preview.currency)
    lines = [f"Refund {amount} of the payment."]
    if preview.pending_at_stripe:
        lines.append("Stripe is asked to refund it; what follows happens once Stripe confirms.")
    return [*lines, preview.credit_note, *preview.stock]


def refund_explanation(order) -> str:
    if order.amount_paid - order.amount_refunded <= 0:
        return "Nothing has been paid on this order, or all of it is refunded already."
    return (
        "Choose the whole payment, an amount, or units of lines. Units not shipped yet are "
        "cancelled and their stock released; shipped units that come back go into stock when "
        "“restock” is ticked. A credit note is issued against the order's invoice (issued "
        "first if the order has none). The next page shows what will happen before anything "
        "does."
    )


def cancel(order, form, actor):
    services.order_cancel(order=order, actor=actor, reason=form.cleaned_data["reason"])
    return f"Order {order.number} cancelled; its stock is released."


def add_note(order, form, actor):
    services.order_note_add(
        order=order,
        body=form.cleaned_data["body"],
        visibility=form.cleaned_data["visibility"],
        actor=actor,
    )
    return f"Note added to {order.number}."


VIEWS = {
    "place": order_action(
        forms.ConfirmForm,
        "Place order",
        "Place order",
        place,
        "Prices the order from the catalog again and allocates its stock: the default "
        "warehouse first, then the others. Nothing is allocated unless everything can be.",
    ),
    "mark_paid": order_action(forms.MarkPaidForm, "Mark paid", "Record payment", mark_paid),
    "send_payment_link": order_action(
        forms.ConfirmForm,
        "Send payment link",
        "Create payment link",
        send_payment_link,
        payment_link_explanation,
        available=lambda order: stripe_client.is_enabled(),
    ),
    "fulfil": order_action(
        forms.FulfilForm,
        "Ship",
        "Ship",
        fulfil,
        fulfil_explanation,
        available=lambda order: not services.why_nothing_ships(order),
    ),
    "issue_invoice": order_action(
        forms.ConfirmForm,
        "Issue invoice",
        "Issue invoice",
        issue_invoice,
        "Issues the invoice with the next number of the year's series. An issued invoice "
        "never changes: refunds issue credit notes against it.",
    ),
    "refund": order_action(
        forms.RefundForm,
        "Refund",
        "Refund",
        refund,
        refund_explanation,
        confirm=refund_confirmation,
    ),
    "cancel": order_action(
        forms.CancelForm,
        "Cancel order",
        "Cancel order",
        cancel,
        "Releases the order's allocated stock. Orders that have shipped or hold a payment "
        "cannot be cancelled: refund them instead.",
    ),
    "add_note": order_action(forms.NoteForm, "Add note", "Add note", add_note),
}
