"""One writer at a time for work that reads, then writes from what it read."""

from __future__ import annotations

from django.db import connection


def hold_lock(name: str) -> None:
    """Wait until no other transaction holds the lock `name`, then hold it until this
    transaction ends. Call inside `transaction.atomic()`, before reading what the work
    writes from.

    PostgreSQL: a transaction-level advisory lock on the name. SQLite, which lets one
    transaction write at a time: this transaction becomes the writer now (another one
    waits for it), not at its first write, after it read a state about to change."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
        else:
            cursor.execute("UPDATE django_migrations SET id = id WHERE id IS NULL")
