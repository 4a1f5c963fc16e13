"""Use cases: one function per thing a coordinator, the demo or a UI deployment does ("launch these
communes", "record this step and resume its run", "reconcile", "cancel"), in plain Python.

Each opens its own short units of work (models.db.session_scope) and talks to Prefect only through
orchestrator/. The CLI calls these; the tasks wrap them for the flows.
"""
