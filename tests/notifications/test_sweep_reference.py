"""The sweep's selection against a straightforward reference on a seeded mix of steps.

`plan()` is tuned for 100,000 open steps (bench/sweep_selection.py): plain rows, rules worked out
once per stage and due date, recipients once per person. This test seeds cycles whose steps have
every status, owner, due date (before, on and after the horizon, at day edges), escalation level
and ledger history (current and moved due dates, capped owner reminders), people with none, one or
several channels (an SMS one for quiet hours), coordinators, managers with and without a region,
a paused and a cancelled cycle; then compares the claims, the counts and the escalations with a
reference written the slow and obvious way: the ORM, every step, the policy read field by field.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import BAMAKO
from models.cycle.cycle import Cycle, Step
from models.cycle.launch import launch_cycle
from models.cycle.pause import CyclePause
from models.geography.places import Commune
from models.people.facilitator import Facilitator
from models.policy import CyclePolicy, ReminderPolicy, StageReminders
from models.reminders.ledger import Notification
from notifications.sweep import plan
from tests.notifications.conftest import LAUNCHED, add_person

NOW = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)
OPEN = ("pending", "active", "overdue")
POLICIES = {
    "default": (ReminderPolicy(), NOW),
    "every channel, stage overrides, quiet hours": (
        ReminderPolicy(
            channel_fallback=False,
            stages={
                "baseline": StageReminders(offsets_days=[3], max_per_step=2),
                "scheduling": StageReminders(
                    coordinator_after_days=1, manager_after_days=2, overdue_repeat_days=1
                ),
            },
        ),
        NOW.replace(hour=22),
    ),
}


@dataclass(frozen=True)
class Expected:
    claims: Counter[tuple[object, ...]]
    deferred_quiet: int
    without_channel: int
    escalations: dict[int, int]


def _seed(session: Session) -> None:
    rng = random.Random(11)
    communes = session.scalars(select(Commune).order_by(Commune.pcode)).all()[::15][:40]
    cycles = [
        launch_cycle(
            session,
            commune,
            start_on=date(2026, 3, 2),
            policy=CyclePolicy(),
            actor="t",
            now=LAUNCHED,
        )
        for commune in communes
    ]
    session.flush()
    regions = sorted({c.region_pcode for c in cycles})
    people = [
        add_person(
            session,
            "Coordination A",
            role="coordinator",
            regions=regions[:1],
            contacts=["json://127.0.0.1:9/a", "mailto://a@example.org"],
        ),
        add_person(session, "Coordination B", role="coordinator", regions=regions[1:2]),
        add_person(
            session,
            "Coordination C",
            role="coordinator",
            regions=regions[1:3],
            contacts=["twilio://sid:token@12345678/22370000000"],
        ),
        add_person(session, "Direction", role="manager", contacts=["json://127.0.0.1:9/m"]),
        add_person(
            session,
            "Direction Nord",
            role="manager",
            regions=regions[:1],
            contacts=["twilio://sid:token@12345678/22370000001", "json://127.0.0.1:9/n"],
        ),
    ]
    leads = [
        add_person(session, "Awa Traoré", contacts=["json://127.0.0.1:9/f1"]),
        add_person(session, "Moussa Diallo", contacts=["twilio://sid:token@12345678/22370000002"]),
        add_person(session, "Fanta Keïta"),
        add_person(
            session, "Oumar Maïga", contacts=["mailto://o@example.org", "json://127.0.0.1:9/f4"]
        ),
    ]
    contacts = [c.id for p in people + leads for c in p.contacts]
    days = [-40, -20, -9, -8, -7, -4, -3, -2, -1, 0, 1, 2, 3, 6, 7, 8, 9, 30]
    steps: list[Step] = []
    for cycle in cycles:
        for step in cycle.steps:
            step.status = rng.choice(["pending", "pending", "active", "overdue", "done", "skipped"])
            due = NOW + timedelta(days=rng.choice(days))
            step.due_at = due.replace(
                hour=rng.choice([0, 7, 8, 9, 18, 23]), minute=rng.choice([0, 30, 59])
            )
            step.escalation_level = rng.choice([0, 0, 1, 2])
            lead = rng.choice([None, *leads])
            step.facilitator_id = lead.id if lead and rng.random() < 0.6 else None
            step.owner_role = "facilitator" if rng.random() < 0.5 else "coordinator"
            steps.append(step)
    edges = [
        NOW.replace(hour=18),
        NOW.replace(hour=23, minute=59),
        NOW,
        NOW + timedelta(days=1, hours=9),
        NOW + timedelta(days=8),
    ]
    for cycle, due_at in zip(cycles, edges, strict=False):  # due today, due now, the horizon
        cycle.steps[0].status, cycle.steps[0].due_at = "pending", due_at
    cycles[5].status = "cancelled"
    session.add(CyclePause(cycle_id=cycles[6].id, started_at=NOW, reason="route coupée", actor="t"))
    session.flush()
    rules = [
        "before-7d",
        "before-1d",
        "due-today",
        "overdue-1",
        "overdue-2",
        "overdue-3",
        "escalation-coordinator",
        "escalation-manager",
        "assignment",
    ]
    keys = set()
    for step in rng.sample(steps, len(steps) // 2):
        for _ in range(rng.choice([1, 2, 4, 7])):
            moved = rng.random() < 0.2
            key = (step.id, rng.choice(rules), f"contact:{rng.choice(contacts)}", moved)
            if key in keys:
                continue
            keys.add(key)
            session.add(
                Notification(
                    step_id=step.id,
                    rule=key[1],
                    recipient=key[2],
                    due_at=step.due_at - timedelta(days=5) if moved else step.due_at,
                    facilitator_id=step.facilitator_id,
                    channel="json",
                    status=rng.choice(["sent", "claimed", "failed", "cancelled"]),
                    attempts=1,
                    created_at=NOW,
                    claimed_at=NOW,
                    claimed_by="earlier",
                )
            )
        session.flush()


def _latest_owner_rule(due_at: datetime, rules: ReminderPolicy, now: datetime) -> str | None:
    """The owner's schedule written out in full, its last rule due by `now`."""
    schedule: list[tuple[datetime, str]] = []
    day = due_at.astimezone(BAMAKO).date()
    for offset in sorted(set(rules.offsets_days), reverse=True):
        if offset > 0:
            at = datetime.combine(day - timedelta(days=offset), rules.send_from, tzinfo=BAMAKO)
            schedule.append((at, f"before-{offset}d"))
    if rules.due_today:
        schedule.append((datetime.combine(day, rules.send_from, tzinfo=BAMAKO), "due-today"))
    schedule = [(at, rule) for at, rule in schedule if at < due_at]
    k = 1
    while due_at + (k - 1) * timedelta(days=rules.overdue_repeat_days) <= now:
        schedule.append(
            (due_at + (k - 1) * timedelta(days=rules.overdue_repeat_days), f"overdue-{k}")
        )
        k += 1
    due = [rule for at, rule in schedule if at <= now]
    return due[-1] if due else None


