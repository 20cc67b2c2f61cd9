"""People who log in, their sessions, password-reset tokens, login attempts and log-in throttles."""

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table


class User(Table, tablename="app_user"):
    email = Varchar(length=320, unique=True, index=True, help_text="Stored lower-cased.")
    name = Varchar(length=200, default="")
    password_hash = Varchar(length=255)
    # Bumped on password reset. Sessions are ended through UserSession rows now; this is no longer read.
    session_epoch = Integer(default=0)
    last_workspace_id = Integer(null=True, default=None)
    brief_opt_out = Boolean(default=False)
    created_at = Timestamptz()


class PasswordResetToken(Table):
    user = ForeignKey(references=User, index=True)
    token_hash = Varchar(
        length=64, unique=True, help_text="sha256 of the emailed token; the token itself is never stored."
    )
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table):
    """Kept in the database so that throttling holds across several web processes."""

    email = Varchar(length=320, index=True)
    ip_address = Varchar(length=64, default="")
    succeeded = Boolean(default=False)
    created_at = Timestamptz(index=True)


class UserSession(Table):
    """A signed-in device. The cookie carries a random key; only its sha256 is stored, so a database leak
    yields no usable cookie, and logging out can end a session the client still holds a copy of."""

    user = ForeignKey(references=User, index=True)
    key_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    user_agent = Varchar(length=300, default="")
    ip_address = Varchar(length=64, default="")


class LoginThrottle(Table):
    """Failed log-ins counted per key ("pair:<email> <ip>", "ip:<ip>", "account:<email>") in a fixed window.

    One row per key, claimed with a single conditional upsert, so concurrent attempts in several web
    processes cannot all slip under the limit.
    """

    key = Varchar(length=450, unique=True, index=True)
    email = Varchar(
        length=320, index=True, default="", help_text="Set on pair and account keys, so a reset can clear them."
    )
    window_started_at = Timestamptz(index=True)
    failures = Integer(default=0)
