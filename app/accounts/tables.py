"""People who log in, their password-reset tokens and their login attempts."""

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table


class User(Table, tablename="app_user"):
    email = Varchar(length=320, unique=True, index=True, help_text="Stored lower-cased.")
    name = Varchar(length=200, default="")
    password_hash = Varchar(length=255)
    # Bumped on password reset so that every other session of this user stops working.
    session_epoch = Integer(default=0)
    last_workspace_id = Integer(null=True, default=None)
    brief_opt_out = Boolean(default=False)
    created_at = Timestamptz()


class PasswordResetToken(Table):
    user = ForeignKey(references=User, index=True)
    token_hash = Varchar(length=64, unique=True, help_text="sha256 of the emailed token; the token itself is never stored.")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table):
    """Kept in the database so that throttling holds across several web processes."""

    email = Varchar(length=320, index=True)
    ip_address = Varchar(length=64, default="")
    succeeded = Boolean(default=False)
    created_at = Timestamptz(index=True)
