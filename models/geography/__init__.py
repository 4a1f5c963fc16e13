"""Mali's administrative levels keyed by OCHA P-code, and the commune registry."""
