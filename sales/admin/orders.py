"""The order list and page. A draft is edited in place (customer, shipping, lines); once
placed, the page is read-only and changes only through its actions (`order_actions`). The list
is exported with its lines (`sales.resources.OrderLineResource`, never the internal notes),
always in the background."""

from decimal import Decimal

from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html_join
from unfold.contrib.filters.admin import ChoicesCheckboxFilter, RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from backoffice.admin import HistoryExportAdmin, money_display
from backoffice.admin_services import actor_of
from backoffice.formatting import tax_rate_label
from backoffice.money import format_money
from sales import services
from sales.admin.documents import document_links
from sales.admin.order_actions import VIEWS
from sales.admin.order_inlines import (
    FulfillmentInline,
    OrderEventInline,
    OrderLineInline,
    OrderNoteInline,
    PaymentInline,
    RefundInline,
)
from sales.models import (
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
)
from sales.resources import OrderLineResource

ORDER_COLOURS = {
    "draft": "info",
    "placed": "warning",
    "completed": "success",
    "cancelled": "danger",
}
PAYMENT_COLOURS = {
    "unpaid": "danger",
    "pending": "warning",
    "paid": "success",
    "partially_refunded": "info",
    "refunded": "info",
}
FULFILMENT_COLOURS = {"unfulfilled": "warning", "partial": "info", "fulfilled": "success"}

# Which actions fit which state; the services refuse the rest with a reason anyway.
ACTIONS_BY_STATUS: dict[str, set[str]] = {
    OrderStatus.DRAFT: {"place", "cancel", "add_note"},
    OrderStatus.PLACED: {
        "mark_paid",
        "send_payment_link",
        "fulfil",
        "issue_invoice",
        "refund",
        "cancel",
        "add_note",
    },
    OrderStatus.COMPLETED: {"issue_invoice", "refund", "add_note"},
    OrderStatus.CANCELLED: {"refund", "add_note"},  # a payment that arrived after all
}
INVOICE_ACTIONS = {"invoice_pdf", "send_invoice"}  # once the order has its invoice


def _fitting_actions(order: Order) -> set[str]:
    """The actions that make sense for the order now, for its page's buttons."""
    fitting = set(ACTIONS_BY_STATUS.get(order.status, ()))
    if order.amount_paid >= order.total:
        fitting -= {"mark_paid", "send_payment_link"}
    if order.amount_paid - order.amount_refunded <= 0:
        fitting.discard("refund")
    if hasattr(order, "invoice"):
        fitting.discard("issue_invoice")
        fitting |= INVOICE_ACTIONS
    if services.why_nothing_ships(order):
        fitting.discard("fulfil")
    if order.fulfilment_status != "unfulfilled" or order.amount_paid > order.amount_refunded:
        fitting.discard("cancel")
    return fitting


def _detail_action(name: str, description: str, icon: str, permission: str):
    return action(
        description=description,
        url_path=name.replace("_", "-"),
        icon=icon,
        permissions=[permission],
    )(VIEWS[name])


