"""Cell values: text from a file turned into what a field holds, or a clear reason why not.

Each parser takes the stripped cell text (never blank: a blank cell means "keep the current
value" and never reaches a parser) and returns the value or raises `BadValue`."""

import re
from decimal import Decimal, InvalidOperation

from backoffice.money import (
    MONEY_LIMIT,
    MONEY_PLACES,
    fits_currency,
    precision_phrase,
    quantum,
    store_currency,
)
from inventory.handles import handle_problem, normalise_handle
from inventory.models import InventoryPolicy, ProductStatus, ProductVariant, WeightUnit

TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_QUANTITY = 1_000_000_000  # units of one variant in one place: well inside the columns
SKU_MAX_LENGTH: int = ProductVariant._meta.get_field("sku").max_length or 0
BARCODE_MAX_LENGTH: int = ProductVariant._meta.get_field("barcode").max_length or 0


class BadValue(ValueError):
    """A cell that cannot be read; the message says what is expected."""


def decimal_value(text: str, places: int | None) -> Decimal:
    """A number of at most `places` decimals (any number when None)."""
    # "12,50" is how a semicolon-delimited European file writes 12.50.
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        value = Decimal(text.replace(" ", ""))
    except InvalidOperation:
        raise BadValue("is not a number") from None
    if not value.is_finite():
        raise BadValue("is not a number")
    if value < 0:
        raise BadValue("cannot be negative")
    exponent = value.as_tuple().exponent
    if places is not None and isinstance(exponent, int) and -exponent > places:
        raise BadValue(f"has more than {places} decimal places")
    return value


def money(text: str) -> Decimal:
    """A price in the store currency, with no more decimals than the currency has (a price
    is never rounded by an import) and within what the money columns hold."""
    currency = store_currency()
    value = decimal_value(text, MONEY_PLACES)
    if not fits_currency(value, currency):
        raise BadValue(
            f"has more decimals than {currency} prices have ({precision_phrase(currency)})"
        )
    if value >= MONEY_LIMIT:
        raise BadValue(f"is beyond the largest amount Backoffice records ({MONEY_LIMIT - 1})")
    return value.quantize(quantum(currency))


def weight(text: str) -> Decimal:
    return decimal_value(text, 3)


def boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise BadValue("is not TRUE or FALSE")


def choice(choices):
    values = {value.lower(): value for value in choices.values}

    def parse(text: str) -> str:
        try:
            return values[text.lower()]
        except KeyError:
            raise BadValue(f"is not one of {', '.join(choices.values)}") from None

    return parse


def text(limit: int):
    def parse(value: str) -> str:
        if len(value) > limit:
            raise BadValue(f"is longer than {limit} characters")
        return value

    return parse


def handle(value: str) -> str:
    value = normalise_handle(value)
    problem = handle_problem(value)
    if problem is not None:
        raise BadValue(problem)
    return value


def slug(value: str) -> str:
    """A category's slug: letters, digits, - and _, as its address in the admin needs."""
    if len(value) > 200 or not SLUG.match(value):
        raise BadValue("is not a slug (letters, digits, - and _ only, up to 200)")
    return value


def sku(value: str) -> str:
    return text(SKU_MAX_LENGTH)(value)


def barcode(value: str) -> str:
    # Spreadsheets put an apostrophe before digits to keep them as text.
    return text(BARCODE_MAX_LENGTH)(value.lstrip("'"))


def whole_number(value: str) -> int:
    """A whole number, negative or not ("-4", "12.0")."""
    try:
        number = Decimal(value.replace(" ", ""))
    except InvalidOperation:
        raise BadValue("is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise BadValue("is not a whole number")
    if abs(number) > MAX_QUANTITY:
        raise BadValue(f"is beyond {MAX_QUANTITY:,} units")
    return int(number)


def quantity(value: str) -> int:
    """A whole number of zero or more, within what a stock column holds."""
    number = whole_number(value)
    if number < 0:
        raise BadValue("cannot be negative")
    return number


status = choice(ProductStatus)
inventory_policy = choice(InventoryPolicy)
weight_unit = choice(WeightUnit)
