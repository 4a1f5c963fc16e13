"""The calendar invitation (.ics, RFC 5545) of a debate session, built with the icalendar library.

A session keeps one UID for its whole life; each postponement bumps DebateSession.revision, which is
the event's SEQUENCE, so calendar programs replace the old event instead of adding a second one. A
cancelled session's notice has SEQUENCE revision + 1 and STATUS:CANCELLED, which removes the event.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from notifications.documents.content import InvitationView
from notifications.documents.render import check_locale, environment, render

PRODID = "-//Association des Municipalites du Mali//debates//FR"


def invitation_calendar(
    view: InvitationView, *, locale: str, now: datetime, organizer: str | None = None
) -> bytes:
    """A calendar with one event; `now` is its DTSTAMP (when it was issued).

    With `organizer` (the sender's e-mail address) it is an iTIP REQUEST, which mail programs offer
    to accept; without one it is a PUBLISH, which they simply add to the calendar.
    """
    labels = environment("txt").get_template(f"{check_locale(locale)}/_labels.j2").module
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if view.cancelled:
        calendar.add("method", "CANCEL" if organizer else "PUBLISH")
    else:
        calendar.add("method", "REQUEST" if organizer else "PUBLISH")
    event = Event()
    event.add("uid", view.uid)
    event.add("sequence", view.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", view.starts_at.astimezone(UTC))
    event.add("dtend", view.ends_at.astimezone(UTC))
    event.add("summary", str(labels.invitation_subject(view)))  # type: ignore[attr-defined]
    event.add("location", vText(f"{view.venue}, {view.venue_commune} ({view.place.pcode})"))
    event.add("description", render("invitation", "txt", locale, doc=view))
    event.add("status", "CANCELLED" if view.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if organizer:
        address = vCalAddress(f"mailto:{organizer}")
        address.params["cn"] = vText("AMM")
        event.add("organizer", address)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
