"""`debates keys rotate`: re-seal every contact URL under a new key, in one transaction."""

import typer

from cli.common import console, prepare_database

app = typer.Typer(help="The key that seals contact URLs at rest.", no_args_is_help=True)


@app.command("rotate")
def rotate() -> None:
    """Seal every contact URL again under a new key, in one transaction (audited).

    With data/contacts.key, a new key is put first in the file, every URL is re-sealed, then the
    old key is removed. With DEBATES_CONTACTS_KEY, put the new key first there (the old one after
    it, comma-separated), run this, then remove the old one."""
    from models.audit import record
    from models.clock import utcnow
    from models.db import session_scope
    from models.people.facilitator import Contact
    from models.people.roster import CommunePersonContact
    from models.people.sealed import begin_rotation, finish_rotation
    from models.people.sealed import rotate as reseal
    from models.settings import get_settings

    prepare_database()
    from_file = begin_rotation()
    with session_scope() as session:
        count = reseal(session, [Contact, CommunePersonContact])
        record(
            session,
            "contacts.rotated",
            "contacts",
            "all",
            now=utcnow(),
            actor=get_settings().resolved_actor(),
            after={"contacts": count},
        )
    finish_rotation()
    where = "data/contacts.key" if from_file else "the newest key of DEBATES_CONTACTS_KEY"
    console.print(f"Re-sealed {count} contact URL(s) under {where}.")
