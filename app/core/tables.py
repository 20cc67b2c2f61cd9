"""Cross-cutting tables: the email outbox and the log that per-hour limits count."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxMessage(Table):
    """Every email the app sends, kept so development has /dev/outbox and operators can audit.

    In production the bodies (which carry single-use links) are never stored readable: `sealed_body` holds them
    encrypted until SMTP accepts the email, then it is blanked. Recipient, subject, kind and status stay.
    """

    to_address = Varchar(length=320, index=True)
    subject = Varchar(length=300)
    text_body = Text()
    html_body = Text()
    sealed_body = Text(default="", help_text="Production only: the encrypted bodies, until delivered.")
    kind = Varchar(length=50, index=True, help_text="password_reset, invitation, brief, ...")
    workspace_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(
        null=True, default=None, help_text="When SMTP accepted it; null when only kept in the outbox."
    )


class RateLimitHit(Table):
    """One row per limited action (a reset request, a sign-up) so per-hour limits hold across web processes.

    Rows older than the window are deleted as new ones arrive: the IP addresses are kept no longer than needed.
    """

    action = Varchar(length=50)
    ip_address = Varchar(length=64, default="")
    created_at = Timestamptz(index=True)
