"""The order timeline: what happened, who did it, when."""

from backoffice.actors import Actor
from sales.models import EventKind, Order, OrderEvent


def order_event_record(*, order: Order, kind: EventKind, message: str, actor: Actor) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        message=message[:500],
        actor_kind=actor.kind,
        actor_name=actor.name,
        actor_user=actor.user,
    )
