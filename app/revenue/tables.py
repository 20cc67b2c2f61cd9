"""The monthly exchange rates revenue history converts with, as the operator set them (app.revenue.rates)."""

from piccolo.columns import Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table


class ExchangeRate(Table):
    """The value of one unit of `currency` in US dollars from `month` on, until a later month's row.

    Kept as decimal text, not a NUMERIC column: SQLite would store a NUMERIC as a float and give back 1.0799999.
    """

    month = Varchar(length=7, help_text="YYYY-MM: the first month this rate applies to.")
    currency = Varchar(length=3, help_text="Lower-case ISO code.")
    usd_per_unit = Varchar(length=32, help_text="Decimal text, e.g. 1.08 for eur.")
    updated_at = Timestamptz()

    exchange_rate_unique = Unique([month, currency])
