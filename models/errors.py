"""Domain errors: each message says what is wrong and what to do about it."""

from __future__ import annotations


class DomainError(Exception):
    """An error a coordinator can act on; the CLI prints it as one red line and exits 1."""


class NotFound(DomainError):
    pass


class UnknownPlace(NotFound):
    pass


class AmbiguousPlace(DomainError):
    pass


class InvalidInput(DomainError):
    """Input that failed validation; `problems` holds (location, message) pairs."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        self.headline = message
        self.problems = problems or []
        detail = "; ".join(f"{where}: {what}" for where, what in self.problems)
        super().__init__(f"{message}: {detail}" if detail else message)


class MissingTimezone(InvalidInput, ValueError):
    """A date-time typed without its timezone; a ValueError too, so Pydantic reports it per field."""


class IllegalTransition(DomainError):
    pass


class ActiveCycleExists(DomainError):
    pass


def refused_by_database(exc: Exception) -> str:
    """A database's refusal of input the schemas let through, in one sentence (its first line)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return f"the database refused this input ({first}); correct it and submit again"
