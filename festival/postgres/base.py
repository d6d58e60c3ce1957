"""Django's PostgreSQL backend, with a cheaper health check of a kept connection.

With CONN_HEALTH_CHECKS, Django asks the server ``SELECT 1`` before the first query of every request that
reuses a connection, so that a connection the server dropped (PostgreSQL restarted) is replaced instead of
failing the page. That is one more round trip on every page, paid on the busiest evening too. A connection
that sits idle between requests is owed nothing by the server: when the server goes away it says goodbye (or
the kernel closes the socket), and the socket becomes readable. So the socket is polled first, without
waiting; only a connection with something to read is asked ``SELECT 1``, as before, and replaced if it fails.

A server can also vanish without a word: its host crashed, a managed server failed over, a firewall dropped an
idle connection. Such a socket stays quiet, so a connection that has not been checked for IDLE_CHECK seconds is
asked ``SELECT 1`` anyway. On a busy evening each process checks its connection at the start of every request,
so only the quiet hours pay the round trip.
"""

import select
import time

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

# Seconds after which a quiet connection is asked SELECT 1 all the same.
IDLE_CHECK = 10.0


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    _checked_at = 0.0

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self._checked_at = time.monotonic()
        return connection

    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
            ready = poller.poll(0)
        except (OSError, ValueError, self.Database.Error):
            return False
        now = time.monotonic()
        if not ready and now - self._checked_at < IDLE_CHECK:
            self._checked_at = now
            return True
        usable = super().is_usable()
        if usable:
            self._checked_at = now
        return usable
