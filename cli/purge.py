"""`debates purge`: apply the retention policy (contacts of inactive people, sensitive text)."""

from typing import Annotated

import typer

from cli.common import console, prepare_database


def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be removed; remove nothing")
    ] = False,
) -> None:
    """Remove the contacts of people inactive for the policy's months, and the text of sensitive
    grievances the policy's days after the handover (counts kept); one audited transaction."""
    from models.clock import utcnow
    from models.db import session_scope
    from models.policy import current_policy
    from models.retention import purge as apply_retention
    from models.settings import get_settings

    prepare_database()
    policy = current_policy().retention
    with session_scope() as session:
        report = apply_retention(
            session,
            policy,
            now=utcnow(),
            actor=get_settings().resolved_actor(),
            dry_run=dry_run,
        )
    verb = "Would remove" if dry_run else "Removed"
    console.print(
        f"{verb} {report.contacts} contact(s) of {report.people} person(s) inactive for "
        f"{policy.inactive_contact_months} months, and the text of {report.grievances} sensitive "
        f"grievance(s) handed over more than {policy.sensitive_text_days} days ago"
        + (". Nothing was written." if dry_run else " (audited: retention.purged).")
    )
