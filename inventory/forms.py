"""Forms for the stock operations in the admin. They only collect input: the services decide."""

from typing import cast

from django import forms
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from inventory.models import ADJUSTMENT_REASONS, ProductVariant, Warehouse
from inventory.selectors import VARIANT_MATCHES_SHOWN, variant_find


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
        to_warehouse = cast(forms.ModelChoiceField, self.fields["to_warehouse"])
        to_warehouse.queryset = Warehouse.objects.filter(active=True).exclude(pk=from_warehouse.pk)


class ReceiveNewForm(ReceiveForm):
    """Receive a variant into a warehouse it may have no stock row in yet. The variant is
    found by what the person has at hand: a SKU, a scanned barcode, or words of its title and
    options; several matches are offered to choose from. A variant's own page names it."""

    sku = forms.CharField(
        label="Variant",
        required=False,
        max_length=300,
        help_text="SKU or barcode (scan it), or words of the product's title and options.",
        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True}),
    )
    variant = forms.ModelChoiceField(
        queryset=ProductVariant.objects.select_related("product"),
        required=False,
        widget=forms.HiddenInput,
    )
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(active=True), widget=UnfoldAdminSelectWidget
    )
    field_order = ["sku", "variant", "warehouse", "quantity", "reference", "note"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("variant") is not None:
            return cleaned
        if "variant" in self.errors:  # a hidden choice that names no variant (any more)
            self.add_error(None, "That variant does not exist (any more): find it again.")
            return cleaned
        text = cleaned.get("sku", "").strip()
        if not text:
            self.add_error("sku", "Name the variant: its SKU, its barcode, or its title.")
            return cleaned
        found = variant_find(text)
        if len(found) == 1:
            cleaned["variant"] = found[0]
        elif not found:
            self.add_error(
                "sku", f"No variant has the SKU or barcode {text!r}, or a title that matches it."
            )
        else:
            self._offer(found)
            more = " (the first 20)" if len(found) >= VARIANT_MATCHES_SHOWN else ""
            self.add_error("variant", f"{len(found)} variants match {text!r}{more}: choose one.")
        return cleaned

    def _offer(self, variants: list[ProductVariant]) -> None:
        field = cast(forms.ModelChoiceField, self.fields["variant"])
        field.queryset = ProductVariant.objects.filter(pk__in=[v.pk for v in variants])
        field.widget = UnfoldAdminRadioSelectWidget(
            choices=[(v.pk, f"{v.product.title} — {v.label}") for v in variants]
        )
        field.label = "Which variant?"
