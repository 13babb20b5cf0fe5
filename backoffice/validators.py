"""Checks of what people type that maintained libraries know better than we do: tax numbers
(python-stdnum), phone numbers (phonenumbers), images (Pillow). Each returns the value in its
normal form or raises a `ValidationError` that says what is wrong."""

import phonenumbers
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as NumberError
from stdnum.util import get_cc_module

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000 * 4000
LOGO_FORMATS = {"PNG", "JPEG"}


def _eu_prefix(country: str) -> str:
    return "EL" if country == "GR" else country  # Greece's VAT numbers start with EL


def vat_number(number: str, country: str) -> str:
    """A VAT or tax registration number in its compact form, checked against the rules of
    the seller's country (EU numbers keep their country prefix, as invoices print them).
    Countries python-stdnum has no rule for keep the number as typed."""
    number = number.strip()
    if not number:
        return ""
    country = (country or "").upper()
    try:
        if country.lower() in eu_vat.MEMBER_STATES:
            compact = eu_vat.compact(number)
            prefix = _eu_prefix(country)
            if not compact[:2].isalpha():
                compact = prefix + compact
            if compact[:2] != prefix:
                raise ValidationError(
                    f"{number} is a VAT number of another country than {country}: "
                    f"numbers of {country} start with {prefix}."
                )
            return eu_vat.validate(compact)
        module = get_cc_module(country.lower(), "vat") if country else None
        return module.validate(number) if module else number
    except NumberError as error:
        raise ValidationError(
            f"{number} is not a valid VAT number for {country}: {error}"
        ) from None


def phone_number(number: str, country: str = "") -> str:
    """A phone number in international form (+33 1 23 45 67 89)."""
    number = number.strip()
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        hint = "" if country else " (start it with + and the country code)"
        raise ValidationError(f"{number} is not a valid phone number{hint}.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def logo_image(upload) -> None:
    """A logo printed on documents: a real PNG or JPEG, small enough to read and print.
    A file already stored was checked when it came in."""
    if getattr(upload, "_committed", False):
        return
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            f"The logo is {upload.size / 1024 / 1024:.1f} MB: at most 1 MB is accepted."
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format, (width, height) = image.format, image.size
            if width * height > LOGO_MAX_PIXELS:
                raise ValidationError(
                    f"The logo is {width} × {height} pixels: at most 4000 × 4000 are accepted."
                )
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("The logo is not an image that can be read.") from None
    finally:
        upload.seek(0)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(f"The logo is a {image_format} image: upload a PNG or a JPEG.")
