"""Product handles as Shopify makes and accepts them: up to 255 characters of letters, marks
and digits in any script (`nhẫn-1`, `מארז-מחברות-1`, `canasto-360º-serena`, a Turkish
`ücretsi̇z` with its combining dot), symbols beyond ASCII (`❄️-ultracool™`), and - or _
between them — never spaces, punctuation or ASCII symbols, which Shopify turns into dashes:
a handle is the last part of the product's web address.

Handles are kept in Unicode's composed form (NFC), so the same handle typed on two systems
matches."""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models

HANDLE_MAX_LENGTH = 255
ASCII_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
# Letters, marks (accents, emoji presentation), numbers, symbols (™, emoji).
OTHER_ALLOWED_CATEGORIES = ("L", "M", "N", "S")
ZERO_WIDTH_JOINER = "\u200d"  # joins emoji into one picture (👩‍💻)


def normalise_handle(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def handle_problem(value: str) -> str | None:
    """Why `value` cannot be a handle, or None when it can."""
    if not value:
        return "is empty"
    if len(value) > HANDLE_MAX_LENGTH:
        return f"is longer than {HANDLE_MAX_LENGTH} characters"
    for character in value:
        if character in ASCII_ALLOWED or character == ZERO_WIDTH_JOINER:
            continue
        if character.isspace():
            return "holds a space (use - between words)"
        if (
            not character.isascii()
            and unicodedata.category(character)[0] in OTHER_ALLOWED_CATEGORIES
        ):
            continue
        shown = character if character.isprintable() else f"U+{ord(character):04X}"
        return f"holds “{shown}”: only letters, digits, - and _ make a handle"
    return None


def validate_handle(value: str) -> None:
    problem = handle_problem(value)
    if problem is not None:
        raise ValidationError(f"The handle {problem}.", code="invalid_handle")


class HandleField(models.CharField):
    """A product's handle: checked and kept composed wherever it is saved from."""

    default_validators = [validate_handle]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", HANDLE_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_handle(value) if isinstance(value, str) else value
