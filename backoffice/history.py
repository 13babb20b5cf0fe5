"""Saving an audited row with simple-history's who and why, the same way everywhere."""

from backoffice.actors import Actor


def save_with_reason(instance, actor: Actor, reason: str, **save_kwargs) -> None:
    """Save, recording who (a user, or in the reason the API client or task) and why."""
    instance._history_user = actor.user
    instance._change_reason = reason if actor.user is not None else f"{reason} ({actor})"
    instance.save(**save_kwargs)
