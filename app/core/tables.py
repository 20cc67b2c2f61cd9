"""Cross-cutting tables: the email outbox."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxMessage(Table):
    """Every email the app sends, kept so development has /dev/outbox and operators can audit."""

    to_address = Varchar(length=320, index=True)
    subject = Varchar(length=300)
    text_body = Text()
    html_body = Text()
    kind = Varchar(length=50, index=True, help_text="password_reset, invitation, brief, ...")
    workspace_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None, help_text="When SMTP accepted it; null when only kept in the outbox.")
