"""How numbers read in the product's text."""

from decimal import Decimal


def percent(rate: Decimal) -> str:
    """20.000 → "20 %", 5.500 → "5.5 %" (never "2E+1")."""
    return f"{format(rate.normalize(), 'f')} %"
