"""The clients list and client forms."""

from __future__ import annotations

from app.web.auth import CurrentActor
from litestar import Controller, get
from litestar.response import Template

from app.workspaces.services import Actor


class ClientController(Controller):
    path = "/dashboard/clients"
    include_in_schema = False

    @get("/", name="clients:index")
    async def index(self, actor: CurrentActor) -> Template:
        """Every client of the workspace."""
        return Template("clients/index.html", context={"actor": actor})
