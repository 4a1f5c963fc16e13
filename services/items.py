"""An item's update between visits (`debates actions update`): one transaction, then the cycle's
artifacts published again beside its run (services/refresh.py), so the item tracker shows it.

The flow run is left as it is: it waits on the next visit, and an update never closes a cycle
(models/followup/updates.py says why).
"""

from __future__ import annotations

from models.clock import utcnow
from models.db import session_scope
from models.followup.updates import ItemChange, ItemUpdated
from models.followup.updates import update_item as record_update
from services.refresh import refresh_cycle_views


def update_item(cycle_id: int, number: int, change: ItemChange, *, who: str) -> ItemUpdated:
    """Record the update of item `number` of the cycle, dated today; refresh its views."""
    with session_scope() as session:
        updated = record_update(session, cycle_id, number, change, actor=who, now=utcnow())
    refresh_cycle_views([cycle_id])
    return updated
