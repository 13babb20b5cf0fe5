"""Sending one webhook message: signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
`webhook-signature`), posted without following redirects, its answer recorded.

A message that is not answered with a 2xx is tried again after 5 seconds, 5 and 30 minutes,
2, 5, 10 and 10 hours (Standard Webhooks' schedule: about a day), then given up. An endpoint
that fails `WEBHOOK_DISABLE_AFTER` attempts in a row is disabled, and its channel's owners
are told by e-mail; one success counts the failures from zero again.

The address is checked when the endpoint is saved, before each attempt, and by the
connection itself (`requests-hardened`), which calls the address it checked.

No transaction is held while the endpoint answers: the message is claimed first (its next
attempt moved past the call's time limit, so neither the sweep nor a second worker sends it
at the same time), then the outcome is written.
"""

import time
from dataclasses import dataclass, replace
from datetime import timedelta

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress
from standardwebhooks import Webhook

from backoffice import roles
from backoffice.selectors import absolute_url
from integrations.models import MessageState, WebhookAttempt, WebhookEndpoint, WebhookMessage
from integrations.webhooks.targets import TargetRefused, target_check

RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
EXCERPT_BYTES = 1000
USER_AGENT = "Backoffice-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(message: WebhookMessage, secret: str) -> dict[str, str]:
    now = timezone.now()
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message.webhook_id, now, message.body),
    }


def _post(message: WebhookMessage, endpoint: WebhookEndpoint) -> Outcome:
    try:
        target_check(endpoint.url)
    except TargetRefused as refused:
        return Outcome(None, error=f"Not sent: {refused}"[:300])
    started = time.monotonic()
    try:
        with (
            _connections() as session,
            session.post(
                endpoint.url,
                data=message.body.encode(),
                headers=signed_headers(message, endpoint.secret),
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,  # a redirect could lead inside the network
                stream=True,
            ) as response,
        ):
            head = next(response.iter_content(EXCERPT_BYTES), b"")
            answered = Outcome(
                response.status_code,
                error="" if response.ok and response.status_code < 300
                else f"Answered {response.status_code}.",
                excerpt=head.decode("utf-8", errors="replace"),
            )  # fmt: skip
    except InvalidIPAddress:
        answered = Outcome(None, error="Not sent: the address now leads inside the network.")
    except requests.Timeout:
        answered = Outcome(None, error="No answer within the time limit.")
    except requests.RequestException as failed:
        answered = Outcome(None, error=f"Could not connect: {type(failed).__name__}.")
    elapsed = int((time.monotonic() - started) * 1000)
    return replace(answered, duration_ms=elapsed)


def _connections() -> requests.Session:
    """A session that connects only to the address it checked: the name is resolved once,
    refused if it leads inside the network, and that address is the one called (with the
    name kept for the Host header and TLS), so a name that changes its answer between the
    check and the call cannot lead inside (DNS rebinding)."""
    private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    return Manager(
        Config(
            ip_filter_enable=not private,
            ip_filter_allow_loopback_ips=private,
            never_redirect=True,
            default_timeout=(settings.WEBHOOK_TIMEOUT_SECONDS,) * 2,
            user_agent_override=USER_AGENT,
        )
    ).get_session()


def _claim(message_id: int, *, replay: bool) -> WebhookMessage | None:
    """The message, if it is this call's to send now (else None), with its next attempt
    moved past the call's time limit."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            WebhookMessage.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=message_id)
            .first()
        )
        if message is None or not message.endpoint.active:
            return None
        if not replay:
            due = message.next_attempt_at is None or message.next_attempt_at <= now
            if message.state != MessageState.PENDING or not due:
                return None
        lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
        message.next_attempt_at = now + lease
        message.save(update_fields=["next_attempt_at"])
        return message


def webhook_deliver(message_id: int, *, replay: bool = False) -> WebhookAttempt | None:
    """Try to deliver one message (when it is due, or at once for a replay): the attempt
    made, or None when it was not this call's to make."""
    message = _claim(message_id, replay=replay)
    if message is None:
        return None
    outcome = _post(message, message.endpoint)
    with transaction.atomic():
        attempt = WebhookAttempt.objects.create(
            message=message,
            status_code=outcome.status_code,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
            duration_ms=outcome.duration_ms,
            replay=replay,
        )
        if outcome.delivered:
            _delivered(message)
        else:
            _failed(message, replay=replay)
    return attempt


