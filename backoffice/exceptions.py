"""Errors a user can cause: services raise them, the admin and the API turn them into messages."""


class DomainError(Exception):
    """A refused operation. The message is written for the person who asked for it."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message
