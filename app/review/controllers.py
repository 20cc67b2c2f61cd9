"""Review unmatched Stripe customers: map, create a client, ignore, bulk."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from app.review import services as review
from app.review.forms import BulkForm, CreateClientForm, MapForm
from app.web.auth import CurrentActor
from app.web.forms import Form
from app.web.htmx import fragment_or_redirect, page_or_fragment
from app.workspaces.services import Actor


async def _row_done(request: Request, actor: Actor, customer_id: str, message: str) -> Response:
    """After a per-row action: htmx swaps in the decided row (plus the counts, out of band); plain forms go back."""

    async def context() -> dict:
        return {
            "actor": actor,
            "row": await review.customer_row(actor, customer_id),
            "message": message,
            "counts": await review.review_counts(actor.workspace_id),
        }

    return await fragment_or_redirect(
        request,
        "review/_row.html",
        context,
        message=message,
        redirect_to=request.app.route_reverse("integrations:unmatched"),
    )


class ReviewController(Controller):
    path = "/dashboard/integrations/stripe/unmatched"
    include_in_schema = False

    @get("/", name="integrations:unmatched")
    async def index(
        self, request: Request, actor: CurrentActor, q: FromQuery[str] = "", page: FromQuery[int] = 1
    ) -> Template:
        """Unmatched customers with invoice totals and suggestions; search and pages swap only the rows."""
        listing = await review.list_unmatched(actor, q, page)
        return page_or_fragment(
            request,
            "review/unmatched.html",
            "review/_rows.html",
            {"actor": actor, "listing": listing, "counts": listing.counts},
        )

    @get("/clients", name="integrations:unmatched_clients")
    async def client_options(
        self, request: Request, actor: CurrentActor, q: FromQuery[str] = "", client: FromQuery[str] = ""
    ) -> Response:
        """Options for the client picker's datalist, narrowed as the person types (the row's input is `client`)."""

        async def context() -> dict:
            return {"clients": await review.search_clients(actor, q or client)}

        # Only the picker asks for this; people belong on the grid.
        return await fragment_or_redirect(
            request,
            "review/_client_options.html",
            context,
            redirect_to=request.app.route_reverse("integrations:unmatched"),
        )

    @post("/{customer_id:str}/map", name="integrations:unmatched_map")
    async def map_one(
        self, request: Request, actor: CurrentActor, customer_id: FromPath[str], data: Form[MapForm]
    ) -> Response:
        """Map one customer to an existing client (a manual mapping, kept across re-syncs)."""
        _, name = await review.map_customers(actor, [customer_id], data.client)
        return await _row_done(request, actor, customer_id, f"Mapped to {name}.")

    @post("/{customer_id:str}/create", name="integrations:unmatched_create")
    async def create_client(
        self, request: Request, actor: CurrentActor, customer_id: FromPath[str], data: Form[CreateClientForm]
    ) -> Response:
        """Create a client from this customer (prefilled, editable) and map the customer to it."""
        _, name = await review.create_client_from(actor, customer_id, data.name, data.email, data.domain)
        return await _row_done(request, actor, customer_id, f"Created client {name}.")

    @post("/{customer_id:str}/ignore", name="integrations:unmatched_ignore")
    async def ignore(self, request: Request, actor: CurrentActor, customer_id: FromPath[str]) -> Response:
        """Ignore a customer: it belongs to no client and leaves this list."""
        await review.ignore_customers(actor, [customer_id])
        return await _row_done(request, actor, customer_id, "Ignored.")

    @post("/bulk", name="integrations:unmatched_bulk")
    async def bulk(self, request: Request, actor: CurrentActor, data: Form[BulkForm]) -> Response:
        """Map the selected customers to one client, or ignore them; htmx gets the refreshed rows."""
        ids = [data.customer_ids] if isinstance(data.customer_ids, str) else list(data.customer_ids)
        if data.action == "ignore":
            count = await review.ignore_customers(actor, ids)
            message = f"Ignored {count} {'customer' if count == 1 else 'customers'}."
        else:
            _, name = await review.map_customers(actor, ids, data.client)
            message = f"Mapped {len(set(ids))} {'customer' if len(set(ids)) == 1 else 'customers'} to {name}."

        async def context() -> dict:
            listing = await review.list_unmatched(actor, data.q, data.page)
            return {"actor": actor, "listing": listing, "counts": listing.counts, "message": message}

        return await fragment_or_redirect(
            request,
            "review/_rows.html",
            context,
            message=message,
            redirect_to=request.app.route_reverse("integrations:unmatched"),
        )
