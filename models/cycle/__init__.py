"""A cycle: its tables, plan and deadlines, legal transitions, launches, where it waits."""
