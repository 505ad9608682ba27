"""The scenario store's error type (its own module, so the access rules can raise it too)."""


class StoreError(Exception):
    """A request the store cannot honour (unknown scenario, disallowed status move, a role
    that may not do it, ...); the message says what and why in words."""
