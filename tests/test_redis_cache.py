"""The Redis cache backend (festival/redis_cache.py): Django's, with its redis-py client built once."""

import pytest
from django.core.cache import cache, caches

from festival.redis_cache import RedisCache


@pytest.mark.skipif(not isinstance(caches["default"], RedisCache), reason="the tests run without Redis")
def test_one_client_serves_every_call_and_the_cache_works():
    cache.set("festival:test:reused", {"films": 3}, 30)
    client = cache._cache.get_client(write=True)
    assert cache.get("festival:test:reused") == {"films": 3}
    assert cache._cache.get_client(write=True) is client
    assert cache.get_many(["festival:test:reused", "festival:test:absent"]) == {"festival:test:reused": {"films": 3}}
    cache.delete("festival:test:reused")
    assert cache.get("festival:test:reused") is None
