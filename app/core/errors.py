"""Domain errors: services raise these; app.web.errors maps them to HTTP responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `message` is safe to show to the person who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The object does not exist in the current workspace (or at all: we never say which)."""

    def __init__(self, message: str = "We couldn't find that.") -> None:
        super().__init__(message)


class PermissionDenied(DomainError):
    """The signed-in person may not do this in this workspace."""


class PlanRequired(DomainError):
    """The workspace's plan does not include this feature or limit (the error page links to the plans)."""


class ValidationFailed(DomainError):
    """Input was rejected; `errors` maps field names to messages for the form."""

    def __init__(self, errors: dict[str, str], message: str = "Please fix the highlighted fields.") -> None:
        super().__init__(message)
        self.errors = errors


class Conflict(DomainError):
    """The request clashes with the current state (already exists, already used, ...)."""


class RateLimited(DomainError):
    """Too many attempts; try again later."""
