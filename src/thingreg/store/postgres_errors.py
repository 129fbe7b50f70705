"""What asyncpg raises when the database connection is lost, wherever that happens.

A terminated backend, a restarted server or a network cut surfaces as any of these, in the
writer and in every read alike. The app answers them with 503 problem details (the database is
away, try again) instead of a 500; the pool replaces closed connections by itself.
"""

from __future__ import annotations

import asyncpg

CONNECTION_LOST: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError and kin
    asyncpg.exceptions.OperatorInterventionError,  # pg_terminate_backend, server shutdown
    asyncpg.InterfaceError,  # e.g. a transaction ended on a connection that is gone
    asyncpg.exceptions.InternalClientError,  # a connection left mid-protocol by the loss
)
"""Not ``OSError``: it has too many other causes to be read as "the database is away"."""
