"""cycle flow (issue 3): no schema change.

The flow needs no table of its own: Cycle.flow_run_id (0001) links a cycle to its Prefect run, and
every step's input is recorded idempotently under the UNIQUE constraints of 0001 (baseline_studies
.cycle_id, debate_sessions (cycle_id, number), minutes (cycle_id, session_number), safety_plans
.cycle_id). The revision stays in the chain so later revisions need not change.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import models.base  # noqa: F401

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
