"""Sessions as Django's cached_db keeps them (in the cache, and in the database for when the cache forgets),
read from the cache in the same round trip as the current edition's version, which nearly every page asks
for next (festival/cached.py, read_with_session)."""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from festival import cached


class SessionStore(CachedDBStore):
    def load(self):
        data = cached.read_with_session(self.cache_key)
        # Not in the cache (or the cache is down): Django's own way, from the database.
        return data if data is not None else super().load()
