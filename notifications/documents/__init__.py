"""Documents people read: invitations (with .ics), minutes and the local safety plan, in fr and en."""
