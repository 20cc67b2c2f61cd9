"""How fast the stand-in generates a large agency (the first sync's own benchmark is test_bench_first_sync.py)."""

from stripe_standin.generator import seed_store
from stripe_standin.store import Store
from tests.plugins.standin import NORTHWIND_DIGITAL


def test_bench_generating_a_hundred_thousand_invoices(benchmark):
    info = benchmark.pedantic(lambda: seed_store(Store(), 1, 100_000), rounds=1, iterations=1)
    assert info["accounts"][NORTHWIND_DIGITAL]["invoices"] >= 100_000
