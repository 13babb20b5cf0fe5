"""Sales channels, customers and their addresses."""

from django.db import models
from django.db.models.functions import Lower
from django_countries import countries
from simple_history.models import HistoricalRecords


class Channel(models.Model):
    """A storefront or other place orders come from (web shop, marketplace, POS)."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    cors_origins = models.TextField(
        "browser origins",
        blank=True,
        help_text="Web origins whose pages may call the storefront API with this channel's "
        "keys, one per line, e.g. https://shop.example.com.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_origins(self) -> set[str]:
        return {line.strip().rstrip("/") for line in self.cors_origins.splitlines() if line.strip()}


class Customer(models.Model):
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True, help_text="Internal: never shown to the customer.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["email"]
        constraints = [
            # One customer per address whatever its case: Ann@x.com is ann@x.com.
            models.UniqueConstraint(
                Lower("email"),
                name="customer_email_unique_ci",
                violation_error_message="A customer with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Address(models.Model):
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166 code, e.g. FR.")
    phone = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(part for part in (self.name, self.line1, self.city, self.country) if part)

    def as_text(self) -> str:
        """The address as it is printed on a parcel or an invoice."""
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        country = countries.name(self.country) or self.country
        parts = [self.name, self.company, self.line1, self.line2, city, self.region, country]
        return "\n".join(part for part in parts if part)
