"""Emails render from their own templates in app/core/emails/, strictly."""

from datetime import timedelta

import pytest
from jinja2 import UndefinedError

from app.core.mail import compose, duration


@pytest.mark.parametrize(
    ("lifetime", "words"),
    [
        (timedelta(days=7), "7 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=2), "2 hours"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(seconds=45), "45 seconds"),
    ],
)
def test_a_lifetime_is_said_in_its_largest_whole_unit(lifetime, words):
    assert duration(lifetime) == words


def test_an_email_missing_a_variable_fails_instead_of_sending_a_blank():
    with pytest.raises(UndefinedError, match="lifetime"):
        compose("password_reset", "ops@acme-rockets.com", link="https://links.example/password/reset/t")


def test_an_email_carries_its_kind_and_workspace_to_the_outbox():
    email = compose(
        "invitation",
        "sam@brightside.agency",
        workspace_id=7,
        link="https://links.example/invitations/t",
        inviter="Alice",
        workspace="Alice Agency",
        lifetime=timedelta(days=7),
    )
    assert (email.kind, email.workspace_id, email.to) == ("invitation", 7, "sam@brightside.agency")
    assert email.subject == "Alice invited you to Alice Agency on ClientPulse"
    assert email.text.endswith("https://links.example/invitations/t\n")
    assert '<a href="https://links.example/invitations/t"' in email.html
