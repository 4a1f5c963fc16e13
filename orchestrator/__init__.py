"""The Prefect server as the rest of the code sees it: where it is, its health, flow runs and artifacts.

Prefect-client helpers shared by the CLI, the use cases (services/), the tasks and the deployments.
Imports models/ only, never flows/, tasks/ or deployments/ (tests/test_architecture.py).
"""
