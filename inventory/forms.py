"""Forms for the stock operations in the admin. They only collect input: the services decide."""

from django import forms
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from inventory.models import ADJUSTMENT_REASONS, ProductVariant, Warehouse


def _quantity(label: str, minimum: int, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=minimum, help_text=help_text, widget=UnfoldAdminIntegerFieldWidget
    )


class StockOperationForm(forms.Form):
    reference = forms.CharField(
        required=False,
        max_length=200,
        help_text="The source document: purchase order, delivery note, count sheet…",
        widget=UnfoldAdminTextInputWidget,
    )
    note = forms.CharField(required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}))


class ReceiveForm(StockOperationForm):
    quantity = _quantity("Quantity received", 1)
    field_order = ["quantity", "reference", "note"]


class AdjustForm(StockOperationForm):
    delta = forms.IntegerField(
        label="Change",
        help_text="Units to add (positive) or remove (negative).",
        widget=UnfoldAdminIntegerFieldWidget,
    )
    reason = forms.ChoiceField(
        choices=[(r.value, r.label) for r in ADJUSTMENT_REASONS], widget=UnfoldAdminSelectWidget
    )
    field_order = ["delta", "reason", "reference", "note"]

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("An adjustment must change the quantity.")
        return self.cleaned_data["delta"]


class CountForm(StockOperationForm):
    quantity = _quantity("Counted quantity", 0, "What is physically on the shelf now.")
    field_order = ["quantity", "reference", "note"]


class TransferForm(StockOperationForm):
    to_warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(active=True), widget=UnfoldAdminSelectWidget
    )
    quantity = _quantity("Quantity to move", 1)
    field_order = ["to_warehouse", "quantity", "reference", "note"]

    def __init__(self, *args, from_warehouse: Warehouse, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_warehouse"].queryset = Warehouse.objects.filter(active=True).exclude(
            pk=from_warehouse.pk
        )


class ReceiveNewForm(ReceiveForm):
    """Receive a variant into a warehouse it may have no stock row in yet."""

    sku = forms.CharField(label="SKU", max_length=255, widget=UnfoldAdminTextInputWidget)
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(active=True), widget=UnfoldAdminSelectWidget
    )
    field_order = ["sku", "warehouse", "quantity", "reference", "note"]

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        variant = ProductVariant.objects.select_related("product").filter(sku=sku).first()
        if variant is None:
            raise forms.ValidationError(f"No variant has the SKU {sku!r}.")
        self.cleaned_data["variant"] = variant
        return sku
