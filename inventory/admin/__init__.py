from inventory.admin import catalog, stock  # noqa: F401  (register the admin classes)
