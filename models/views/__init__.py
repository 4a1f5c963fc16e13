"""What people read: the portfolio, a cycle's state, `debates cycles` / `show` rows."""
