"""``migrate`` makes the rate limits' cache table when the cache is the database's (CACHE_BACKEND=database)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clt_cache"}}


@pytest.mark.django_db
def test_migrate_creates_the_cache_table_when_the_cache_is_the_database():
    assert "clt_cache" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "clt_cache" not in connection.introspection.table_names()  # the local cache needs no table
    with override_settings(CACHES=DATABASE_CACHE):
        call_command("migrate", verbosity=0)
    assert "clt_cache" in connection.introspection.table_names()
