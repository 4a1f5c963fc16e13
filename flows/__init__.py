"""flows: see docs/cycle-flow.md."""
