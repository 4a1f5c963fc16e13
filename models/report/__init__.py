"""The programme's results report (`debates report`, the programme-report deployment): what a
period's cycles achieved in an area, as SQL aggregates (counts only, never names or text)."""
