"""Saving an audited row with simple-history's who and why, the same way everywhere."""

from simple_history.utils import get_history_model_for_model

from backoffice.actors import Actor

NAME_KEPT = 60  # at most this much of an API client's or task's name goes into a reason
NAME_TAIL = 14  # an API client's name ends with its key prefix, "(0123456789ab)": kept


def save_with_reason(instance, actor: Actor, reason: str, **save_kwargs) -> None:
    """Save, recording who (a user, or in the reason the API client or task) and why."""
    instance._history_user = actor.user
    instance._change_reason = change_reason(instance, actor, reason)
    instance.save(**save_kwargs)


def change_reason(instance, actor: Actor, reason: str) -> str:
    """The reason as stored: suffixed with the actor when no user is recorded, and clipped to
    the history column (100 characters by default), actor suffix kept whole, so a long file or
    API client name never makes the save fail."""
    field = get_history_model_for_model(type(instance))._meta.get_field("history_change_reason")
    limit = field.max_length
    if actor.user is not None:
        return _clip(reason, limit)
    if limit is not None:
        actor = Actor(kind=actor.kind, name=_clip_middle(actor.name, NAME_KEPT))
    suffix = f" ({actor})"
    return _clip(reason, None if limit is None else limit - len(suffix)) + suffix


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _clip_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1 - NAME_TAIL] + "…" + text[-NAME_TAIL:]
