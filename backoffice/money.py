"""Money as the store keeps it: an amount in an ISO 4217 currency, rounded half up, once, to
that currency's minor units (0 for JPY, 2 for EUR, 3 for KWD).

Minor units and currency names come from the Unicode CLDR through babel, which records the
units a currency is really priced in: Hungarian forints and Icelandic krónur are whole
units in practice, though ISO 4217 still lists two decimals for them. The columns hold
three decimals, the most any currency offered as a store currency has.
"""

import threading
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.core import get_global
from babel.numbers import format_currency, get_currency_name, get_currency_precision
from babel.numbers import get_territory_currencies as territory_currencies
from django.core.validators import DecimalValidator
from django.db import DatabaseError, models

from backoffice.exceptions import DomainError

MONEY_DIGITS = 15
MONEY_PLACES = 3
# The largest amount a money column holds: twelve digits before the decimal point.
MONEY_LIMIT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
DISPLAY_LOCALE = "en"


class AmountInvalid(DomainError):
    """An amount the currency or the columns cannot hold: the caller's input is wrong."""


class AmountTooLarge(AmountInvalid):
    pass


@cache
def currency_codes() -> frozenset[str]:
    """Currencies that are legal tender somewhere today and fit our columns' decimals."""
    today = date.today()
    codes = {
        code
        for territory in get_global("territory_currencies")
        for code in territory_currencies(territory, start_date=today, tender=True)
    }
    return frozenset(code for code in codes if get_currency_precision(code) <= MONEY_PLACES)


@cache
def currency_choices() -> list[tuple[str, str]]:
    """("JPY", "JPY — Japanese Yen (whole units)") for every store currency, by code."""
    return [(code, currency_label(code)) for code in sorted(currency_codes())]


def currency_label(code: str) -> str:
    units = minor_units(code)
    decimals = "whole units" if units == 0 else f"{units} decimals"
    return f"{code} — {get_currency_name(code, locale=DISPLAY_LOCALE)} ({decimals})"


def is_currency(code: str) -> bool:
    return code in currency_codes()


@cache
def minor_units(currency: str) -> int:
    return get_currency_precision(currency)


@cache
def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: 1 for JPY, 0.01 for EUR, 0.001 for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(value, currency: str) -> Decimal:
    """`value` rounded half up to the currency's minor units, refused when no money column
    could hold it."""
    try:
        amount = Decimal(value).quantize(quantum(currency), rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise AmountTooLarge(f"{value} is not an amount this shop can record.") from error
    check_fits(amount, currency)
    return amount


def check_fits(amount: Decimal, currency: str) -> Decimal:
    if abs(amount) >= MONEY_LIMIT:
        raise AmountTooLarge(
            f"{format_money(amount, currency)} is beyond the largest amount Backoffice records "
            f"({format_money(MONEY_LIMIT - 1, currency)})."
        )
    return amount


def precision_phrase(currency: str) -> str:
    """How precise an amount of the currency may be: "in whole units", "to 0.01"."""
    return "in whole units" if minor_units(currency) == 0 else f"to {quantum(currency)}"


def fits_currency(amount: Decimal, currency: str) -> bool:
    """Whether `amount` has no more decimals than the currency's minor units."""
    return amount == amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def format_money(amount, currency: str) -> str:
    """How an amount reads on screen and on paper: "€1,234.50", "¥1,235", "KWD 12.345"."""
    if amount is None:
        return "—"
    return format_currency(Decimal(amount), currency, locale=DISPLAY_LOCALE)


def plain_amount(amount, currency: str) -> str:
    """The amount with exactly the currency's decimals and no symbol: "1234.50", "1235"."""
    return f"{Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP):f}"


def spreadsheet_format(currency: str) -> str:
    """A spreadsheet number format with the currency's decimals and its code:
    #,##0.00 "EUR", #,##0 "JPY", #,##0.000 "KWD"."""
    places = minor_units(currency)
    decimals = "." + "0" * places if places else ""
    return f'#,##0{decimals} "{currency}"'


def store_currency() -> str:
    """The store's currency: the default of every money-bearing document."""
    from backoffice.selectors import store_settings

    return store_settings().currency


# --- the model field -------------------------------------------------------------------------


# While migrations run, the store settings table may not exist yet, and on PostgreSQL a failed
# read would abort the migration's transaction: money columns then use their own decimals.
_migrating = threading.Event()


def migrations_started(**kwargs) -> None:
    _migrating.set()


def migrations_finished(**kwargs) -> None:
    _migrating.clear()


def _store_places(stored: int) -> int:
    if _migrating.is_set():
        return stored
    try:
        return minor_units(store_currency())
    except DatabaseError:  # a database that was never migrated has no store settings
        return stored


class MoneyField(models.DecimalField):
    """An amount of money in the store currency (orders, payments and documents carry that
    currency with them).

    The column always holds three decimals; everything above the column — values read back,
    the admin's display, forms and validation — uses the store currency's minor units, so a
    price reads "19.90" in a euro shop, "1990" in a yen shop and "1.990" in a dinar one.
    `decimal_places` is therefore the store's (read per request), while the column's own
    three decimals are kept for the schema and migrations.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(*args, **kwargs)

    @property
    def decimal_places(self) -> int:
        return _store_places(self.__dict__["decimal_places"])

    @decimal_places.setter
    def decimal_places(self, value: int) -> None:
        # The schema reads the column's decimals from the instance's dict (db_type).
        self.__dict__["decimal_places"] = value

    @property
    def whole_digits(self) -> int:
        return self.max_digits - self.__dict__["decimal_places"]

    def _check_decimal_places(self):
        return []  # fixed by __init__: never the store's, which need a database

    def _check_decimal_places_and_max_digits(self, **kwargs):
        return []

    def _check_validators(self):
        return []  # the validators follow the store currency, which needs a database

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["decimal_places"] = self.__dict__["decimal_places"]
        return name, path, args, kwargs

    @property
    def validators(self):
        places = self.decimal_places
        limit = DecimalValidator(self.whole_digits + places, places)
        # `_validators` holds the ones given to this field (Django keeps them apart).
        own = self._validators  # type: ignore[attr-defined]
        return [*self.default_validators, *own, limit]

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return Decimal(value).quantize(Decimal(1).scaleb(-self.decimal_places))

    def formfield(self, form_class=None, choices_form_class=None, **kwargs):
        places = self.decimal_places
        kwargs = {"max_digits": self.whole_digits + places, "decimal_places": places, **kwargs}
        if form_class is not None:
            kwargs["form_class"] = form_class
        if choices_form_class is not None:
            kwargs["choices_form_class"] = choices_form_class
        return super().formfield(**kwargs)