def _reference(session: Session, policy: ReminderPolicy, now: datetime) -> Expected:
    quiet_now = not (policy.quiet_end <= now.astimezone(BAMAKO).time() < policy.quiet_start)
    everyone = session.scalars(select(Facilitator).order_by(Facilitator.id)).all()
    claims: Counter[tuple[object, ...]] = Counter()
    counts = {"deferred": 0, "without": 0}
    escalations: dict[int, int] = {}

    def send(
        step: Step, rule: str, people: list[Facilitator], already: set[tuple[str, str]]
    ) -> None:
        for person in people:
            if not person.contacts:
                counts["without"] += 1
            for contact in person.contacts[:1] if policy.channel_fallback else person.contacts:
                recipient = f"contact:{contact.id}"
                if (rule, recipient) in already:
                    continue
                if quiet_now and contact.scheme in policy.quiet_schemes:
                    counts["deferred"] += 1
                    continue
                claims[
                    (
                        step.id,
                        rule,
                        step.due_at,
                        recipient,
                        person.id,
                        contact.id,
                        contact.scheme,
                        None,
                        None,
                        None,
                    )
                ] += 1

    def coordinators(region: str) -> list[Facilitator]:
        return [
            p
            for p in everyone
            if p.role == "coordinator" and region in [r.pcode for r in p.regions]
        ]

    chased = []
    first_of_pair: dict[tuple[int, int], Step] = {}
    for cycle in session.scalars(select(Cycle).order_by(Cycle.id)):
        paused = session.scalar(
            select(CyclePause).where(CyclePause.cycle_id == cycle.id, CyclePause.ended_at.is_(None))
        )
        if cycle.status != "active" or paused is not None:
            continue
        open_steps = sorted((s for s in cycle.steps if s.status in OPEN), key=lambda s: s.position)
        if open_steps:
            chased.append((cycle, open_steps[0]))
        for step in open_steps:
            if step.facilitator_id is not None:
                pair = (cycle.id, step.facilitator_id)
                best = first_of_pair.get(pair)
                if best is None or (step.due_at, step.id) < (best.due_at, best.id):
                    first_of_pair[pair] = step
    told = {
        (session.get_one(Step, n.step_id).cycle_id, n.facilitator_id)
        for n in session.scalars(select(Notification).where(Notification.rule == "assignment"))
    }
    for pair, step in sorted(first_of_pair.items(), key=lambda kv: (kv[1].due_at, kv[1].id)):
        if pair not in told:
            send(step, "assignment", [session.get_one(Facilitator, pair[1])], set())
    for cycle, step in chased:
        rules = policy.for_stage(step.stage)
        already = {
            (n.rule, n.recipient)
            for n in session.scalars(select(Notification).where(Notification.step_id == step.id))
            if n.due_at == step.due_at
        }
        owner_reminders = {
            r for r, _ in already if r.startswith(("before-", "due-today", "overdue-"))
        }
        latest = _latest_owner_rule(step.due_at, rules, now)
        due = []
        if latest is not None and len(owner_reminders) < rules.max_per_step:
            lead = session.get(Facilitator, step.facilitator_id) if step.facilitator_id else None
            owners = (
                [lead]
                if step.owner_role == "facilitator" and lead
                else coordinators(cycle.region_pcode)
            )
            due.append((latest, owners))
        level = 0
        if now - step.due_at >= timedelta(days=rules.coordinator_after_days):
            due.append(("escalation-coordinator", coordinators(cycle.region_pcode)))
            level = 1
        if now - step.due_at >= timedelta(days=rules.manager_after_days):
            managers = [
                p
                for p in everyone
                if p.role == "manager"
                and (not p.regions or cycle.region_pcode in [r.pcode for r in p.regions])
            ]
            due.append(("escalation-manager", managers))
            level = 2
        for rule, people in due:
            send(step, rule, people, already)
        if level > step.escalation_level:
            escalations[step.id] = level
    return Expected(claims, counts["deferred"], counts["without"], escalations)


@pytest.mark.parametrize("case", list(POLICIES))
def test_the_sweep_claims_what_a_straightforward_reference_claims(
    session: Session, case: str
) -> None:
    policy, now = POLICIES[case]
    _seed(session)
    expected = _reference(session, policy, now)

    planned = plan(session, policy, now)

    got = Counter(
        (
            c.step_id,
            c.rule,
            c.due_at,
            c.recipient,
            c.facilitator_id,
            c.contact_id,
            c.channel,
            c.commune_person_id,
            c.commune_contact_id,
            c.item_id,
        )
        for c in planned.claims
    )
    assert sum(expected.claims.values()) > 40  # the mix chases enough to compare
    rules = {rule for _s, rule, *_rest in expected.claims}
    assert rules >= {"assignment", "escalation-coordinator", "escalation-manager", "overdue-1"}
    assert expected.without_channel > 0
    if policy.channel_fallback:
        assert "due-today" in rules and "before-1d" in rules
    else:
        assert expected.deferred_quiet > 0 and "before-3d" in rules
    assert got == expected.claims
    assert (planned.deferred_quiet, planned.without_channel) == (
        expected.deferred_quiet,
        expected.without_channel,
    )
    assert planned.escalations == expected.escalations