def _delivered(message: WebhookMessage) -> None:
    now = timezone.now()
    WebhookMessage.objects.filter(pk=message.pk).update(
        state=MessageState.DELIVERED,
        attempts=F("attempts") + 1,
        delivered_at=now,
        next_attempt_at=None,
    )
    WebhookEndpoint.objects.filter(pk=message.endpoint_id).update(failures_in_a_row=0)


def _failed(message: WebhookMessage, *, replay: bool) -> None:
    attempts = message.attempts + 1
    if replay and message.state != MessageState.PENDING:
        next_attempt, state = None, message.state  # a replay is one try: no new schedule
    elif attempts > len(RETRY_DELAYS):
        next_attempt, state = None, MessageState.FAILED
    else:
        next_attempt, state = timezone.now() + RETRY_DELAYS[attempts - 1], MessageState.PENDING
    WebhookMessage.objects.filter(pk=message.pk).update(
        attempts=attempts, state=state, next_attempt_at=next_attempt
    )
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=message.endpoint_id)
    endpoint.failures_in_a_row += 1
    endpoint.save(update_fields=["failures_in_a_row"])
    if endpoint.active and endpoint.failures_in_a_row >= settings.WEBHOOK_DISABLE_AFTER:
        _disable(endpoint)


def _disable(endpoint: WebhookEndpoint) -> None:
    endpoint.active = False
    endpoint.disabled_reason = (
        f"Disabled after {endpoint.failures_in_a_row} failed attempts in a row, "
        f"{timezone.localtime():%Y-%m-%d %H:%M}."
    )
    endpoint._change_reason = "Disabled: kept failing"  # type: ignore[attr-defined]
    endpoint.save(update_fields=["active", "disabled_reason"])
    transaction.on_commit(lambda: _tell_owners(endpoint))


def owner_addresses(endpoint: WebhookEndpoint) -> list[str]:
    """Who is told: the endpoint's creator and the store's owners, those with an e-mail."""
    owners = get_user_model().objects.filter(
        Q(groups__name=roles.OWNER) | Q(pk=endpoint.created_by_id), is_active=True
    )
    return sorted({user.email for user in owners if user.email})


def _tell_owners(endpoint: WebhookEndpoint) -> None:
    link = absolute_url(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))
    send_mail(
        subject=f"Webhooks to {endpoint.url} are disabled",
        message=(
            f"The webhook endpoint {endpoint.url} ({endpoint.channel}) did not accept "
            f"{endpoint.failures_in_a_row} deliveries in a row, so the back office stopped "
            "sending to it. Nothing new is queued for it while it is disabled.\n\n"
            f"See what it answered, and enable it again once it is fixed: {link}\n"
        ),
        from_email=None,
        recipient_list=owner_addresses(endpoint),
    )


def webhooks_due(limit: int = 500) -> list[int]:
    """Messages whose next attempt is due (retries, and any whose task was lost)."""
    return list(
        WebhookMessage.objects.filter(
            state=MessageState.PENDING,
            endpoint__active=True,
        )
        .filter(Q(next_attempt_at__lte=timezone.now()) | Q(next_attempt_at__isnull=True))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def webhooks_prune(days: int) -> int:
    """Forget messages (and their attempts) older than `days` that are settled; the log
    would otherwise grow with every change for good."""
    cutoff = timezone.now() - timedelta(days=days)
    old = WebhookMessage.objects.filter(created_at__lt=cutoff).exclude(state=MessageState.PENDING)
    deleted, _ = old.delete()
    return deleted
