"""Domain errors: a stable code, a Chinese message for the user and the rule id behind it."""

from __future__ import annotations

from typing import Any


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Any error detail (DRF's nested dicts and lists of ErrorDetail, Django's ErrorDict, plain
    strings) as {"field": ["message", …]}; nested fields get dotted keys ("lines.0.amount").

    Messages are plain `str`: the repr of a DRF ErrorDetail ("ErrorDetail(string=…)") never
    reaches a page or an API body."""
    flat: dict[str, list[str]] = {}

    def add(key: str, message: Any) -> None:
        flat.setdefault(key or "non_field_errors", []).append(str(message))

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(inner, f"{key}.{name}" if key else str(name))
        elif isinstance(value, list | tuple):
            if all(not isinstance(v, dict | list | tuple) for v in value):
                for message in value:
                    add(key, message)
            else:
                for index, inner in enumerate(value):
                    if inner:  # DRF puts {} for the list items that are fine
                        walk(inner, f"{key}.{index}" if key else str(index))
        elif value is not None:
            add(key, value)

    walk(detail, prefix)
    return flat


def plain_errors(detail: Any) -> Any:
    """The same structure with every message as a plain `str` (no ErrorDetail, no lazy strings)."""
    if isinstance(detail, dict):
        return {str(key): plain_errors(value) for key, value in detail.items()}
    if isinstance(detail, list | tuple):
        return [plain_errors(value) for value in detail]
    if detail is None or isinstance(detail, bool | int | float):
        return detail
    return str(detail)


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
        errors: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.rule = rule
        self.errors = plain_errors(errors) if errors else {}
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
    return {"code": code, "message": str(message), "rule": rule, "errors": plain_errors(errors or {})}
