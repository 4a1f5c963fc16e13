"""Who may facilitate a cycle: the matcher's terms (`Candidate`, `CycleNeed`) and its hard rules.

A candidate is checked against the rules in `Rule`'s order and the first one broken is the
`Breach`; its wording (a phrase) is built only when asked. Pure."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from models.matching.phrase import Key, Phrase, say


class Rule(enum.StrEnum):
    """The hard rules, in the order a candidate is checked against them."""

    LANGUAGE = "language"
    HOME = "home"
    AFFILIATION = "affiliation"
    AVAILABILITY = "availability"
    CAPACITY = "capacity"


@dataclass(frozen=True)
class Candidate:
    """A facilitator as the matcher sees them. `load`: active cycles carried outside the batch."""

    id: int
    name: str
    sex: str
    home_commune: str
    languages: frozenset[str]
    regions: frozenset[str] = frozenset()
    affiliations: frozenset[str] = frozenset()
    max_cycles: int = 3
    load: int = 0
    unavailable: tuple[tuple[date, date], ...] = ()

    @property
    def capacity_left(self) -> int:
        return max(0, self.max_cycles - self.load)

    def away_on(self, day: date) -> tuple[date, date] | None:
        return next((p for p in self.unavailable if p[0] <= day <= p[1]), None)


@dataclass(frozen=True)
class CycleNeed:
    """What a cycle requires of its team. `area` is the commune's (or cercle's) P-code: nobody
    whose home is in it (`cercle` names the cercle of an intercommunal cycle, whose area it is);
    `communities` are name keys; `incumbents` are current team members (kept when possible)."""

    cycle_id: int
    label: str
    area: str
    languages: frozenset[str]
    session_languages: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    session_days: tuple[date, ...] = ()
    previous_team: frozenset[int] = frozenset()
    incumbents: frozenset[int] = frozenset()
    incumbent_lead: int | None = None
    cercle: str | None = None


@dataclass(frozen=True)
class Breach:
    rule: Rule
    need: CycleNeed
    person: Candidate

    @property
    def why(self) -> Phrase:
        """The rule broken, as a phrase; worded only when asked (the matcher checks every
        candidate against every cycle, hundreds of thousands of breaches on a national batch)."""
        name, need, person = self.person.name, self.need, self.person
        if self.rule == Rule.LANGUAGE:
            return say(Key.UNFIT_LANGUAGE, name=name, languages=sorted(need.languages))
        if self.rule == Rule.HOME and need.cercle is not None:
            return say(Key.UNFIT_HOME_CERCLE, name=name, cercle=need.cercle)
        if self.rule == Rule.HOME:
            return say(Key.UNFIT_HOME, name=name, area=need.label)
        if self.rule == Rule.AFFILIATION:
            parties = sorted(person.affiliations & need.communities)
            return say(Key.UNFIT_AFFILIATION, name=name, parties=parties)
        if self.rule == Rule.AVAILABILITY:
            start, end = next(p for d in need.session_days if (p := person.away_on(d)))
            return say(
                Key.UNFIT_AVAILABILITY, name=name, start=start.isoformat(), end=end.isoformat()
            )
        return say(Key.UNFIT_CAPACITY, name=name, load=person.load, max=person.max_cycles)


def breach(need: CycleNeed, person: Candidate) -> Breach | None:
    """The first hard rule `person` breaks for `need`, or None when they may be on its team."""
    if not person.languages & need.languages:
        return Breach(Rule.LANGUAGE, need, person)
    if person.home_commune.startswith(need.area):
        return Breach(Rule.HOME, need, person)
    if person.affiliations & need.communities:
        return Breach(Rule.AFFILIATION, need, person)
    if any(person.away_on(day) is not None for day in need.session_days):
        return Breach(Rule.AVAILABILITY, need, person)
    if person.capacity_left <= 0:
        return Breach(Rule.CAPACITY, need, person)
    return None


def team_breach(need: CycleNeed, a: Candidate, b: Candidate) -> Phrase | None:
    """Why two (individually eligible) people cannot form `need`'s team, or None."""
    if a.id == b.id:
        return say(Key.PAIR_SAME_PERSON)
    if a.home_commune == b.home_commune:
        return say(Key.PAIR_SAME_HOME, a=a.name, b=b.name)
    missing = need.session_languages - (a.languages | b.languages)
    if missing:
        return say(Key.PAIR_MISSING_LANGUAGE, languages=sorted(missing))
    return None
