"""Who is told what, on which channel: templates per language, Apprise dispatch, the ledger."""
