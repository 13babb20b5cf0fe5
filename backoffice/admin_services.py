"""How every admin page calls a service: who the actor is, and a refusal as a message."""

from django.contrib import messages
from django.db import DatabaseError

from backoffice.actors import Actor
from backoffice.exceptions import DomainError


def actor_of(request) -> Actor:
    return Actor.for_user(request.user)


def report_domain_errors(request, run) -> bool:
    """Run a service call; turn a refusal into an error message. True when it succeeded."""
    try:
        run()
    except DomainError as error:
        messages.error(request, str(error))
        return False
    except DatabaseError as error:  # a constraint the services did not foresee: still no 500
        messages.error(request, f"The database refused the change: {error}")
        return False
    return True
