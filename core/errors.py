"""Domain errors: a stable code, a Chinese message for the user and the rule id behind it."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Raised by services when a regulation or invariant refuses an action.

    Rendered by the API as {"code", "message", "rule", "errors"} and shown on pages as a message.
    """

    status_code = 400
    default_code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        rule: str | None = None,
        errors: dict[str, list[str]] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.rule = rule
        self.errors = errors or {}
        if status_code is not None:
            self.status_code = status_code

    def as_body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, rule=self.rule, errors=self.errors)


class ConflictError(DomainError):
    """The action conflicts with the current state (already settled, bed occupied …)."""

    status_code = 409
    default_code = "conflict"


def error_body(
    code: str, message: str, *, rule: str | None = None, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one error body every API failure uses."""
    return {"code": code, "message": message, "rule": rule, "errors": errors or {}}
