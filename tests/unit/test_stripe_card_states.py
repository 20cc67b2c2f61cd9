"""The Stripe card's states: one enum, labels and badge colours from it, and advice decided by data, not wording."""

from app.integrations.services import (
    RECONNECT_ADVICE,
    SYNC_REVOKED_REASON,
    CardState,
    StripeCard,
)
from app.integrations.tables import ConnectionStatus, StripeConnection


def test_every_connection_status_is_a_card_state_with_the_same_value():
    assert {status.value for status in ConnectionStatus} <= {state.value for state in CardState}


def test_each_state_has_a_label_and_a_pending_disconnect_looks_like_a_disconnect():
    assert [state.label for state in CardState] == [
        "Not connected",
        "Connecting",
        "Connected",
        "Disconnecting",
        "Disconnected",
        "Error",
    ]
    assert CardState.disconnect_pending.tone == CardState.disconnected.tone == "disconnected"
    assert CardState.error.tone == "error"


def _errored(reason: str) -> StripeCard:
    connection = StripeConnection(status=ConnectionStatus.error.value, status_reason=reason)
    return StripeCard(CardState.error, None, connection)


def test_an_error_gets_the_reconnect_advice_unless_its_reason_already_gives_it():
    assert _errored("Stripe answered 500 on the account.").advice == RECONNECT_ADVICE
    assert _errored(SYNC_REVOKED_REASON).advice == ""


def test_only_the_error_state_carries_advice():
    disconnected = StripeConnection(status=ConnectionStatus.disconnected.value, status_reason="Gone.")
    assert StripeCard(CardState.disconnected, None, disconnected).advice == ""
