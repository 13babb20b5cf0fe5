"""Writes of the store settings: validated whole, recorded in their history, and forgotten by
every process once committed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from backoffice.models import STORE_SETTINGS_ID, StoreSettings
from backoffice.money import fits_currency, is_currency
from backoffice.selectors import (
    forget_store_settings,
    remember_thread_store_settings,
    store_settings_from_environment,
)


class StoreSettingsInvalid(DomainError):
    pass


def _current() -> StoreSettings:
    saved = StoreSettings.objects.select_for_update().filter(pk=STORE_SETTINGS_ID).first()
    return saved or store_settings_from_environment()


def store_currency_change_check(old: str, new: str) -> None:
    """Refuse a store currency the accounts cannot change to (with the reason)."""
    from inventory.models import ProductVariant
    from sales.models import Order

    if not is_currency(new):
        raise StoreSettingsInvalid(
            f"{new!r} is not a currency code Backoffice can keep accounts in."
        )
    if old == new:
        return
    if Order.objects.exists():
        raise StoreSettingsInvalid(
            f"The store currency cannot change from {old} to {new}: orders exist, and their "
            f"amounts, payments and invoices are in {old}."
        )
    misfits = [
        price
        for price in ProductVariant.objects.values_list("price", flat=True).distinct()
        if price is not None and not fits_currency(price, new)
    ]
    if misfits:
        raise StoreSettingsInvalid(
            f"{len(misfits)} catalog price(s) have more decimals than {new} allows (e.g. "
            f"{misfits[0]}): change them before switching the store currency to {new}."
        )


@transaction.atomic
def store_settings_update(
    *, actor: Actor, reason: str = "Store settings changed", **fields
) -> StoreSettings:
    """Change the store settings: any of the model's fields, by name."""
    store = _current()
    unknown = set(fields) - {f.name for f in StoreSettings._meta.concrete_fields}
    if unknown:
        raise StoreSettingsInvalid(f"Unknown store settings: {', '.join(sorted(unknown))}.")
    old_currency = store.currency
    for name, value in fields.items():
        setattr(store, name, value)
    store_currency_change_check(old_currency, store.currency)
    try:
        store.full_clean()
    except ValidationError as error:
        problems = "; ".join(
            f"{field.replace('_', ' ')}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
        raise StoreSettingsInvalid(f"The store settings were not saved. {problems}") from None
    save_with_reason(store, actor, reason)
    # This thread reads the new settings at once; every process reads them once committed.
    remember_thread_store_settings(store)
    transaction.on_commit(forget_store_settings)
    return store
