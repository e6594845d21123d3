"""Risk rules between the blended target and the plan (SPEC §14): a pure pipeline.

Import from the modules (`limits`, `model`, `pipeline`, `funds`, `rules`): the package itself
imports nothing, so the settings, which need only the limits, do not load the pipeline and its
rules (start-up, issue 16)."""
