"""Webhooks to storefronts, following the Standard Webhooks scheme.

- `endpoints`: the Owner's endpoints (an address, a secret, the events chosen).
- `dispatch`: reads the change log after its cursor and writes a message for each event and
  each endpoint that chose it, so whatever door a change came through is covered.
- `delivery`: signs and sends one message, records the attempt, schedules the next one with
  backoff for a day, disables an endpoint that keeps failing and tells the channel's owner.
- `targets`: refuses addresses inside the back office's own network.
"""
