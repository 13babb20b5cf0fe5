"""Stripe: `client` is the only module that talks to Stripe; `webhooks` receives its events."""
