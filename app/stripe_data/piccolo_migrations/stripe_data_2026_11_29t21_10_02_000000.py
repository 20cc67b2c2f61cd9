"""The unique keys every sync upsert names in ON CONFLICT become the `Unique` constraints the tables declare.

Databases made before this have them as hand-written `*_uniq` indexes; each is replaced in one transaction, so
old and new databases end with the same schema and the differ of `piccolo migrations new --auto` sees the
constraints as made. On SQLite a constraint is a unique index of the same name (app.core.migrations). The
lookup indexes of the earlier hand-written migration stay: Piccolo cannot declare a composite plain index.
"""

from app.core.migrations import MigrationManager, index_to_constraint

ID = "2026-11-29T21:10:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "stripe_data unique keys declared on the tables"

# Table class, table, the hand-written index it replaces, the key's columns.
_KEYS = (
    ("StripeCustomer", "stripe_customer", "stripe_customer_uniq", ["workspace", "stripe_id"]),
    ("StripeSubscription", "stripe_subscription", "stripe_subscription_uniq", ["workspace", "stripe_id"]),
    ("StripeInvoice", "stripe_invoice", "stripe_invoice_uniq", ["workspace", "stripe_id"]),
    ("StripeInvoiceLine", "stripe_invoice_line", "stripe_invoice_line_uniq", ["workspace", "invoice_id", "stripe_id"]),
    ("StripeCharge", "stripe_charge", "stripe_charge_uniq", ["workspace", "stripe_id"]),
    ("StripeRefund", "stripe_refund", "stripe_refund_uniq", ["workspace", "stripe_id"]),
    ("CustomerMatch", "customer_match", "customer_match_uniq", ["workspace", "account_id", "customer_id"]),
    ("SyncCheckpoint", "sync_checkpoint", "sync_checkpoint_uniq", ["workspace", "account_id"]),
    (
        "StripePartialObject",
        "stripe_partial_object",
        "stripe_partial_object_uniq",
        ["workspace", "account_id", "object_type", "stripe_id"],
    ),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stripe_data", description=DESCRIPTION)
    for class_name, tablename, old_index, columns in _KEYS:
        index_to_constraint(
            manager,
            table_class_name=class_name,
            tablename=tablename,
            old_index=old_index,
            constraint_name=f"{tablename}_unique",
            columns=columns,
        )
    return manager
