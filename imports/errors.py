"""The error every refusal of a file as a whole raises: its message says what to do."""

from backoffice.exceptions import DomainError


class ImportFileError(DomainError):
    """The file cannot be read as a table (size, encoding, format, columns, limits)."""
