"""One module per risk rule; `alchemiser.domain.risk.pipeline` registers them in order."""
