"""Typed results: one pydantic model per use case, rendered alike by the terminal, `--json`,
the run report and the dashboard. Their JSON schemas are published in `docs/schemas/`
(`alchemiser schema --write`); conventions are in `common`.

Import each model from its module (`results.status`, `results.run` …): this package imports
nothing, so a command loads the one model it renders, not all hundred (start-up, issue 16).
The table of published schemas is in `schemas`."""

from __future__ import annotations
