"""Sessions as Django's cached_db keeps them (in the cache, and in the database for when the cache forgets),
read from the cache in the same round trip as the current edition's version, which nearly every page asks
for next (festival/cached.py, read_with_session), and as the signed-in person's copy (festival/user_cache.py),
which Django's authentication asks for next.

Whose session it is, is known before it is read when this process has read it before: a session's key never
changes hands (Django gives a session a new key when someone signs in, and empties it when another person
does). So are the copies the session's last request in this process read (cached.reads: a coordinator's
region, its schools and its stage), which the next page of the same person most likely reads again: they come
in the same round trip too. A guess that no longer holds costs only the keys read for nothing.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from festival import cached, user_cache

# Whose each session is that this process has read, and what its last request here read: its key → (the user
# id in it, cached.reads() of that request).
_owners = {}
_KEPT = 20_000
_NONE_READ = ()


class SessionStore(CachedDBStore):
    def load(self):
        # The versions live in the default cache: sessions kept in another one are read Django's own way.
        if settings.SESSION_CACHE_ALIAS != "default":
            return super().load()
        owner, last_read = _owners.get(self.session_key, (None, _NONE_READ))
        if owner is not None:
            user_cache.expect(owner)
        for copies, item in last_read:
            cached.expect(copies, item)
        data = cached.read_with_session(self.cache_key)
        # Not in the cache (or the cache did not answer): Django's own way, which reads the database on a miss.
        if data is None:
            data = super().load()
        if data.get(SESSION_KEY) is not None:
            if len(_owners) >= _KEPT and self.session_key not in _owners:
                _owners.clear()
            # The list itself, which this request's reads go on filling.
            read_here = cached.reads()
            _owners[self.session_key] = (data[SESSION_KEY], _NONE_READ if read_here is None else read_here)
        return data
