"""Facilitator teams: candidates, hard rules and scores, the solver, explanations."""
