"""A client holds at most 20 emails and 20 domains, each of a sane length, from the form and from CSV alike."""

import pytest

from app.clients.services import ClientInput, clean_client
from app.clients.tables import Client, ClientEmail
from app.core.validation import InvalidValue, normalise_domain, normalise_email
from tests.conftest import csrf_token, login, post_form


def _emails(count: int) -> list[str]:
    return [f"person{i}@acme.com" for i in range(count)]


def _domains(count: int) -> list[str]:
    return [f"shop{i}.acme.com" for i in range(count)]


def test_twenty_emails_and_twenty_domains_are_accepted():
    clean, errors = clean_client(ClientInput(name="Acme", emails=_emails(20), domains=_domains(20)))
    assert errors == {} and len(clean.emails) == 20 and len(clean.domains) == 20


def test_a_twenty_first_email_or_domain_is_refused_with_the_count():
    _, errors = clean_client(ClientInput(name="Acme", emails=_emails(21), domains=_domains(25)))
    assert errors["emails"].startswith("A client can have at most 20 emails; this has 21.")
    assert errors["domains"].startswith("A client can have at most 20 domains; this has 25.")


def test_the_same_value_repeated_counts_once():
    repeated = ["ops@acme.com", "OPS@acme.com"] * 30
    clean, errors = clean_client(ClientInput(name="Acme", emails=repeated, domains=["acme.com"] * 50))
    assert errors == {} and clean.emails == ["ops@acme.com"] and clean.domains == ["acme.com"]


def test_a_huge_pasted_list_costs_one_message_not_one_per_value():
    _, errors = clean_client(ClientInput(name="Acme", emails=[f"not-an-email-{i}" for i in range(50_000)]))
    assert errors["emails"] == "A client can have at most 20 emails; this has 50000. Keep the main ones."


@pytest.mark.parametrize(
    ("normalise", "value", "message"),
    [
        (normalise_email, "a" * 250 + "@acme.com", "can't be longer than 254 characters"),
        (normalise_domain, ("a" * 60 + ".") * 5 + "com", "can't be longer than 253 characters"),
        (normalise_domain, "https://acme.com/" + "p" * 3000, "can't be longer than 253 characters"),
    ],
)
def test_an_overlong_value_is_refused_without_echoing_it(normalise, value, message):
    with pytest.raises(InvalidValue, match=message) as caught:
        normalise(value)
    assert "aaaaaaaaaa" not in str(caught.value) and "pppppppppp" not in str(caught.value)


async def test_the_form_shows_the_cap_next_to_the_field_and_saves_nothing(client, alice):
    await login(client, alice)
    form = {"name": "Acme", "emails": "\n".join(_emails(21)), "domains": ", ".join(_domains(21))}
    response = await post_form(client, "/dashboard/clients/", form)
    assert response.status_code == 422
    assert "at most 20 emails; this has 21" in response.text and "at most 20 domains; this has 21" in response.text
    assert await Client.count() == 0 and await ClientEmail.count() == 0


async def test_a_csv_row_over_the_cap_is_a_row_error_and_nothing_is_imported(client, alice):
    await login(client, alice)
    text = f'name,emails\nAcme,"{"; ".join(_emails(21))}"\nBluebird,hi@bluebird.io\n'
    preview = await client.post(
        "/dashboard/clients/import",
        data={"_csrf_token": await csrf_token(client)},
        files={"file": ("clients.csv", text.encode(), "text/csv")},
    )
    assert 'data-testid="row-error">Row 2: A client can have at most 20 emails; this has 21.' in preview.text
    confirm = await post_form(client, "/dashboard/clients/import/confirm", {"csv_text": text})
    assert confirm.status_code == 422 and await Client.count() == 0
