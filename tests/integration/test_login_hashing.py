"""argon2 in log-in, sign-up and reset: the same cost for unknown emails, and never on the event loop."""

from app.core import security
from tests.conftest import PASSWORD, post_form
from tests.integration.login_support import (  # noqa: F401
    OWNER_ADDRESS,
    client_at,
    fx_hash_calls,
    fx_verify_calls,
    reset_path,
)

WRONG = "wrong-password-123"


async def test_an_unknown_email_costs_one_real_argon2_verify_against_the_dummy_hash(client, verify_calls):
    response = await post_form(client, "/login", {"email": "nobody@example.com", "password": WRONG})
    assert response.status_code == 422
    assert [call.password_hash for call in verify_calls] == [await security.dummy_password_hash()]
    assert verify_calls[0].password_hash.startswith("$argon2id$")


async def test_a_known_email_with_a_wrong_password_costs_the_same_one_verify(client, alice, verify_calls):
    response = await post_form(client, "/login", {"email": alice.user.email, "password": WRONG})
    assert response.status_code == 422
    assert [call.password_hash for call in verify_calls] == [alice.user.password_hash]


async def test_log_in_verifies_the_password_off_the_event_loop(app, alice, verify_calls):
    async with client_at(app, OWNER_ADDRESS) as client:
        response = await post_form(
            client, "/login", {"email": alice.user.email, "password": PASSWORD}, follow_redirects=False
        )
    assert response.status_code == 302
    assert len(verify_calls) == 1
    assert not verify_calls[0].on_event_loop
    assert verify_calls[0].thread_name.startswith("password-hash")


async def test_sign_up_hashes_the_password_off_the_event_loop(client, hash_calls):
    response = await post_form(
        client,
        "/signup",
        {"email": "nia@example.com", "password": "a-long-password", "workspace_name": "Nia Studio"},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303)
    assert hash_calls and not any(call.on_event_loop for call in hash_calls)


async def test_a_password_reset_hashes_the_new_password_off_the_event_loop(client, alice, hash_calls):
    response = await post_form(
        client, await reset_path(alice.user), {"password": "brand-new-password"}, follow_redirects=False
    )
    assert response.status_code in (302, 303)
    assert hash_calls and not any(call.on_event_loop for call in hash_calls)
