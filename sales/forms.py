"""Forms for the order actions in the admin. They collect input; the services decide."""

from typing import Any, cast

from django import forms
from django.core.validators import DecimalValidator
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from backoffice.money import MONEY_DIGITS, MONEY_PLACES, minor_units
from inventory.models import Warehouse
from sales.models import LineAllocation, NoteVisibility, Order, Payment, PaymentStatus


def _text(label: str, required: bool = False, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=UnfoldAdminTextInputWidget, **kwargs
    )


def _quantity(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        help_text=help_text,
        widget=UnfoldAdminIntegerFieldWidget,
    )


class ConfirmForm(forms.Form):
    """No input: the page explains what will happen and asks for a click."""

    def __init__(self, order: Order, *args, **kwargs):
        super().__init__(*args, **kwargs)


class MarkPaidForm(ConfirmForm):
    method = forms.ChoiceField(
        choices=[(m, m) for m in ("Bank transfer", "Cash", "Card terminal", "Cheque", "Other")],
        widget=UnfoldAdminSelectWidget,
    )
    reference = _text("Reference", max_length=200, help_text="Transfer or receipt reference.")


class CancelForm(ConfirmForm):
    reason = _text("Reason", max_length=200)


class NoteForm(ConfirmForm):
    body = forms.CharField(label="Note", widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))
    visibility = forms.ChoiceField(choices=NoteVisibility.choices, widget=UnfoldAdminSelectWidget)


class LineQuantitiesMixin:
    """One quantity field per order line, named `line_<id>`."""

    fields: dict[str, forms.Field]  # of the form it is mixed into
    cleaned_data: dict[str, Any]

    def add_line_fields(self, lines, label_suffix: str, initial=None) -> None:
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = _quantity(
                f"{line.sku or line.title} {label_suffix}", help_text=line.description
            )
            if initial:
                self.fields[f"line_{line.pk}"].initial = initial(line)

    def line_quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }


class FulfilForm(LineQuantitiesMixin, ConfirmForm):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), widget=UnfoldAdminSelectWidget
    )
    carrier = _text("Carrier", max_length=100)
    tracking_number = _text("Tracking number", max_length=200)

    def __init__(self, order: Order, *args, **kwargs):
        super().__init__(order, *args, **kwargs)
        holding = LineAllocation.objects.filter(line__order=order).values("warehouse")
        warehouse = cast(forms.ModelChoiceField, self.fields["warehouse"])
        warehouse.queryset = Warehouse.objects.filter(pk__in=holding)
        self.fields["warehouse"].help_text = "Where the parcel leaves from."
        open_lines = [line for line in order.lines.all() if line.quantity_open]
        self.add_line_fields(open_lines, "to ship")
        self.order_fields(["warehouse", "carrier", "tracking_number"])

    def quantities(self) -> dict[int, int] | None:
        """None (ship all that waits in the warehouse) when no quantity was given."""
        return self.line_quantities() or None


class RefundForm(LineQuantitiesMixin, ConfirmForm):
    """What to refund, chosen explicitly: an amount, units of lines, or the whole rest of the
    payment. A form with nothing chosen refunds nothing."""

    payment = forms.ModelChoiceField(
        queryset=Payment.objects.none(), widget=UnfoldAdminSelectWidget
    )
    whole_payment = forms.BooleanField(
        label="Refund the whole payment",
        required=False,
        widget=UnfoldBooleanWidget,
        help_text="Everything of the payment not refunded yet. Units not shipped are cancelled.",
    )
    amount = forms.DecimalField(
        required=False,
        min_value=0,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text="Or an amount, without units; or give quantities below to refund lines.",
    )
    restock = forms.BooleanField(
        required=False,
        widget=UnfoldBooleanWidget,
        help_text="Put shipped units that come back into stock.",
    )
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(active=True),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text="Where returned units go (default warehouse if empty).",
    )
    reason = _text("Reason", max_length=500)

    def __init__(self, order: Order, *args, **kwargs):
        super().__init__(order, *args, **kwargs)
        payments = order.payments.filter(status=PaymentStatus.SUCCEEDED)
        payment = cast(forms.ModelChoiceField, self.fields["payment"])
        payment.queryset = payments
        payment.initial = payments.first()
        # An amount has at most the order currency's decimals (none for yen).
        places = minor_units(order.currency)
        amount = cast(forms.DecimalField, self.fields["amount"])
        amount.decimal_places = places
        amount.validators.append(DecimalValidator(MONEY_DIGITS - MONEY_PLACES + places, places))
        refundable = [line for line in order.lines.all() if line.quantity > line.quantity_refunded]
        self.add_line_fields(refundable, "to refund")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        chosen = [
            name
            for name, given in (
                ("the whole payment", cleaned.get("whole_payment")),
                ("an amount", cleaned.get("amount") is not None),
                ("units of lines", bool(self.line_quantities())),
            )
            if given
        ]
        if not chosen and not self.errors:
            raise forms.ValidationError(
                "Choose what to refund: the whole payment, an amount, or units of lines."
            )
        if len(chosen) > 1:
            raise forms.ValidationError(
                f"Refund one of {' or '.join(chosen)}: a refund by lines gives back their "
                "value, and the whole payment is everything left."
            )
        return cleaned
