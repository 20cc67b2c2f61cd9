"""The single seam to Stripe: every call ClientPulse makes goes through a client built here.

Three kinds of client:
- `platform_client()` acts as ClientPulse's own platform (OAuth token exchange and deauthorize).
- `platform_account()` is ClientPulse selling itself on its own account: Checkout, subscriptions, the Portal.
- `read_only_client(account_id)` acts on an agency's connected account and can only send GET
  requests: the transport refuses any other method before a byte leaves the process, so no code
  path of the read integration can create, update or delete anything on the agency's account.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
import stripe
from stripe import HTTPXClient
from stripe._request_options import extract_options_from_dict

from app.core import collector
from app.settings import Settings, get_settings


class WriteForbidden(RuntimeError):
    """A non-GET request was attempted on a connected account through the read-only client."""


def _base_addresses(settings: Settings) -> dict[str, str]:
    return {"api": settings.stripe_api_base, "connect": settings.stripe_connect_base, "files": settings.stripe_api_base}


# When this thread's last response came in (or its request failed), before the SDK decoded it: the request budget
# counts a request from when it was answered, and decoding a large page on a busy machine takes a while.
ANSWERED = threading.local()


class ReadOnlyHTTPClient(HTTPXClient):
    """An HTTP transport that sends GET requests only."""

    def __init__(self) -> None:
        super().__init__(timeout=30, allow_sync_methods=True)

    @staticmethod
    def _check(method: str, url: str) -> None:
        if method.lower() != "get":
            # The URL is safe to show: it carries no secrets (those travel in headers).
            raise WriteForbidden(
                f"ClientPulse only reads from connected Stripe accounts; refused {method.upper()} {url}"
            )

    def request(self, method: str, url: str, headers: Any, post_data: Any = None):
        self._check(method, url)
        try:
            return super().request(method, url, headers, post_data)
        finally:
            ANSWERED.at = time.monotonic()

    async def request_async(self, method: str, url: str, headers: Any, post_data: Any = None):
        self._check(method, url)
        return await super().request_async(method, url, headers, post_data)

    def request_stream(self, method: str, url: str, headers: Any, post_data: Any = None):
        self._check(method, url)
        return super().request_stream(method, url, headers, post_data)

    async def request_stream_async(self, method: str, url: str, headers: Any, post_data: Any = None):
        self._check(method, url)
        return await super().request_stream_async(method, url, headers, post_data)


def decode(body: bytes | str) -> Any:
    """Stripe's JSON as dicts and lists, by orjson with the garbage collector paused (see app.core.collector)."""
    with collector.paused():
        return orjson.loads(body)


def platform_client(settings: Settings | None = None) -> stripe.StripeClient:
    """ClientPulse's platform client (OAuth and, later, its own billing)."""
    settings = settings or get_settings()
    return stripe.StripeClient(
        settings.stripe_secret_key,
        client_id=settings.stripe_client_id,
        base_addresses=_base_addresses(settings),
        max_network_retries=0,
        http_client=HTTPXClient(timeout=30, allow_sync_methods=True),
    )


def platform_account(settings: Settings | None = None) -> PlatformAccount:
    """ClientPulse's own Stripe account, where agencies pay for their plan (never a connected account)."""
    return PlatformAccount(platform_client(settings))


class PlatformAccount:
    """Raw calls on the platform's own account, answered as plain JSON (Stripe's objects exactly as sent)."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._request("get", path, params)

    def post(self, path: str, **params: Any) -> dict[str, Any]:
        return self._request("post", path, params)

    def _request(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        # As ConnectedAccountReader.get: the SDK's objects would turn decimal strings into Decimal.
        requestor = self.client._requestor
        options, params = extract_options_from_dict(params)
        body, status, headers = requestor.request_raw(
            method, path, params=params, options=options, base_address="api", api_mode="V1", usage=["raw_request"]
        )
        if 200 <= status < 300:
            try:
                return decode(body)
            except orjson.JSONDecodeError:
                pass  # the SDK's own error for a body that is not JSON
        return requestor._interpret_response(body, status, headers, "V1").data


def read_only_client(account_id: str, settings: Settings | None = None) -> ConnectedAccountReader:
    """A client for one connected account that can only read."""
    settings = settings or get_settings()
    client = stripe.StripeClient(
        settings.stripe_secret_key,
        client_id=settings.stripe_client_id,
        stripe_account=account_id,
        base_addresses=_base_addresses(settings),
        # Retries (429/5xx with Stripe's hints) belong to the sync's own budgeted loop, not the SDK.
        max_network_retries=0,
        http_client=ReadOnlyHTTPClient(),
    )
    return ConnectedAccountReader(client, account_id)


class ConnectedAccountReader:
    """Thin wrapper: the connected account id and its read-only StripeClient."""

    def __init__(self, client: stripe.StripeClient, account_id: str) -> None:
        self.client = client
        self.account_id = account_id

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a Stripe path (e.g. '/v1/customers') and return the JSON object exactly as Stripe sent it.

        What `raw_request` does, but the body is decoded by `decode`: the SDK's `json.loads` into OrderedDicts took
        longer than the rest of a page's ingest (a page of 100 invoices is 400 KB), and held the GIL 60 ms a page
        while a concurrent sync's other requests waited behind it. StripeObjects are never built: turning them back
        into dicts cost more still. An error status goes through the SDK as before, so callers
        still get its typed `StripeError`s.
        """
        options, params = extract_options_from_dict(params)
        requestor = self.client._requestor
        body, status, headers = requestor.request_raw(
            "get", path, params=params, options=options, base_address="api", api_mode="V1", usage=["raw_request"]
        )
        if 200 <= status < 300:
            try:
                return decode(body)
            except orjson.JSONDecodeError:
                pass  # the SDK's own error for a body that is not JSON
        return requestor._interpret_response(body, status, headers, "V1").data

    def request(self, method: str, path: str, **params: Any) -> dict[str, Any]:
        """Any method, for tests and tooling: non-GET raises WriteForbidden before sending."""
        response = self.client.raw_request(method, path, **params)
        return self.client.deserialize(response, api_mode="V1").to_dict()

    def account(self) -> dict[str, Any]:
        return self.get(f"/v1/accounts/{self.account_id}")
