"""Who made a change: a person, an API client or the system itself (a task, a command).

Services take an `Actor` and write it into the ledger and the history, so every change can
be answered with "who, and through what"."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ActorKind(models.TextChoices):
    USER = "user", "User"
    API_CLIENT = "api_client", "API client"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class Actor:
    kind: str
    name: str
    user: "User | None" = None  # for kind USER

    @classmethod
    def for_user(cls, user) -> "Actor":
        return cls(kind=ActorKind.USER, name=user.get_username(), user=user)

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(kind=ActorKind.SYSTEM, name=name)

    @classmethod
    def api_client(cls, name: str) -> "Actor":
        return cls(kind=ActorKind.API_CLIENT, name=name)

    def __str__(self) -> str:
        return self.name if self.kind == ActorKind.USER else f"{self.name} ({self.get_kind()})"

    def get_kind(self) -> str:
        return ActorKind(self.kind).label
