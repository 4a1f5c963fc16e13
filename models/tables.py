"""Every table, imported once so that Base.metadata is complete (Alembic and tests use this)."""

from models import audit  # noqa: F401
from models.base import Base
from models.cycle import cycle, document, pause  # noqa: F401
from models.fieldforms import imported  # noqa: F401
from models.followup import items  # noqa: F401
from models.geography import places  # noqa: F401
from models.matching import assignment  # noqa: F401
from models.people import facilitator, roster  # noqa: F401
from models.reminders import ledger  # noqa: F401
from models.stages import baseline, follow_up, minutes, safety_plan, sessions  # noqa: F401

metadata = Base.metadata
