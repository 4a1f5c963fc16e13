"""A reminder sweep in its own process, as two schedulers or a restarted worker would run it.

    python -m tests.notifications.sweep_process NOW_ISO [CONCURRENCY]

The database comes from DEBATES_DATABASE_URL; SWEEP_RECORD_PATIENCE, when set, shortens how long
the sweep waits for a database that does not answer (seconds). Prints the sweep's counts as one
JSON line.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import datetime

from models.policy import ReminderPolicy
from notifications import deliveries
from notifications.deliveries import deliver_claimed
from notifications.sweep import claim_due, flag_overdue_steps, new_sweep_id


def main() -> None:
    now = datetime.fromisoformat(sys.argv[1])
    if patience := os.environ.get("SWEEP_RECORD_PATIENCE"):
        deliveries.RECORD_PATIENCE = float(patience)
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    policy = ReminderPolicy(concurrency=concurrency)
    sweep_id = f"pid-{os.getpid()}-{new_sweep_id()[:8]}"
    flag_overdue_steps(now)
    claimed = claim_due(now, policy, sweep_id)
    print(json.dumps({"claimed": len(claimed.ids), "sweep": sweep_id}), flush=True)
    delivered = deliver_claimed(
        claimed.ids, now=now, policy=policy, ui_url="http://127.0.0.1:4200", sweep_id=sweep_id
    )
    report = asdict(delivered)
    report.pop("errors")
    print(json.dumps({**report, "sweep": sweep_id}), flush=True)


if __name__ == "__main__":
    main()
