"""The deployments' names on the Prefect server: what the client side looks a deployment up by.

A flow's own name lives with the flow (`@flow(name=...)` in flows/); the deployment is
`<flow name>/<deployment name>`. tests/flows/test_prefect_yaml.py keeps these equal to what
deployments/serve.py serves and prefect.yaml declares.
"""

from __future__ import annotations

DEBATE_CYCLE = "debate-cycle/debate-cycle"
LAUNCH_CYCLES = "launch-cycles/launch-cycles"
REMINDER_SWEEP = "reminder-sweep/reminder-sweep"
CYCLE_ADMIN = "cycle-admin/cycle-admin"
FIELD_IMPORT = "field-import/field-import"
PROGRAMME_REPORT = "programme-report/programme-report"
