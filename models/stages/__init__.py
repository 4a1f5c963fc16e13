"""What each human step records: baseline study, sessions, minutes, safety plan."""
