"""The sales admin: channels and customers, orders and their actions, money, documents."""

from sales.admin import customers, documents, money, orders  # noqa: F401  (registers them)
