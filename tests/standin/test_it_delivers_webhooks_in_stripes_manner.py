"""Webhook delivery as Stripe does it: an event may come twice, later events may overtake earlier ones, and a
failed delivery is retried (see test_it_signs_webhooks_like_stripe.py for the retries)."""

from __future__ import annotations

import json

import pytest

from tests.plugins.standin import wait_until

from .helpers import NORTHWIND_DIGITAL
from .test_it_signs_webhooks_like_stripe import Receiver


@pytest.fixture
def hooks(standin):
    standin.reset(everything=True)
    yield standin
    standin.reset(everything=True)


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def _update_emails(standin, count: int) -> list[str]:
    """Change ``count`` customers' emails one after another; the ids of the events, in the order they happened."""
    standin.link(NORTHWIND_DIGITAL)
    ids = []
    for i, cust in enumerate(standin.objects(NORTHWIND_DIGITAL, "customers", limit=count)):
        done = standin.action(
            "update_customer_email", account=NORTHWIND_DIGITAL, customer=cust["id"], email=f"n{i}@example.com"
        )
        ids.append(done["event"]["id"])
    return ids


def _received_ids(receiver: Receiver) -> list[str]:
    return [json.loads(body)["id"] for body, _ in receiver.received]


def test_with_duplicates_on_each_event_is_delivered_twice_with_the_same_id_and_body(hooks, receiver):
    hooks.webhook_config(duplicate_probability=1.0)
    hooks.register_webhook(receiver.url, ["customer.updated"])
    ids = _update_emails(hooks, 3)
    wait_until(lambda: len(receiver.received) == 6, message="six deliveries")
    assert sorted(_received_ids(receiver)) == sorted(ids * 2)
    bodies = {}
    for body, _ in receiver.received:
        bodies.setdefault(json.loads(body)["id"], set()).add(body)
    assert all(len(same) == 1 for same in bodies.values())


def test_with_a_shuffle_window_events_arrive_out_of_the_order_they_happened(hooks, receiver):
    hooks.webhook_config(shuffle_window=0.5, seed=7)
    hooks.register_webhook(receiver.url, ["customer.updated"])
    ids = _update_emails(hooks, 10)
    wait_until(lambda: len(receiver.received) == 10, message="ten deliveries")
    arrived = _received_ids(receiver)
    assert sorted(arrived) == sorted(ids) and arrived != ids


def test_by_default_each_event_is_delivered_once(hooks, receiver):
    hooks.register_webhook(receiver.url, ["customer.updated"])
    ids = _update_emails(hooks, 3)
    wait_until(lambda: len(receiver.received) == 3, message="three deliveries")
    wait_until(lambda: all(d["status"] == "succeeded" for d in hooks.deliveries()), message="settled")
    assert sorted(_received_ids(receiver)) == sorted(ids) and len(hooks.deliveries()) == 3


def test_reset_all_turns_duplicates_and_shuffling_off_again(hooks):
    hooks.webhook_config(duplicate_probability=1.0, shuffle_window=2.0)
    hooks.reset(everything=True)
    settings = hooks.webhook_config()
    assert settings["duplicate_probability"] == 0 and settings["shuffle_window"] == 0
