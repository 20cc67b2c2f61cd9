"""Each change of a workspace's Cost per Credit; the latest row is the price in force (app.credit_pricing.services)."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import User
from app.workspaces.tables import Workspace


class CreditPrice(Table):
    """One change: the agency's cost per credit, and the platform's price per credit when it was made.

    Both are decimal text, not NUMERIC columns: SQLite would store a NUMERIC as a float (0.003 → 0.0030000000000000001).
    Rows are only ever added, so the history reads old → new by id.
    """

    workspace = ForeignKey(references=Workspace, index=True, null=False, on_delete=OnDelete.cascade)
    cost_per_credit = Varchar(length=32, help_text="Dollars per credit, decimal text, e.g. 0.003.")
    platform_price_per_credit = Varchar(length=32, help_text="PLATFORM_PRICE_PER_CREDIT at the time, e.g. 0.001.")
    # The history keeps the change when its author's account is gone; it then reads "a former member".
    set_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
