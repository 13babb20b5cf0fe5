"""The store itself: who sells (the seller block of every invoice), in which currency, and how
tax applies. One row, edited by the Owner under Administration → Store settings, read
everywhere through `backoffice.selectors.store_settings`."""

from secrets import token_hex

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from backoffice import validators
from backoffice.money import currency_choices

STORE_SETTINGS_ID = 1


def logo_path(instance: "StoreSettings", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"store/logo-{token_hex(8)}.{extension}"


class StoreSettings(models.Model):
    # --- the seller, as invoices must name it ------------------------------------------------
    legal_name = models.CharField(
        max_length=200, blank=True, help_text="The registered name of the business."
    )
    trading_name = models.CharField(
        max_length=200, blank=True, help_text="The name customers know, when it differs."
    )
    address_line1 = models.CharField("address line 1", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    vat_number = models.CharField(
        "VAT / tax registration number",
        max_length=30,
        blank=True,
        help_text="Checked against the country's format, e.g. FR40303265045.",
    )
    company_number = models.CharField(
        "company registration number",
        max_length=50,
        blank=True,
        help_text="SIREN, Companies House number, Handelsregister entry, …",
    )
    email = models.EmailField("contact e-mail", blank=True)
    phone = models.CharField("contact phone", max_length=40, blank=True)
    logo = models.ImageField(
        upload_to=logo_path,
        blank=True,
        validators=[validators.logo_image],
        help_text="PNG or JPEG, at most 1 MB and 4000 × 4000 pixels; printed on documents.",
    )
    public_base_url = models.URLField(
        "public base URL",
        help_text="Where people and storefronts reach the back office, e.g. "
        "https://backoffice.example.com: every absolute link it writes starts with it.",
    )
    # --- money and tax -----------------------------------------------------------------------
    currency = models.CharField(
        "store currency",
        max_length=3,
        choices=currency_choices,
        help_text="Catalog prices, orders and documents are in this currency. It cannot "
        "change once orders exist.",
    )
    prices_include_tax = models.BooleanField(
        "catalog prices include tax",
        default=False,
        help_text="On when prices are shown to customers with tax (as in most of Europe).",
    )
    default_tax_class = models.ForeignKey(
        "inventory.TaxClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For products without a tax class of their own. Without one, orders of "
        "such products are refused.",
    )
    shipping_tax_class = models.ForeignKey(
        "inventory.TaxClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="How shipping is taxed; the default tax class when empty.",
    )
    # --- documents ---------------------------------------------------------------------------
    invoice_footer = models.TextField(
        blank=True, help_text="Printed under every invoice: payment terms, bank details, …"
    )
    credit_note_footer = models.TextField(blank=True, help_text="Printed under every credit note.")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "store settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=STORE_SETTINGS_ID), name="store_settings_single_row"
            )
        ]

    def __str__(self) -> str:
        return "Store settings"

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        country = self.country.name if self.country else ""
        parts = [self.address_line1, self.address_line2, city, self.region, country]
        return [part for part in parts if part]

    def clean(self):
        errors = {}
        for field, check in (
            ("vat_number", validators.vat_number),
            ("phone", validators.phone_number),
        ):
            try:
                setattr(self, field, check(getattr(self, field), str(self.country)))
            except ValidationError as error:
                errors[field] = error
        self.public_base_url = self.public_base_url.rstrip("/")
        if errors:
            raise ValidationError(errors)

    def missing_for_invoices(self) -> list[str]:
        """What an invoice must name about its seller and this store does not give yet."""
        required = {
            "legal name": self.legal_name,
            "address": self.address_line1 and self.city,
            "country": self.country,
        }
        return [label for label, value in required.items() if not value]
