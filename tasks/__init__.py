"""tasks: see docs/cycle-flow.md."""
