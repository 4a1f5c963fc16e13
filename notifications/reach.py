"""Who a sweep's claims go to, worked out once per person and audience, not once per claim.

A backlog sweep makes tens of thousands of claims to a few hundred people: each person's channels
to try (`channels_to_try`), whether quiet hours hold them back and the ledger columns of the
claim (`Addressee`) are the same for every claim to that person, and a rule's audience
(`Directory.audience`) is the same for every step of one owner or region. `Reach` keeps both for
the length of one plan (the directory is loaded per plan, so nothing outlives it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from models.reminders.due import Audience, OpenStep
from notifications.ledger import Addressee
from notifications.recipients import Directory, Person, PersonKind, channels_to_try


class Target(NamedTuple):
    """One channel a claim goes to."""

    recipient: str
    """The ledger's recipient key, which the ledger's (rule, recipient) pairs are checked against."""
    quiet: bool
    """Held back now (an SMS-type channel in quiet hours): counted, not claimed."""
    to: Addressee


class Reached(NamedTuple):
    """The channels a rule goes to, and how many of its people have no channel at all."""

    without_channel: int
    targets: tuple[Target, ...]


class Reach:
    def __init__(self, directory: Directory, quiet: frozenset[str], *, fallback: bool) -> None:
        self.directory = directory
        self.quiet = quiet
        self.fallback = fallback
        self._people: dict[tuple[PersonKind, int], tuple[Target, ...]] = {}
        self._audiences: dict[tuple[Audience, int | str], Reached] = {}

    def person(self, person: Person) -> tuple[Target, ...]:
        key = (person.kind, person.id)
        found = self._people.get(key)
        if found is None:
            found = self._people[key] = tuple(
                Target(c.recipient, c.scheme.lower() in self.quiet, Addressee.of(person, c))
                for c in channels_to_try(person, self.fallback)
            )
        return found

    def people(self, people: Sequence[Person]) -> Reached:
        without = sum(1 for p in people if not p.channels)
        return Reached(without, tuple(t for p in people for t in self.person(p)))

    def audience(self, audience: Audience, step: OpenStep) -> Reached:
        """`Directory.audience`, once per audience and the owner or region it depends on."""
        key = (audience, self.directory.audience_key(audience, step))
        found = self._audiences.get(key)
        if found is None:
            found = self._audiences[key] = self.people(self.directory.audience(audience, step))
        return found