@admin.register(Order)
class OrderAdmin(HistoryExportAdmin):
    resource_classes = [OrderLineResource]
    export_in_background = True
    list_display = (
        "number",
        "created_at",
        "customer",
        "channel",
        "status_badge",
        "payment_badge",
        "fulfilment_badge",
        "total_display",
    )
    list_filter = (
        ("status", ChoicesCheckboxFilter),
        ("payment_status", ChoicesCheckboxFilter),
        ("fulfilment_status", ChoicesCheckboxFilter),
        ("channel", RelatedDropdownFilter),
    )
    list_filter_submit = True
    date_hierarchy = "created_at"
    search_fields = ("number", "customer__email", "customer__last_name", "lines__sku")
    list_select_related = ("customer", "channel")
    paginator = InfinitePaginator
    show_full_result_count = False
    autocomplete_fields = ("customer",)
    inlines = (
        OrderLineInline,
        PaymentInline,
        FulfillmentInline,
        RefundInline,
        OrderNoteInline,
        OrderEventInline,
    )
    actions_detail = (
        "place",
        "mark_paid",
        "send_payment_link",
        "fulfil",
        "issue_invoice",
        "invoice_pdf",
        "send_invoice",
        "refund",
        "cancel",
        "add_note",
    )
    draft_fields = ("channel", "customer", "shipping", "source_reference")
    summary_fieldsets = (
        (
            "Order",
            {
                "fields": (
                    ("number", "status"),
                    ("payment_status", "fulfilment_status"),
                    "placed_for",
                    "documents",
                )
            },
        ),
        (
            "Amounts",
            {
                "fields": (
                    ("subtotal_amount", "discount_amount"),
                    ("shipping_display", "tax_amount"),
                    ("total_amount", "currency"),
                    ("paid_amount", "refunded_amount"),
                )
            },
        ),
        ("Dates", {"fields": (("placed_at", "paid_at"), ("fulfilled_at", "cancelled_at"))}),
        ("Addresses", {"fields": (("shipping_address_text", "billing_address_text"),)}),
    )
    summary_fields = tuple(
        name
        for _, options in summary_fieldsets
        for row in options["fields"]
        for name in (row if isinstance(row, tuple) else (row,))
    )

    # --- list -------------------------------------------------------------------------------

    @display(description="Status", ordering="status", label=ORDER_COLOURS)
    def status_badge(self, obj):
        return obj.status

    @display(description="Payment", ordering="payment_status", label=PAYMENT_COLOURS)
    def payment_badge(self, obj):
        return obj.payment_status

    @display(description="Shipping", ordering="fulfilment_status", label=FULFILMENT_COLOURS)
    def fulfilment_badge(self, obj):
        return obj.fulfilment_status

    total_display = money_display("total", "Total")

    # --- page -------------------------------------------------------------------------------

    @display(description="Placed for")
    def placed_for(self, obj):
        """Who the order is for, as it was given (a storefront's checkout may name the
        customer otherwise than their record does)."""
        name = f"{obj.customer_first_name} {obj.customer_last_name}".strip()
        return f"{name} <{obj.customer_email}>" if name else obj.customer_email or "—"

    @display(description="Ship to")
    def shipping_address_text(self, obj):
        return obj.shipping_address.as_text() if obj.shipping_address_id else "—"

    @display(description="Bill to")
    def billing_address_text(self, obj):
        return obj.billing_address.as_text() if obj.billing_address_id else "—"

    @display(description="Invoice and credit notes")
    def documents(self, obj):
        invoice = getattr(obj, "invoice", None)
        documents = [invoice, *obj.credit_notes.all()] if invoice else []
        if not documents:
            return "—"
        return format_html_join(" · ", "{}", ((document_links(doc),) for doc in documents))

    def _is_draft(self, obj) -> bool:
        return obj is None or obj.status == OrderStatus.DRAFT

    @display(description="Shipping")
    def shipping_display(self, obj):
        rate = tax_rate_label(obj.shipping_tax_rate, obj.shipping_tax_exempt).lower()
        tax = format_money(obj.shipping_tax, obj.currency)
        return f"{format_money(obj.shipping, obj.currency)} (tax {rate}: {tax})"

    # Amounts read in the order's currency, with its decimals and symbol ("¥2,199", "€19.90").
    subtotal_amount = money_display("subtotal", "Subtotal")
    discount_amount = money_display("discount", "Discount")
    tax_amount = money_display("tax", "Tax")
    total_amount = money_display("total", "Total")
    paid_amount = money_display("amount_paid", "Amount paid")
    refunded_amount = money_display("amount_refunded", "Amount refunded")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": self.draft_fields}),)
        if self._is_draft(obj):
            return (("Draft", {"fields": self.draft_fields}), *self.summary_fieldsets)
        return (*self.summary_fieldsets, ("Source", {"fields": self.draft_fields}))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not self._is_draft(obj):
            # A placed order changes only through its actions: no save buttons to mislead.
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if self._is_draft(obj):
            return ("channel", *self.summary_fields)  # the channel is fixed at creation
        return (*self.draft_fields, *self.summary_fields)

    def has_delete_permission(self, request, obj=None):
        return False  # orders are cancelled, never deleted

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("customer", "channel", "shipping_address", "billing_address", "invoice")
        )

    def get_actions_detail(self, request, object_id):
        allowed = super().get_actions_detail(request, object_id)
        order = Order.objects.filter(pk=object_id).select_related("invoice").first()
        fitting = _fitting_actions(order) if order else set()
        suffix = f"{self.model._meta.app_label}_{self.model._meta.model_name}_"
        return [a for a in allowed if a.action_name.removeprefix(suffix) in fitting]

    # --- saving drafts through the services -------------------------------------------------

    def save_model(self, request, obj, form, change):
        data, actor = form.cleaned_data, actor_of(request)
        if not change:
            created = services.order_create(
                channel=data["channel"],
                customer=data["customer"],
                shipping=data["shipping"],
                source_reference=data.get("source_reference", ""),
                actor=actor,
            )
            obj.pk, obj.number = created.pk, created.number
            obj.refresh_from_db()
        elif self._is_draft(obj):
            services.order_draft_update(
                order=obj,
                customer=data["customer"],
                shipping=data["shipping"],
                source_reference=data.get("source_reference", ""),
                actor=actor,
            )

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads what the formset saved: nothing, saved here.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not OrderLine or not self._is_draft(form.instance):
            return
        requests = [
            services.LineRequest(
                variant=line_form.cleaned_data["variant"],
                quantity=line_form.cleaned_data["quantity"],
                discount=line_form.cleaned_data.get("discount") or Decimal(0),
            )
            for line_form in formset.forms
            if line_form.cleaned_data and not line_form.cleaned_data.get("DELETE")
        ]
        services.order_lines_set(order=form.instance, lines=requests, actor=actor_of(request))

    # --- actions (views in order_actions) ---------------------------------------------------

    def has_add_payment_permission(self, request, object_id=None):
        return request.user.has_perm("sales.add_payment")

    def has_add_refund_permission(self, request, object_id=None):
        return request.user.has_perm("sales.add_refund")

    def has_add_invoice_permission(self, request, object_id=None):
        return request.user.has_perm("sales.add_invoice")

    def has_add_fulfillment_permission(self, request, object_id=None):
        return request.user.has_perm("sales.add_fulfillment")

    def has_add_note_permission(self, request, object_id=None):
        return request.user.has_perm("sales.add_ordernote")

    place = _detail_action("place", "Place", "check_circle", "change")
    mark_paid = _detail_action("mark_paid", "Mark paid", "payments", "add_payment")
    send_payment_link = _detail_action(
        "send_payment_link", "Send payment link", "link", "add_payment"
    )
    fulfil = _detail_action("fulfil", "Ship", "local_shipping", "add_fulfillment")
    issue_invoice = _detail_action("issue_invoice", "Issue invoice", "receipt", "add_invoice")
    refund = _detail_action("refund", "Refund", "undo", "add_refund")
    cancel = _detail_action("cancel", "Cancel", "cancel", "change")
    add_note = _detail_action("add_note", "Add note", "sticky_note_2", "add_note")

    @action(description="Invoice PDF", url_path="invoice-pdf", icon="picture_as_pdf",
            permissions=["view"])  # fmt: skip
    def invoice_pdf(self, request, object_id):
        invoice = get_object_or_404(Invoice, order_id=object_id)
        return redirect(reverse("admin:sales_invoice_download_pdf", args=[invoice.pk]))

    @action(description="Send invoice", url_path="send-invoice", icon="send",
            permissions=["add_invoice"])  # fmt: skip
    def send_invoice(self, request, object_id):
        invoice = get_object_or_404(Invoice, order_id=object_id)
        return redirect(reverse("admin:sales_invoice_send_to_customer", args=[invoice.pk]))
