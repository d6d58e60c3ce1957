"""Sessions as Django's cached_db keeps them (in the cache, and in the database for when the cache forgets),
read from the cache in the same round trip as the current edition's version, which nearly every page asks
for next (festival/cached.py, read_with_session)."""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from festival import cached


class SessionStore(CachedDBStore):
    def load(self):
        # The versions live in the default cache: sessions kept in another one are read Django's own way.
        if settings.SESSION_CACHE_ALIAS != "default":
            return super().load()
        data = cached.read_with_session(self.cache_key)
        # Not in the cache (or the cache did not answer): Django's own way, which reads the database on a miss.
        return data if data is not None else super().load()
