"""Query counts that depend on the cache backend: on the database cache (the default) a cache read
is an SQL query; on Redis (CI's PostgreSQL pass) it is none."""

from django.conf import settings


def cache_reads(count: int) -> int:
    """The SQL queries that ``count`` cache reads cost with the configured backend."""
    return count if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache") else 0
