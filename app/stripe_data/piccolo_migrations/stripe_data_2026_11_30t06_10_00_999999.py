"""Fill the new invoice `subtotal` and `total_excluding_tax` columns from each row's stored JSON.

A migration of its own because piccolo runs raw steps before adding columns. Rows whose JSON lacks a field keep
NULL, which revenue history reads as "no discount", as it read the missing JSON field before.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T06:10:00:999999"
VERSION = "1.38.0"
DESCRIPTION = "back-fill invoice subtotal and total_excluding_tax from stripe_object"

_SQLITE = """
UPDATE stripe_invoice SET
  subtotal = CAST(json_extract(stripe_object, '$.subtotal') AS INTEGER),
  total_excluding_tax = CAST(json_extract(stripe_object, '$.total_excluding_tax') AS INTEGER)
WHERE json_valid(stripe_object)
"""

_POSTGRES = """
UPDATE stripe_invoice SET
  subtotal = (stripe_object::jsonb ->> 'subtotal')::bigint,
  total_excluding_tax = (stripe_object::jsonb ->> 'total_excluding_tax')::bigint
WHERE jsonb_typeof(stripe_object::jsonb) = 'object'
"""


async def backfill() -> None:
    engine = engine_finder()
    await engine.run_ddl(_SQLITE if engine.engine_type == "sqlite" else _POSTGRES)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)
    manager.add_raw(backfill)
    # Nothing to undo backwards: reversing the previous migration drops the columns this one filled.
    return manager
