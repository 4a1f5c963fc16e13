"""The follow-up after the handover: tracked items (plan actions, commitments), their updates, and
the stage's life (visits planned at the handover, the cycle closed when the follow-up is over)."""
