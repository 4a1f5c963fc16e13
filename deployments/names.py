"""Names of the flows and deployments, shared by the serving process, the CLI and prefect.yaml."""

from __future__ import annotations

DEBATE_CYCLE_FLOW = "debate-cycle"
LAUNCH_CYCLES_FLOW = "launch-cycles"
DEBATE_CYCLE = f"{DEBATE_CYCLE_FLOW}/debate-cycle"
LAUNCH_CYCLES = f"{LAUNCH_CYCLES_FLOW}/launch-cycles"
