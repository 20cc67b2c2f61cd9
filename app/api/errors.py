"""What the JSON API answers when a request cannot be served: each error has a stable `code` a program can test."""

from __future__ import annotations

from app.core.errors import DomainError


class InvalidParameter(DomainError):
    """A query parameter is malformed, or names an object the workspace does not have (400).

    Args:
        param: the parameter's name as the caller wrote it ("starting_after", "created[gte]").
        message: what is wrong, for a person reading the answer.
        code: "invalid_parameter", or "resource_missing" for an id the workspace does not have.
    """

    def __init__(self, param: str, message: str, code: str = "invalid_parameter") -> None:
        super().__init__(message)
        self.param = param
        self.code = code


class NotAuthenticated(DomainError):
    """No token, an unknown one or a revoked one (401); the message says which, the code is always the same kind."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
