"""Administration → Store settings: one page, edited by the Owner, read by everyone else."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from backoffice.admin import HistoryAdmin
from backoffice.admin_services import actor_of
from backoffice.models import STORE_SETTINGS_ID, StoreSettings
from backoffice.selectors import store_settings
from backoffice.services import (
    StoreSettingsInvalid,
    store_currency_change_check,
    store_settings_update,
)


class StoreSettingsForm(forms.ModelForm):
    # An address typed without its scheme is an https one.
    public_base_url = StoreSettings._meta.get_field("public_base_url").formfield(
        assume_scheme="https"
    )

    class Meta:
        model = StoreSettings
        fields = (
            *("legal_name", "trading_name", "vat_number", "company_number", "logo"),
            *("address_line1", "address_line2", "postal_code", "city", "region", "country"),
            *("email", "phone", "public_base_url", "currency", "prices_include_tax"),
            *("default_tax_class", "shipping_tax_class", "invoice_footer", "credit_note_footer"),
        )

    def clean_currency(self):
        currency = self.cleaned_data["currency"]
        try:
            store_currency_change_check(store_settings().currency, currency)
        except StoreSettingsInvalid as error:
            raise forms.ValidationError(str(error)) from None
        return currency


@admin.register(StoreSettings)
class StoreSettingsAdmin(HistoryAdmin):
    form = StoreSettingsForm
    fieldsets = (
        (
            "Seller",
            {
                "description": "Printed on every invoice and credit note, as the law asks.",
                "fields": (
                    ("legal_name", "trading_name"),
                    ("vat_number", "company_number"),
                    "logo",
                ),
            },
        ),
        (
            "Address",
            {
                "fields": (
                    ("address_line1", "address_line2"),
                    ("postal_code", "city"),
                    ("region", "country"),
                )
            },
        ),
        ("Contact", {"fields": (("email", "phone"), "public_base_url")}),
        (
            "Money and tax",
            {
                "fields": (
                    ("currency", "prices_include_tax"),
                    ("default_tax_class", "shipping_tax_class"),
                )
            },
        ),
        ("Documents", {"fields": ("invoice_footer", "credit_note_footer")}),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        # The one row, or (a database without it yet) what the first start would fill in.
        return StoreSettings.objects.filter(pk=STORE_SETTINGS_ID).first() or store_settings()

    def changelist_view(self, request, extra_context=None):
        return redirect(reverse("admin:backoffice_storesettings_change", args=[STORE_SETTINGS_ID]))

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        if values.get("logo") is False:  # cleared: the field's own empty value is ""
            values["logo"] = ""
        store_settings_update(actor=actor_of(request), **values)

    def save_related(self, request, form, formsets, change):
        pass  # no inlines: everything was saved by the service

    def log_change(self, request, obj, message):
        pass  # the history row written by the service is the record of the change
