"""CSV import of clients: parse, preview with a per-row report, then import all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from app.clients.services import (
    ClientInput,
    clean_client,
    count_active_clients,
    emails_in_use,
    insert_client,
    require_room_for,
)
from app.clients.tables import Client
from app.core.errors import ValidationFailed
from app.workspaces.services import Actor

MAX_ROWS = 5_000
MAX_MEGABYTES = 2
MAX_BYTES = MAX_MEGABYTES * 1024 * 1024
# The upload page states the limits in these words, so they follow the constants.
LIMITS_TEXT = f"up to {MAX_ROWS:,} rows and {MAX_MEGABYTES} MB"
COLUMNS = ("name", "emails", "domains", "notes")
# Spreadsheets export singular headers as often as plural ones.
_ALIASES = {"email": "emails", "domain": "domains", "note": "notes", "client": "name", "client name": "name"}


class CsvProblem(ValueError):
    """The file as a whole cannot be read; the message tells the person how to fix it."""


@dataclass
class ImportRow:
    number: int  # the spreadsheet row number: the header is row 1
    data: ClientInput
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    plan_error: str = ""

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.error_rows and not self.plan_error


def decode_csv(raw: bytes) -> str:
    """The file's text, from UTF-8 with or without a byte-order mark.

    Raises:
        CsvProblem: too big, empty, or not UTF-8.
    """
    if len(raw) > MAX_BYTES:
        raise CsvProblem(f"The file is larger than {MAX_MEGABYTES} MB. Split it into files of up to {MAX_ROWS:,} rows.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvProblem("The file is not UTF-8 text. In your spreadsheet, export as “CSV UTF-8”.") from None
    if not text.strip():
        raise CsvProblem("The file is empty. Add a header row (name, emails, domains, notes) and one row per client.")
    return text


def _delimiter(header_line: str) -> str:
    # Spreadsheets in many European locales save CSV with semicolons between columns.
    if "," not in header_line and ";" in header_line:
        return ";"
    return "\t" if "," not in header_line and "\t" in header_line else ","


def parse_csv(text: str) -> list[tuple[int, ClientInput]]:
    """Rows of a client CSV as (row number, input); blank lines are skipped but still counted.

    Raises:
        CsvProblem: no header row with a `name` column, or more than MAX_ROWS rows.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        header = []
    columns = [_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in header]
    if "name" not in columns:
        raise CsvProblem(
            "The first row must be a header naming the columns: name, emails, domains, notes (only name is required)."
        )
    rows: list[tuple[int, ClientInput]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvProblem(f"The file has more than {MAX_ROWS:,} clients. Split it into smaller files.")
            values = {
                column: cells[i] if i < len(cells) else "" for i, column in enumerate(columns) if column in COLUMNS
            }
            rows.append(
                (
                    number,
                    ClientInput(
                        name=values.get("name", ""),
                        emails=[values.get("emails", "")],
                        domains=[values.get("domains", "")],
                        notes=values.get("notes", ""),
                    ),
                )
            )
    except csv.Error as exc:
        raise CsvProblem(f"Row {reader.line_num} can't be read as CSV ({exc}). Check its quotes.") from None
    return rows


async def preview_import(actor: Actor, text: str) -> ImportPreview:
    """Validate every row against the rules, the file itself and the workspace, without saving anything.

    Raises:
        CsvProblem: the file cannot be read at all.
    """
    parsed = parse_csv(text)
    if not parsed:
        raise CsvProblem("The file has a header but no clients. Add one row per client.")
    rows = [_checked_row(number, data) for number, data in parsed]
    _flag_repeated_emails(rows)
    await _flag_existing(actor, rows)
    return ImportPreview(rows=rows, plan_error=await _plan_error(actor, len(rows)))


def _checked_row(number: int, data: ClientInput) -> ImportRow:
    clean, errors = clean_client(data)
    messages = [errors[key] for key in ("name", "emails", "domains", "notes") if key in errors]
    return ImportRow(number=number, data=clean, errors=messages)


def _flag_repeated_emails(rows: list[ImportRow]) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        for email in row.data.emails:
            if email in first_row:
                row.errors.append(f"{email} is already used in row {first_row[email]} of this file.")
            else:
                first_row[email] = row.number


async def _flag_existing(actor: Actor, rows: list[ImportRow]) -> None:
    taken = await emails_in_use(actor, [email for row in rows for email in row.data.emails])
    names = {r["name"].lower() for r in await Client.select(Client.name).where(Client.workspace == actor.workspace_id)}
    for row in rows:
        row.errors.extend(f"{email} already belongs to {taken[email]}." for email in row.data.emails if email in taken)
        if row.data.name and row.data.name.lower() in names:
            row.warnings.append(f"A client named {row.data.name} already exists; this adds another one.")


async def _plan_error(actor: Actor, adding: int) -> str:
    terms = actor.plan
    if terms.client_limit is None:
        return ""
    active = await count_active_clients(actor)
    if active + adding <= terms.client_limit:
        return ""
    return f"{terms.limit_message} You have {active} active and this file adds {adding}."


async def import_clients(actor: Actor, text: str) -> int:
    """Create every client of the file in one transaction, or none of them.

    The file is re-parsed and re-validated here, whatever the preview said: the confirm form carries the CSV
    back from the browser, so it may have been edited, and the workspace may have changed since.
    The caller rematches the workspace once afterwards (`stripe_data.matching.rematch_workspace`).

    Returns:
        How many clients were created.

    Raises:
        CsvProblem: the file cannot be read.
        ValidationFailed: some rows have errors (`errors` maps "row N" to its messages).
        PlanRequired: the batch would take the workspace past its plan's client limit.
    """
    preview = await preview_import(actor, text)
    if preview.error_rows:
        raise ValidationFailed(
            {f"row {row.number}": " ".join(row.errors) for row in preview.error_rows},
            message=f"{len(preview.error_rows)} rows have errors; nothing was imported.",
        )
    async with Client._meta.db.transaction():
        await require_room_for(actor, len(preview.rows))
        for row in preview.rows:
            await insert_client(actor, row.data)
    return len(preview.rows)
