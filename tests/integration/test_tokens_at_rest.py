"""In production no table holds a usable reset or invitation link; in development the outbox still shows them."""

import json
import re

import pytest
from aiosmtpd.controller import Controller
from piccolo.conf.apps import Finder

from app.accounts.services import request_password_reset
from app.core import mail
from app.core.security import decrypt_secret
from app.core.tables import OutboxMessage
from app.settings import get_settings
from tests.conftest import login, post_form
from tests.integration.conftest import PRODUCTION_BASE_URL, SmtpInbox, free_port

RESET = re.compile(r"/password/reset/([\w-]+)")
INVITATION = re.compile(r"/invitations/([\w-]+)")


async def _tables_containing(secret: str) -> list[str]:
    """Every table with a row that contains `secret`: what a database dump would reveal."""
    found = []
    for table in Finder().get_table_classes():
        rows = await table.select()
        if any(secret in str(value) for row in rows for value in row.values()):
            found.append(table._meta.tablename)
    return found


async def test_in_production_no_table_holds_a_sent_reset_or_invitation_token(production_client, smtp, alice):
    response = await post_form(production_client, "/password/forgot", {"email": alice.user.email})
    assert response.status_code == 200
    await login(production_client, alice)
    response = await post_form(production_client, "/dashboard/settings/team/invite", {"email": "sam@brightside.agency"})
    assert response.status_code == 200

    texts = "\n".join(smtp.texts())
    reset_token, invitation_token = RESET.search(texts).group(1), INVITATION.search(texts).group(1)
    assert f"{PRODUCTION_BASE_URL}/password/reset/{reset_token}" in texts
    assert await _tables_containing(reset_token) == []
    assert await _tables_containing(invitation_token) == []
    # The links still work: only their hashes are kept.
    await post_form(production_client, "/logout")
    assert (await production_client.get(f"/password/reset/{reset_token}")).status_code == 200
    assert (await production_client.get(f"/invitations/{invitation_token}")).status_code == 200
    for row in await OutboxMessage.objects():
        assert (row.text_body, row.html_body, row.sealed_body) == ("", "", "")
        assert row.sent_at is not None and row.to_address and row.subject and row.kind


async def test_in_production_an_undelivered_email_is_kept_only_encrypted_and_a_retry_sends_it(
    production_client, monkeypatch, alice
):
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nothing listens there yet
    get_settings.cache_clear()
    row = await request_password_reset(alice.user.email, "203.0.113.9", lambda t: f"/password/reset/{t}")
    with pytest.raises(OSError):  # the task fails, so Huey retries it
        await mail.deliver(row.id)
    stored = await OutboxMessage.objects().where(OutboxMessage.id == row.id).first()
    token = RESET.search(json.loads(decrypt_secret(stored.sealed_body))["text"]).group(1)
    assert await _tables_containing(token) == []

    inbox = SmtpInbox()
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        get_settings.cache_clear()
        assert await mail.deliver(row.id) is True
    finally:
        server.stop()
    assert token in inbox.texts()[0]
    stored = await OutboxMessage.objects().where(OutboxMessage.id == row.id).first()
    assert stored.sealed_body == "" and stored.sent_at is not None


async def test_in_development_the_outbox_shows_the_reset_email_with_its_link(client, alice):
    await post_form(client, "/password/forgot", {"email": alice.user.email})
    row = await OutboxMessage.objects().where(OutboxMessage.kind == "password_reset").first()
    assert row.sealed_body == ""
    await login(client, alice)
    page = await client.get(f"/dev/outbox/{row.id}")
    assert page.status_code == 200
    token = RESET.search(page.text).group(1)
    assert (await client.get(f"/password/reset/{token}")).status_code == 200
