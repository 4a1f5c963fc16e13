"""The `debates` command line: the coordinator's daily tool."""
