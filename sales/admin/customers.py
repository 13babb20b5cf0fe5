"""Channels and customers (with their addresses, orders and lifetime value). Customers are
exported (`sales.resources.CustomerResource`: never their internal notes)."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from backoffice.admin import HistoryAdmin, HistoryExportAdmin, ImportLinkMixin
from backoffice.admin_services import actor_of
from backoffice.money import MoneyField
from sales import services
from sales.models import Address, Channel, Customer, Order
from sales.resources import CustomerResource

MONEY = MoneyField(max_digits=17)  # sums of many amounts


@admin.register(Channel)
class ChannelAdmin(HistoryAdmin):
    list_display = ("code", "name", "active")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        services.channel_save(channel=obj, actor=actor_of(request))


class AddressFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            address = form.instance
            used = Order.objects.filter(Q(shipping_address=address) | Q(billing_address=address))
            if address.pk and used.exists():
                raise forms.ValidationError(
                    f"{address} is on orders and cannot be deleted; add a new address instead."
                )


class AddressInline(StackedInline):
    model = Address
    formset = AddressFormSet
    extra = 0
    tab = True
    fields = (
        ("name", "company"),
        ("line1", "line2"),
        ("postal_code", "city"),
        ("region", "country"),
        "phone",
    )


class CustomerOrderInline(TabularInline):
    model = Order
    fk_name = "customer"
    fields = ("number", "created_at", "status", "payment_status", "total")
    readonly_fields = fields
    extra = 0
    tab = True
    can_delete = False
    show_change_link = True
    per_page = 20
    verbose_name_plural = "Orders"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _per_customer(expression, output_field):
    orders = Order.objects.sold().filter(customer=OuterRef("pk")).order_by().values("customer")
    return Subquery(
        orders.annotate(value=expression).values("value")[:1], output_field=output_field
    )


@admin.register(Customer)
class CustomerAdmin(ImportLinkMixin, HistoryExportAdmin):
    import_kind = "customers"
    actions_list = ("import_file",)
    resource_classes = [CustomerResource]
    list_display = ("email", "first_name", "last_name", "phone", "orders_display", "lifetime_value")
    search_fields = ("email", "first_name", "last_name", "phone")
    paginator = InfinitePaginator
    show_full_result_count = False
    inlines = (AddressInline, CustomerOrderInline)
    fields = (("email", "phone"), ("first_name", "last_name"), "notes", "stripe_customer_id")
    readonly_fields = ("stripe_customer_id",)

    def annotate_page(self, queryset):
        return queryset.annotate(
            orders_n=Coalesce(_per_customer(Count("pk"), IntegerField()), 0),
            # What the customer paid and kept: orders placed, net of refunds.
            lifetime=Coalesce(
                _per_customer(Sum(F("amount_paid") - F("amount_refunded")), MONEY),
                Value(Decimal(0)),
                output_field=MONEY,
            ),
        )

    @display(description="Orders", ordering="orders_n")
    def orders_display(self, obj):
        return obj.orders_n

    @display(description="Lifetime value", ordering="lifetime")
    def lifetime_value(self, obj):
        return obj.lifetime

    def save_model(self, request, obj, form, change):
        services.customer_save(customer=obj, actor=actor_of(request))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Address:
            return
        for address in formset.save(commit=False):
            address.customer = form.instance
            services.address_save(address=address, actor=actor_of(request))
        for address in formset.deleted_objects:
            address.delete()
