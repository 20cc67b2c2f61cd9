"""Who opted out of a workspace's Monday Brief."""

from piccolo.columns import ForeignKey, Timestamptz
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
