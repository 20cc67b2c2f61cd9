"""The JSON column `raw` of the five Stripe object tables becomes `stripe_object`.

A column named `raw` shadowed Piccolo's `Table.raw()` on those tables, so their SQL had to run through another
table. ALTER TABLE ... RENAME COLUMN keeps every row (SQLite >= 3.25 and PostgreSQL); backwards renames it back.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rename raw to stripe_object on the Stripe object tables"

_TABLES = (
    ("StripeCustomer", "stripe_customer"),
    ("StripeSubscription", "stripe_subscription"),
    ("StripeInvoice", "stripe_invoice"),
    ("StripeCharge", "stripe_charge"),
    ("StripeRefund", "stripe_refund"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)
    for class_name, tablename in _TABLES:
        manager.rename_column(
            table_class_name=class_name,
            tablename=tablename,
            old_column_name="raw",
            new_column_name="stripe_object",
            old_db_column_name="raw",
            new_db_column_name="stripe_object",
            schema=None,
        )
    return manager
