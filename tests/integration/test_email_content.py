"""What emails say: hostile names escaped in HTML and verbatim in text, lifetimes as long as the link's real one."""

from app.accounts.tables import PasswordResetToken, User
from app.core.mail import duration
from app.core.tables import OutboxMessage
from app.workspaces.tables import Invitation, Workspace
from tests.conftest import login, post_form

HOSTILE_WORKSPACE = "<script>alert(1)</script> & Sons"
HOSTILE_INVITER = "Mallory <img src=x onerror=alert(1)>\nBcc: everyone@example.com"


async def _latest(kind: str) -> OutboxMessage:
    message = (
        await OutboxMessage.objects()
        .where(OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    assert message is not None, f"a {kind} email should be in the outbox"
    return message


async def _invite(client, alice, email: str = "sam@brightside.agency") -> None:
    await login(client, alice)
    response = await post_form(client, "/dashboard/settings/team/invite", {"email": email}, follow_redirects=False)
    assert response.status_code == 303


async def test_an_invitation_escapes_hostile_names_in_html_and_keeps_them_verbatim_in_text(client, alice, smtp):
    await Workspace.update({Workspace.name: HOSTILE_WORKSPACE}).where(Workspace.id == alice.workspace.id)
    await User.update({User.name: HOSTILE_INVITER}).where(User.id == alice.user.id)
    await _invite(client, alice)
    message = await _latest("invitation")
    assert "<script>" not in message.html_body and "<img" not in message.html_body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in message.html_body
    assert HOSTILE_WORKSPACE in message.text_body
    one_line_inviter = "Mallory <img src=x onerror=alert(1)> Bcc: everyone@example.com"
    assert message.text_body.startswith(f"{one_line_inviter} invited you to join {HOSTILE_WORKSPACE}")
    assert message.subject == f"{one_line_inviter} invited you to {HOSTILE_WORKSPACE} on ClientPulse"
    assert len(smtp.messages) == 1, "a name with a line break must not stop delivery"
    received = smtp.messages[0]
    assert received["Bcc"] is None and received["To"] == "sam@brightside.agency"


async def test_an_invitation_states_the_lifetime_its_link_really_has(client, alice):
    await _invite(client, alice)
    message = await _latest("invitation")
    row = await Invitation.objects().where(Invitation.workspace == alice.workspace.id).first()
    lifetime = duration(row.expires_at - row.created_at)
    assert f"the link works for {lifetime}" in message.text_body
    assert f"The link works for {lifetime}." in message.html_body


async def test_a_reset_email_states_the_lifetime_its_link_really_has(client, alice):
    response = await post_form(client, "/password/forgot", {"email": alice.user.email})
    assert response.status_code == 200
    message = await _latest("password_reset")
    row = await PasswordResetToken.objects().where(PasswordResetToken.user == alice.user.id).first()
    lifetime = duration(row.expires_at - row.created_at)
    assert message.subject == "Reset your ClientPulse password"
    assert f"the link works once, for {lifetime}" in message.text_body
    assert f"The link works once, for {lifetime}." in message.html_body
