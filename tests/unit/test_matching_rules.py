"""Matching rules: email first, then domain, never free-mail, ambiguity to review, manual decisions survive."""

from __future__ import annotations

import pytest

from app.stripe_data import matching
from app.stripe_data.freemail import is_free_mail
from app.stripe_data.matching import ClientIndex, decide, rematch
from app.stripe_data.tables import CustomerMatch
from tests import factories as f


def _index(emails=None, domains=None) -> ClientIndex:
    return ClientIndex(emails=emails or {}, domains={d: set(c) for d, c in (domains or {}).items()})


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "GoogleMail.com",
        "gmx.de",
        "gmx.co.uk",
        "yandex.kz",
        "mail.yahoo.com",
        "proton.me",
        "icloud.com",
        "qq.com",
        "163.com",
        "web.de",
        "hey.com",
    ],
)
def test_it_knows_free_mail_providers(domain):
    assert is_free_mail(domain)


@pytest.mark.parametrize("domain", ["acme-rockets.com", "gmx-consulting.com", "live.io", "mygmail.com", ""])
def test_it_does_not_take_company_domains_for_free_mail(domain):
    assert not is_free_mail(domain)


def test_exact_email_wins_over_domain():
    index = _index({"ops@acme.com": 1}, {"acme.com": [2]})
    decision = decide({"ops@acme.com"}, "", "", index)
    assert (decision.client_id, decision.method, decision.reason) == (1, "email", "email ops@acme.com")


def test_an_invoice_email_matches_when_the_customer_email_does_not():
    decision = decide({"", "billing@acme.com"}, "", "", _index({"billing@acme.com": 7}))
    assert decision.client_id == 7 and decision.method == "email"


def test_email_domain_then_website_match_by_domain_and_say_so():
    index = _index(domains={"acme.com": [3], "rockets.io": [4]})
    assert decide({"jane@acme.com"}, "", "", index).reason == "domain acme.com"
    by_site = decide(set(), "rockets.io", "", index)
    assert (by_site.client_id, by_site.method, by_site.reason) == (4, "domain", "website rockets.io")


def test_a_subdomain_matches_its_parent_and_the_most_specific_claim_wins():
    index = _index(domains={"acme.com": [1], "eu.acme.com": [2]})
    assert decide({"x@mail.acme.com"}, "", "", index).client_id == 1
    assert decide({"x@eu.acme.com"}, "", "", index).client_id == 2


def test_free_mail_never_matches_by_domain():
    decision = decide({"jane@gmail.com"}, "", "", _index(domains={"gmail.com": [1]}))
    assert decision.client_id is None and "free-mail" in decision.reason


def test_a_domain_claimed_by_two_clients_goes_to_review_with_both():
    decision = decide({"a@acme.com"}, "", "", _index(domains={"acme.com": [1, 2]}))
    assert decision.client_id is None and decision.ambiguous
    assert decision.suggestions == ((1, "domain acme.com"), (2, "domain acme.com"))


def test_an_email_domain_and_a_website_pointing_at_different_clients_is_ambiguous():
    decision = decide({"a@acme.com"}, "rockets.io", "", _index(domains={"acme.com": [1], "rockets.io": [2]}))
    assert decision.client_id is None and decision.ambiguous and len(decision.suggestions) == 2


def test_a_customer_without_email_or_website_is_unmatched_with_a_same_name_suggestion():
    index = ClientIndex(by_name={"acme rockets": {5}})
    decision = decide({""}, "", "ACME  Rockets", index)
    assert decision.client_id is None and decision.suggestions == ((5, "same name"),)
    assert decision.reason == "No email or website to match on"


async def test_rematch_stores_method_and_reason_and_is_idempotent(alice):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme", emails=("ops@acme.com",), domains=("acme.com",))
    await f.customer(ws, email="ops@acme.com")
    await f.customer(ws, email="jane@acme.com")
    await f.customer(ws, email="jane@gmail.com")
    summary = await rematch(ws, f.ACCOUNT)
    assert (summary.by_email, summary.by_domain, summary.unmatched, summary.changed) == (1, 1, 1, 3)
    rows = await CustomerMatch.select().where(CustomerMatch.client == acme.id).order_by(CustomerMatch.reason)
    assert [(r["method"], r["reason"]) for r in rows] == [
        ("domain", "domain acme.com"),
        ("email", "email ops@acme.com"),
    ]
    assert (await rematch(ws, f.ACCOUNT)).changed == 0


async def test_archived_clients_still_match_so_history_stays_attributed(alice):
    old = await f.client(alice.workspace.id, "Old Co", domains=("old.co",), archived=True)
    await f.customer(alice.workspace.id, email="a@old.co")
    await rematch(alice.workspace.id, f.ACCOUNT)
    assert await CustomerMatch.exists().where(CustomerMatch.client == old.id)


