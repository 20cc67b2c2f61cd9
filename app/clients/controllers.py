"""The clients list, client pages and forms, archive/restore, and the CSV import."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Response, Template

from app.client_list.export import clients_csv
from app.client_list.queries import ListParams, attach_insights, client_money, list_clients, matching_clients
from app.clients import csv_import, services
from app.clients.forms import ClientForm, ImportConfirmForm, ImportUpload
from app.clients.tables import ClientStatus
from app.core import csv_export
from app.core.errors import ValidationFailed
from app.revenue.dashboard import chart_context, client_revenue
from app.stripe_data.matching import rematch_workspace
from app.stripe_data.overdue import today_in
from app.web.auth import CurrentActor
from app.web.flash import flash
from app.web.forms import Form
from app.web.htmx import fragment_or_redirect, navigate, page_or_fragment
from app.web.templating import money_in
from app.workspaces.services import Actor

Multipart = Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)]


async def _plan_context(actor: Actor) -> dict[str, Any]:
    """How close the workspace is to its plan's client limit, for the notices on the list and forms."""
    active = await services.count_active_clients(actor)
    terms = actor.plan
    return {
        "active_count": active,
        "plan": terms,
        "at_limit": terms.client_limit is not None and active >= terms.client_limit,
    }


def _import_context(actor: Actor, csv_text: str = "") -> dict[str, Any]:
    """The CSV import page before any preview, with the file limits it states."""
    return {"actor": actor, "preview": None, "file_error": "", "csv_text": csv_text, "limits": csv_import.LIMITS_TEXT}


