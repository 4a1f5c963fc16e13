"""Every table, imported once so that Base.metadata is complete (Alembic and tests use this)."""

from models import (  # noqa: F401
    assignment_record,
    audit,
    baseline,
    cycle,
    debate_session,
    document,
    facilitator,
    geography,
    minutes,
    notification,
    safety_plan,
)
from models.base import Base

metadata = Base.metadata