async def test_manual_mappings_and_ignores_survive_rematch(alice):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme", emails=("ops@acme.com",))
    other = await f.client(ws, "Other")
    mapped = await f.customer(ws, email="ops@acme.com")
    ignored = await f.customer(ws, email="ops@acme.com")
    undecided = await f.customer(ws, email="ops@acme.com")  # the same email, no decision: rematch gives it to Acme
    await f.manual_match(mapped, other.id)
    await f.manual_match(ignored, None, ignored=True)
    for _ in range(2):  # survives a rematch, and the one after it
        summary = await rematch(ws, f.ACCOUNT)
        assert (summary.manual, summary.ignored, summary.by_email) == (1, 1, 1)
        rows = await CustomerMatch.select(
            CustomerMatch.customer_id, CustomerMatch.client, CustomerMatch.method, CustomerMatch.ignored
        ).where(CustomerMatch.workspace == ws)
        assert {row["customer_id"]: (row["client"], row["method"], row["ignored"]) for row in rows} == {
            mapped.stripe_id: (other.id, "manual", False),
            ignored.stripe_id: (None, "", True),
            undecided.stripe_id: (acme.id, "email", False),
        }


async def test_a_match_follows_a_client_whose_domains_change(alice):
    ws = alice.workspace.id
    acme = await f.client(ws, "Acme", domains=("acme.com",))
    cust = await f.customer(ws, email="x@acme.com")
    await rematch(ws, f.ACCOUNT)
    from app.clients.tables import ClientDomain

    await ClientDomain.delete().where(ClientDomain.client == acme.id)
    await rematch(ws, f.ACCOUNT)
    row = await CustomerMatch.objects().where(CustomerMatch.customer_id == cust.stripe_id).first()
    assert row.client is None and row.method == ""


async def test_rematch_only_sees_its_own_workspace(alice, charlie):
    await f.client(charlie.workspace.id, "Charlie's Acme", emails=("ops@acme.com",))
    await f.customer(alice.workspace.id, email="ops@acme.com")
    summary = await rematch(alice.workspace.id, f.ACCOUNT)
    assert summary.matched == 0 and summary.unmatched == 1


async def test_it_matches_thousands_of_customers_with_a_bounded_number_of_queries(alice, monkeypatch):
    """5,000 customers × 2,000 clients: queries grow with customers / BATCH, and the rules run on dicts."""
    from app.clients.tables import Client, ClientDomain, ClientEmail
    from app.core.timeutil import utcnow
    from app.stripe_data.tables import StripeCustomer

    ws, now = alice.workspace.id, utcnow()
    for start in range(0, 2000, 250):
        await Client.insert(
            *[
                Client(workspace=ws, name=f"Client {i}", created_at=now, updated_at=now)
                for i in range(start, start + 250)
            ]
        )
    ids = [r["id"] for r in await Client.select(Client.id).where(Client.workspace == ws).order_by(Client.id)]
    for start in range(0, 2000, 250):
        await ClientEmail.insert(
            *[ClientEmail(workspace=ws, client=ids[i], email=f"ops@c{i}.com") for i in range(start, start + 250)]
        )
        await ClientDomain.insert(
            *[ClientDomain(workspace=ws, client=ids[i], domain=f"c{i}.com") for i in range(start, start + 250)]
        )
    for start in range(0, 5000, 250):
        await StripeCustomer.insert(
            *[
                StripeCustomer(
                    workspace=ws,
                    account_id=f.ACCOUNT,
                    stripe_id=f"cus_{i:06d}",
                    created=now,
                    synced_at=now,
                    email=(
                        f"ops@c{i % 2000}.com"
                        if i % 3 == 0
                        else f"x{i}@c{i % 2000}.com"
                        if i % 3 == 1
                        else f"x{i}@gmail.com"
                    ),
                )
                for i in range(start, start + 250)
            ]
        )

    engine = CustomerMatch._meta.db
    calls = {"queries": 0, "decide": 0}
    original_run, original_decide = type(engine).run_querystring, matching.decide

    async def counting_run(self, *args, **kwargs):
        calls["queries"] += 1
        return await original_run(self, *args, **kwargs)

    def counting_decide(*args, **kwargs):
        calls["decide"] += 1
        return original_decide(*args, **kwargs)

    monkeypatch.setattr(type(engine), "run_querystring", counting_run)
    monkeypatch.setattr(matching, "decide", counting_decide)
    summary = await rematch(ws, f.ACCOUNT)
    assert summary.customers == 5000 and summary.by_email == 1667 and summary.by_domain == 1667
    assert summary.unmatched == 1666
    assert calls["decide"] == 5000  # one dict-based decision per customer, never a loop over clients
    # 4 loads + 2 per batch of 1,000 customers + ~50 bulk inserts: far below one query per customer.
    assert calls["queries"] < 80, calls
