"""Domain errors raised by services and views; `claims.platform.problems` turns each into problem details."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(DomainError):
    status = 400
    slug = "validation-error"
    title = "Invalid input"

    def __init__(self, errors: Mapping[str, Iterable[str]], detail: str | None = None) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__(detail or describe_errors(self.errors))


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "Status change not allowed"

    def __init__(self, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.allowed = sorted(allowed)
        targets = ", ".join(self.allowed) or "none"
        super().__init__(
            f"A claim in status '{current}' cannot move to '{requested}'. Allowed targets: {targets}."
        )


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "Precondition required"


def describe_errors(errors: Mapping[str, list[str]]) -> str:
    parts = [f"{field}: {messages[0]}" for field, messages in errors.items() if messages]
    return " ".join(parts) if parts else "The request is invalid."
