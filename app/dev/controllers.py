"""Development-only pages: the email outbox. Not mounted in production."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from app.core.errors import NotFound
from app.core.tables import OutboxMessage


class OutboxController(Controller):
    path = "/dev/outbox"
    include_in_schema = False

    @get("/", name="dev:outbox")
    async def index(self) -> Template:
        """Every email the app has recorded, newest first."""
        messages = await OutboxMessage.objects().order_by(OutboxMessage.id, ascending=False).limit(200)
        return Template("dev/outbox.html", context={"messages": messages})

    @get("/{message_id:int}", name="dev:outbox_message")
    async def show(self, message_id: FromPath[int]) -> Template:
        """One email, as text and as rendered HTML."""
        message = await OutboxMessage.objects().where(OutboxMessage.id == message_id).first()
        if message is None:
            raise NotFound()
        return Template("dev/message.html", context={"message": message})
