"""deployments: see docs/cycle-flow.md."""