class ClientController(Controller):
    path = "/dashboard/clients"
    include_in_schema = False

    @get("/", name="clients:index")
    async def index(
        self,
        request: Request,
        actor: CurrentActor,
        q: FromQuery[str] = "",
        status: FromQuery[str] = "active",
        sort: FromQuery[str] = "name",
        page: FromQuery[int] = 1,
        only: FromQuery[str] = "",
    ) -> Template:
        """Every client of the workspace: searchable, filterable, sortable, paginated."""
        listing = await list_clients(actor, ListParams(q=q, status=status, sort=sort, page=page, only=only))
        context = {"actor": actor, "listing": listing, **await _plan_context(actor)}
        return page_or_fragment(request, "clients/index.html", "clients/_list.html", context)

    @get("/export.csv", name="clients:export")
    async def export(
        self,
        actor: CurrentActor,
        q: FromQuery[str] = "",
        status: FromQuery[str] = "active",
        sort: FromQuery[str] = "name",
        only: FromQuery[str] = "",
    ) -> Response:
        """Every client the list shows with the same filters, search and sort (all pages) as a CSV download."""
        rows = await matching_clients(actor, ListParams(q=q, status=status, sort=sort, only=only))
        ws = actor.workspace
        text = clients_csv(rows, ws.currency, ws.timezone)
        filename = f"clients-{today_in(ws.timezone).isoformat()}.csv"
        return Response(text, media_type=csv_export.MEDIA_TYPE, headers=csv_export.attachment(filename))

    @get("/new", name="clients:new")
    async def new(self, actor: CurrentActor) -> Template:
        """The add-client form."""
        context = {"actor": actor, "form": ClientForm(), "errors": {}, **await _plan_context(actor)}
        return Template("clients/new.html", context=context)

    @post("/", name="clients:create")
    async def create(self, request: Request, actor: CurrentActor, data: Form[ClientForm]) -> Response:
        """Add a client; the form comes back with field messages (422) when something is wrong."""
        try:
            client = await services.create_client(actor, data.to_input())
        except ValidationFailed as exc:
            context = {"actor": actor, "form": data, "errors": exc.errors, **await _plan_context(actor)}
            return page_or_fragment(request, "clients/new.html", "clients/_form.html", context, status_code=422)
        await rematch_workspace(actor.workspace_id)  # new emails/domains may claim Stripe customers
        flash(request, f"Added {client.name}.", "success")
        return navigate(request, request.app.route_reverse("clients:show", client_id=client.id))

    @get("/{client_id:int}", name="clients:show")
    async def show(self, actor: CurrentActor, client_id: FromPath[int]) -> Template:
        """One client: contacts, notes, status, money facts from Stripe, its MRR history, flags and invoices."""
        detail = await services.get_client(actor, client_id)
        insight, invoices = await client_money(actor, detail.client.id)
        revenue = await client_revenue(actor.workspace_id, detail.client.id, money=money_in(actor.workspace.currency))
        context = {"actor": actor, "detail": detail, "insight": insight, "invoices": invoices, "revenue": revenue}
        return Template("clients/detail.html", context={**context, **chart_context()})

    @get("/{client_id:int}/edit", name="clients:edit")
    async def edit(self, actor: CurrentActor, client_id: FromPath[int]) -> Template:
        """The edit form, filled in."""
        detail = await services.get_client(actor, client_id)
        context = {"actor": actor, "form": ClientForm.from_detail(detail), "errors": {}, "client": detail.client}
        return Template("clients/edit.html", context=context)

    @post("/{client_id:int}", name="clients:update")
    async def update(
        self, request: Request, actor: CurrentActor, client_id: FromPath[int], data: Form[ClientForm]
    ) -> Response:
        """Save a client's name, emails, domains and notes."""
        try:
            client = await services.update_client(actor, client_id, data.to_input())
        except ValidationFailed as exc:
            client = (await services.get_client(actor, client_id)).client
            context = {"actor": actor, "form": data, "errors": exc.errors, "client": client}
            return page_or_fragment(request, "clients/edit.html", "clients/_form.html", context, status_code=422)
        await rematch_workspace(actor.workspace_id)  # changed emails/domains move automatic matches
        flash(request, f"Saved {client.name}.", "success")
        return navigate(request, request.app.route_reverse("clients:show", client_id=client.id))

    @post("/{client_id:int}/archive", name="clients:archive")
    async def archive(self, request: Request, actor: CurrentActor, client_id: FromPath[int]) -> Response:
        """Archive a client; htmx gets the updated row, a plain form goes back to the list."""
        client = await services.archive_client(actor, client_id)
        return await self._row_or_list(request, actor, client.id, f"Archived {client.name}.")

    @post("/{client_id:int}/restore", name="clients:restore")
    async def restore(self, request: Request, actor: CurrentActor, client_id: FromPath[int]) -> Response:
        """Make an archived client active again (counts against the Free plan's limit)."""
        client = await services.restore_client(actor, client_id)
        return await self._row_or_list(request, actor, client.id, f"Restored {client.name}.")

    async def _row_or_list(self, request: Request, actor: Actor, client_id: int, message: str) -> Response:
        """htmx swaps in the updated row; a plain form goes back to the list."""

        async def context() -> dict:
            detail = await services.get_client(actor, client_id)
            row = {
                "id": detail.client.id,
                "name": detail.client.name,
                "status": detail.client.status,
                "archived": detail.client.status == ClientStatus.archived.value,
                "emails": detail.emails,
                "domains": detail.domains,
            }
            await attach_insights(actor, [row])
            return {"row": row}

        return await fragment_or_redirect(
            request,
            "clients/_row.html",
            context,
            message=message,
            redirect_to=request.app.route_reverse("clients:index"),
        )

    @get("/import", name="clients:import")
    async def import_form(self, actor: CurrentActor) -> Template:
        """The CSV upload form, with the expected columns."""
        return Template("clients/import.html", context=_import_context(actor))

    @post("/import", name="clients:import_preview")
    async def preview_import(self, request: Request, actor: CurrentActor, data: Multipart) -> Template:
        """Show what the uploaded CSV would create, row by row, without saving anything."""
        context = _import_context(actor)
        try:
            if data.file is None or not data.file.filename:
                raise csv_import.CsvProblem("Choose a CSV file to upload.")
            context["csv_text"] = csv_import.decode_csv(await data.file.read())
            context["preview"] = await csv_import.preview_import(actor, context["csv_text"])
        except csv_import.CsvProblem as exc:
            context["file_error"] = str(exc)
        status = 422 if context["file_error"] else 200
        return page_or_fragment(request, "clients/import.html", "clients/_import_preview.html", context, status)

    @post("/import/confirm", name="clients:import_confirm")
    async def confirm_import(self, request: Request, actor: CurrentActor, data: Form[ImportConfirmForm]) -> Response:
        """Import every previewed row, or none when any row (re-checked now) has an error."""
        context = _import_context(actor, csv_text=data.csv_text)
        try:
            count = await csv_import.import_clients(actor, data.csv_text)
        except csv_import.CsvProblem as exc:
            context["file_error"] = str(exc)
        except ValidationFailed:
            context["preview"] = await csv_import.preview_import(actor, data.csv_text)
        else:
            await rematch_workspace(actor.workspace_id)  # once for the whole file, after it committed
            flash(request, f"Imported {count} {'client' if count == 1 else 'clients'}.", "success")
            return navigate(request, request.app.route_reverse("clients:index"))
        return page_or_fragment(request, "clients/import.html", "clients/_import_preview.html", context, 422)
