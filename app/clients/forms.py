"""Inputs of the client forms and the CSV import."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile

from app.clients.services import ClientDetail, ClientInput
from app.core.validation import display_domain


@dataclass
class ClientForm:
    name: str = ""
    emails: str = ""  # one per line, or separated by commas or semicolons
    domains: str = ""
    notes: str = ""

    def to_input(self) -> ClientInput:
        return ClientInput(name=self.name, emails=[self.emails], domains=[self.domains], notes=self.notes)

    @classmethod
    def from_detail(cls, detail: ClientDetail) -> ClientForm:
        return cls(
            name=detail.client.name,
            emails="\n".join(detail.emails),
            domains="\n".join(display_domain(d) for d in detail.domains),
            notes=detail.client.notes,
        )


@dataclass
class ImportUpload:
    file: UploadFile | None = None


@dataclass
class ImportConfirmForm:
    csv_text: str = ""  # the previewed file, carried back to be re-parsed and re-validated
