"""Channels, customers and addresses: saved with their history."""

from django.db import transaction

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from sales.models import Address, Channel, Customer


@transaction.atomic
def channel_save(*, channel: Channel, actor: Actor, reason: str = "Edited") -> Channel:
    channel.full_clean()
    save_with_reason(channel, actor, reason)
    return channel


@transaction.atomic
def customer_save(*, customer: Customer, actor: Actor, reason: str = "Edited") -> Customer:
    """Save a customer; the email is unique whatever its case."""
    customer.email = customer.email.strip()
    clash = Customer.objects.filter(email__iexact=customer.email).exclude(pk=customer.pk)
    if clash.exists():
        raise DomainError(f"Another customer already uses {customer.email}.")
    customer.full_clean(validate_constraints=False)
    save_with_reason(customer, actor, reason)
    return customer


@transaction.atomic
def address_save(*, address: Address, actor: Actor) -> Address:
    address.country = address.country.upper()
    address.full_clean()
    address.save()
    return address
