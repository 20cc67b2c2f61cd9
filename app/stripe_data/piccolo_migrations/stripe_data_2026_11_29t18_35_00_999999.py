"""Fill the overdue columns of invoices synced before they existed, from the JSON every row keeps in `raw`.

Without this, an open automatic invoice whose payment failed would stay off the overdue list until the next full
sync. One UPDATE per engine (piccolo runs raw steps before adding columns, hence a migration of its own); rows
whose raw JSON lacks a field keep the column's default, as Stripe's own defaults are.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T18:35:00:999999"
VERSION = "1.38.0"
DESCRIPTION = "back-fill invoice overdue columns from raw"

# Timestamptz values are stored by piccolo as UTC text in str(datetime) form on SQLite.
_SQLITE = """
UPDATE stripe_invoice SET
  collection_method = COALESCE(json_extract(raw, '$.collection_method'), 'charge_automatically'),
  attempt_count = COALESCE(json_extract(raw, '$.attempt_count'), 0),
  next_payment_attempt = CASE WHEN json_extract(raw, '$.next_payment_attempt') > 0
    THEN strftime('%Y-%m-%d %H:%M:%S+00:00', json_extract(raw, '$.next_payment_attempt'), 'unixepoch') END,
  finalized_at = CASE WHEN json_extract(raw, '$.status_transitions.finalized_at') > 0
    THEN strftime('%Y-%m-%d %H:%M:%S+00:00', json_extract(raw, '$.status_transitions.finalized_at'), 'unixepoch') END
WHERE json_valid(raw)
"""

_POSTGRES = """
UPDATE stripe_invoice SET
  collection_method = COALESCE(raw::jsonb ->> 'collection_method', 'charge_automatically'),
  attempt_count = COALESCE((raw::jsonb ->> 'attempt_count')::integer, 0),
  next_payment_attempt = to_timestamp(NULLIF((raw::jsonb ->> 'next_payment_attempt')::bigint, 0)),
  finalized_at = to_timestamp(NULLIF((raw::jsonb #>> '{status_transitions,finalized_at}')::bigint, 0))
WHERE jsonb_typeof(raw::jsonb) = 'object'
"""


async def backfill() -> None:
    engine = engine_finder()
    await engine.run_ddl(_SQLITE if engine.engine_type == "sqlite" else _POSTGRES)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)
    manager.add_raw(backfill)
    # Nothing to undo backwards: reversing the previous migration drops the columns this one filled.
    return manager
