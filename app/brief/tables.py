"""Who opted out of a workspace's Monday Brief, and the record of each brief claimed and sent."""

from enum import Enum

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from app.accounts.tables import User
from app.workspaces.tables import Workspace


class BriefOptOut(Table):
    """A person who does not want one workspace's brief. Per workspace, not per person: someone in two agencies'
    workspaces may want one brief and not the other. No row means they get it (the brief is opt-out)."""

    workspace = ForeignKey(references=Workspace, index=True)
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz()

    brief_opt_out_unique = Unique([workspace, user])


class DeliveryStatus(str, Enum):
    claimed = "claimed"  # a sender inserted the row and is composing or sending it now
    sent = "sent"  # SMTP accepted it (or, without SMTP, the outbox holds it)
    failed = "failed"  # the last attempt failed; next_attempt_at says when the sweep tries again
    dropped = "dropped"  # it could not go by the end of Tuesday in the workspace's time zone; never sent
    skipped = "skipped"  # there was nothing to send this person this week (compose_brief said None)


class BriefDelivery(Table):
    """One person's brief for one workspace and ISO week. The row is inserted before anything is sent, and only the
    sender whose insert went in sends, so reruns, restarts and several consumers never send a brief twice."""

    workspace = ForeignKey(references=Workspace, index=True)
    user = ForeignKey(references=User, index=True)
    iso_year = Integer()
    iso_week = Integer()
    status = Varchar(length=10, choices=DeliveryStatus, default=DeliveryStatus.claimed.value, index=True)
    attempts = Integer(default=1)
    claimed_at = Timestamptz(help_text="When the current attempt started; a claim older than the lease is retried.")
    next_attempt_at = Timestamptz(null=True, default=None, help_text="When a failed brief is tried again.")
    deadline_at = Timestamptz(help_text="The end of Tuesday in the workspace's time zone: dropped if not sent by then.")
    last_error = Text(default="", help_text="What went wrong last, without secrets (an SMTP reply, an exception).")
    outbox_id = Integer(null=True, default=None, help_text="The OutboxMessage that carries it, once recorded.")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)

    brief_delivery_unique = Unique([workspace, user, iso_year, iso_week])
