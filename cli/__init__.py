"""The `debates` command line: the coordinator's daily tool.

The command modules import SQLAlchemy, the models and Prefect inside the commands, never at the
top: `debates --help` loads only Typer and Rich, and each command only what it uses; Prefect (~1 s)
only the commands that talk to it. bench/cli_startup.py measures it; tests/cli/test_import_light.py
keeps Prefect, SciPy and Apprise out of the database-only commands.
"""
