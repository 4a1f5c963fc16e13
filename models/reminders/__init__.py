"""Which reminders, overdue notices and escalations are due, and the ledger table."""
