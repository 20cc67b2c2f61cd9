"""Benchmarks run against throw-away storage, like the tests (`make bench`; not part of `make test`)."""

from tests.plugins import database

_ENV = database.configure_environment()
database.migrate()


def pytest_sessionfinish(session, exitstatus):
    database.drop_redis_keys(_ENV)
    database.drop_database(_ENV)
